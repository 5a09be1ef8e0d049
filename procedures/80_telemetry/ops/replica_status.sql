-- vb_ops.replica_status()
--   → table (replica text, client_addr text, state text, sync_state text, replay_lag_bytes numeric,
--            replay_lag_s double precision, reply_age_s double precision)
--
-- The streaming replicas of this server, one row each (pg_stat_replication), for
-- `pyvb replica status` and the vb_db_replication_lag_* series: replica is the standby's
-- application_name; replay_lag_bytes the WAL it has not replayed yet (on a cascading standby,
-- measured from what this one received); replay_lag_s its replay lag as it last reported it
-- (0 once caught up and idle: PostgreSQL then reports none); reply_age_s how long ago it last
-- reported (a replica that stopped replying looks fresh by its lag alone).
-- Read-only; empty when no replica streams. Raises: nothing.
CREATE OR REPLACE FUNCTION vb_ops.replica_status()
RETURNS TABLE (
    replica text, client_addr text, state text, sync_state text, replay_lag_bytes numeric,
    replay_lag_s double precision, reply_age_s double precision
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT
        r.application_name,
        r.client_addr::text,
        r.state,
        r.sync_state,
        pg_wal_lsn_diff(
            CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
            r.replay_lsn
        ),
        extract(EPOCH FROM coalesce(r.replay_lag, INTERVAL '0'))::double precision,
        extract(EPOCH FROM clock_timestamp() - r.reply_time)::double precision
    FROM pg_stat_replication AS r
    ORDER BY r.application_name, r.pid;
$$;
