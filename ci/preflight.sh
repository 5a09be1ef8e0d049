#!/usr/bin/env bash
# What `make test` and `make demo` need from the machine, checked before anything runs: the
# system packages (ci/install-system.sh installs them) and PostgreSQL and Redis answering
# (ci/start-services.sh starts them). Missing pieces are installed or started here, with sudo
# when not root; when that is impossible, one line names what is missing and the command that
# fixes it, and the make target stops before any test runs.
#   usage: ci/preflight.sh test|demo
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-test}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

missing_packages() {
    local missing=()
    [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=("PostgreSQL 15")
    command -v redis-server >/dev/null 2>&1 || missing+=("redis-server")
    if [ "$purpose" = test ]; then
        [ -f /usr/share/postgresql/15/extension/pgtap.control ] || missing+=("pgTAP")
        command -v pg_prove >/dev/null 2>&1 || missing+=("pg_prove")
        [ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 ] || missing+=("libfaketime")
    fi
    echo "${missing[*]}"
}

services_down() {
    local down=()
    pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || down+=("PostgreSQL at 127.0.0.1:5432")
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || down+=("Redis at 127.0.0.1:6379")
    echo "${down[*]}"
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
    echo "preflight: missing ${missing}; running ci/install-system.sh"
    if ! as_root bash ci/install-system.sh >/dev/null; then
        echo "preflight: missing ${missing}: run 'sudo bash ci/install-system.sh'" >&2
        exit 1
    fi
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        echo "preflight: still missing ${missing} after ci/install-system.sh" >&2
        exit 1
    fi
fi

down=$(services_down)
if [ -n "$down" ]; then
    echo "preflight: ${down} not answering; running ci/start-services.sh"
    if ! as_root bash ci/start-services.sh >/dev/null; then
        echo "preflight: ${down} not answering: run 'sudo bash ci/start-services.sh'" >&2
        exit 1
    fi
    down=$(services_down)
    if [ -n "$down" ]; then
        echo "preflight: ${down} still not answering after ci/start-services.sh" >&2
        exit 1
    fi
fi
