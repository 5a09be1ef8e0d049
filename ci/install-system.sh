#!/usr/bin/env bash
# Give a fresh Debian machine what the tests need that pip cannot install:
# PostgreSQL 15 with pgTAP, pg_prove, Redis, pgbench, libfaketime (the time-travel tests),
# PgBouncer (the API through transaction pooling), pgBackRest (backups, the restore drill) and a
# Python venv.
set -euo pipefail

need=()
dpkg -s postgresql-15 >/dev/null 2>&1 || need+=(postgresql-15)
dpkg -s postgresql-15-pgtap >/dev/null 2>&1 || need+=(postgresql-15-pgtap)
dpkg -s libtap-parser-sourcehandler-pgtap-perl >/dev/null 2>&1 || need+=(libtap-parser-sourcehandler-pgtap-perl)
dpkg -s postgresql-contrib >/dev/null 2>&1 || dpkg -s postgresql-15 >/dev/null 2>&1 || need+=(postgresql-contrib)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
dpkg -s libfaketime >/dev/null 2>&1 || need+=(libfaketime)
[ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
command -v make >/dev/null 2>&1 || need+=(make)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)

if ((${#need[@]})); then
    echo "ci/install-system.sh: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
else
    echo "ci/install-system.sh: system packages present"
fi
