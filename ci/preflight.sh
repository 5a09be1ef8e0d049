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
        compgen -G "/usr/lib/*/faketime/libfaketimeMT.so.1" >/dev/null || missing+=("libfaketime")
        [ -x /usr/sbin/pgbouncer ] || missing+=("pgbouncer")
        command -v pgbackrest >/dev/null 2>&1 || missing+=("pgbackrest")
    fi
    echo "${missing[*]}"
}

# the local services, unless the tests are pointed elsewhere (pyvb/testing/services.py's rule)
services_down() {
    local down=()
    if [ -z "${VB_TEST_DATABASE_URL:-}" ]; then
        pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || down+=("PostgreSQL at 127.0.0.1:5432")
    fi
    if [ -z "${VB_TEST_REDIS_URL:-}" ]; then
        redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || down+=("Redis at 127.0.0.1:6379")
    fi
    echo "${down[*]}"
}

# ensure CHECK SCRIPT WHAT: when CHECK names something, run SCRIPT to fix it, then check again
ensure() {
    local check=$1 script=$2 what=$3 found
    found=$($check)
    [ -z "$found" ] && return 0
    echo "preflight: ${found} ${what}; running ${script}"
    if ! as_root bash "$script" >/dev/null; then
        echo "preflight: ${found} ${what}: run 'sudo bash ${script}'" >&2
        exit 1
    fi
    found=$($check)
    if [ -n "$found" ]; then
        echo "preflight: ${found} still ${what} after ${script}" >&2
        exit 1
    fi
}

ensure missing_packages ci/install-system.sh "missing"
ensure services_down ci/start-services.sh "not answering"
