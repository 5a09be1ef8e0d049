#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are not running (the development machines start them
# before a session; a fresh machine may not). Trust auth on 127.0.0.1 is what the defaults use.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    cluster_version=$(ls /etc/postgresql | sort -V | tail -1)
    if ! pg_lsclusters -h | grep -q "^${cluster_version} main"; then
        pg_createcluster "${cluster_version}" main
    fi
    hba="/etc/postgresql/${cluster_version}/main/pg_hba.conf"
    if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
        sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "${cluster_version}" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping
