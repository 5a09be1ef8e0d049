-- vb_ops.system_metrics()
--   → table (metric text, kind text, help text, labels jsonb, metric_value double precision)
--
-- The database's health now, one row per series and labels (contract audit.md, System metrics):
-- what `pyvb metrics serve` exposes on each scrape and vb_ops.collect_system_metrics stores.
-- kind is 'counter' or 'gauge' (Prometheus types); every family has at least one row, with a
-- null metric_value when it has no sample now (no replica, no relay sink), so the endpoint
-- always declares it. Series (README, Metrics):
--   vb_db_commits_total, vb_db_rollbacks_total   this database's transactions since the
--                                                statistics were reset (counters)
--   vb_db_buffer_cache_hit_ratio                 blocks found in shared buffers / blocks read
--   vb_db_connections{state}                     this database's client backends by state (every
--                                                state listed, 0 when none)
--   vb_db_longest_transaction_seconds            age of the oldest open transaction in this
--                                                database (its own call's excepted)
--   vb_db_in_recovery                            1 on a hot standby, 0 on the primary
--   vb_db_replication_lag_bytes{replica}         WAL not yet replayed by each streaming replica
--   vb_db_replication_lag_seconds{replica}       its replay lag (pg_stat_replication.replay_lag)
--   vb_db_relay_lag_events{sink}                 events each relay sink has not delivered
--   vb_db_relay_lag_seconds{sink}                age of the oldest of them
--   vb_db_audit_unchained_records                audit records vb_ops.chain_audit has not linked
--   vb_db_table_dead_tuples{table}               dead tuples of the 10 largest tables of schema vb
--                                                (partitions summed into their table)
--   vb_db_table_size_bytes{table}                their size with indexes and TOAST
--   vb_db_size_bytes                             the database's size
--   vb_db_wal_archived_total, vb_db_wal_archive_failures_total   WAL segments archived, failed
--                                                attempts (counters; vb_ops.archive_status)
--   vb_db_wal_archive_failing                    1 while archiving is on and its latest attempt
--                                                failed
--   vb_db_wal_archive_age_seconds                time since the last segment was archived
-- Read-only: works on a hot standby. Raises: nothing.
-- Why pg_read_all_stats (migration 0022): without it the owner sees other roles' backends
-- without a state and the replicas without positions.
CREATE OR REPLACE FUNCTION vb_ops.system_metrics()
RETURNS TABLE (metric text, kind text, help text, labels jsonb, metric_value double precision)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH families (metric, kind, help, ord) AS (
        VALUES
        ('vb_db_commits_total', 'counter', 'Transactions committed in this database', 1),
        ('vb_db_rollbacks_total', 'counter', 'Transactions rolled back in this database', 2),
        ('vb_db_buffer_cache_hit_ratio', 'gauge', 'Blocks found in shared buffers over blocks read', 3),
        ('vb_db_connections', 'gauge', 'Client backends of this database by state', 4),
        ('vb_db_longest_transaction_seconds', 'gauge', 'Age of the oldest open transaction', 5),
        ('vb_db_in_recovery', 'gauge', '1 on a hot standby, 0 on the primary', 6),
        ('vb_db_replication_lag_bytes', 'gauge', 'WAL not yet replayed by a streaming replica', 7),
        ('vb_db_replication_lag_seconds', 'gauge', 'Replay lag of a streaming replica', 8),
        ('vb_db_relay_lag_events', 'gauge', 'Events a relay sink has not delivered', 9),
        ('vb_db_relay_lag_seconds', 'gauge', 'Age of the oldest event a relay sink has not delivered', 10),
        ('vb_db_audit_unchained_records', 'gauge', 'Audit records not yet linked into the hash chain', 11),
        ('vb_db_table_dead_tuples', 'gauge', 'Dead tuples of the largest tables', 12),
        ('vb_db_table_size_bytes', 'gauge', 'Size of the largest tables, with indexes and TOAST', 13),
        ('vb_db_size_bytes', 'gauge', 'Size of the database', 14),
        ('vb_db_wal_archived_total', 'counter', 'WAL segments archived', 15),
        ('vb_db_wal_archive_failures_total', 'counter', 'Failed attempts to archive a WAL segment', 16),
        ('vb_db_wal_archive_failing', 'gauge', '1 while archiving is on and its latest attempt failed', 17),
        ('vb_db_wal_archive_age_seconds', 'gauge', 'Time since the last WAL segment was archived', 18)
    ),
    archiver AS (SELECT a.* FROM vb_ops.archive_status() AS a),
    db AS (SELECT d.* FROM pg_stat_database AS d WHERE d.datname = current_database()),
    replicas AS (SELECT r.replica, r.replay_lag_bytes, r.replay_lag_s FROM vb_ops.replica_status() AS r),
    largest AS (
        SELECT
            coalesce(pg_partition_root(c.oid), c.oid)::regclass::text AS table_name,
            sum(pg_total_relation_size(c.oid)) AS size_bytes,
            sum(s.n_dead_tup) AS dead_tuples
        FROM pg_class AS c
        INNER JOIN pg_stat_all_tables AS s ON c.oid = s.relid
        WHERE c.relnamespace = 'vb'::regnamespace AND c.relkind = 'r'
        GROUP BY 1
        ORDER BY 2 DESC, 1
        LIMIT 10
    ),
    samples (metric, labels, metric_value) AS (
        SELECT 'vb_db_commits_total', '{}'::jsonb, db.xact_commit::double precision FROM db
        UNION ALL
        SELECT 'vb_db_rollbacks_total', '{}', db.xact_rollback FROM db
        UNION ALL
        SELECT 'vb_db_buffer_cache_hit_ratio', '{}',
            CASE WHEN db.blks_hit + db.blks_read = 0 THEN 1 ELSE db.blks_hit::double precision / (db.blks_hit + db.blks_read) END
        FROM db
        UNION ALL
        SELECT 'vb_db_connections', jsonb_build_object('state', st.state), (
            SELECT count(*) FROM pg_stat_activity AS a
            WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.state = st.state
        )
        FROM (
            VALUES ('active'), ('idle'), ('idle in transaction'), ('idle in transaction (aborted)'),
            ('fastpath function call'), ('disabled')
        ) AS st (state)
        UNION ALL
        SELECT 'vb_db_longest_transaction_seconds', '{}', coalesce(max(extract(EPOCH FROM clock_timestamp() - a.xact_start)), 0)
        FROM pg_stat_activity AS a
        WHERE a.datname = current_database() AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()
        UNION ALL
        SELECT 'vb_db_in_recovery', '{}', pg_is_in_recovery()::integer
        UNION ALL
        SELECT 'vb_db_replication_lag_bytes', jsonb_build_object('replica', r.replica), r.replay_lag_bytes FROM replicas AS r
        UNION ALL
        SELECT 'vb_db_replication_lag_seconds', jsonb_build_object('replica', r.replica), r.replay_lag_s FROM replicas AS r
        UNION ALL
        SELECT 'vb_db_relay_lag_events', jsonb_build_object('sink', s.sink), s.lag_events FROM vb_ops.relay_status() AS s
        UNION ALL
        SELECT 'vb_db_relay_lag_seconds', jsonb_build_object('sink', s.sink), s.lag_s FROM vb_ops.relay_status() AS s
        UNION ALL
        SELECT 'vb_db_audit_unchained_records', '{}', count(*)
        FROM vb.event_audit AS a
        WHERE a.txid >= (SELECT h.horizon_txid FROM vb.audit_chain_head AS h)
        UNION ALL
        SELECT 'vb_db_table_dead_tuples', jsonb_build_object('table', l.table_name), l.dead_tuples FROM largest AS l
        UNION ALL
        SELECT 'vb_db_table_size_bytes', jsonb_build_object('table', l.table_name), l.size_bytes FROM largest AS l
        UNION ALL
        SELECT 'vb_db_size_bytes', '{}', pg_database_size(current_database())
        UNION ALL
        SELECT 'vb_db_wal_archived_total', '{}', a.archived_count FROM archiver AS a
        UNION ALL
        SELECT 'vb_db_wal_archive_failures_total', '{}', a.failed_count FROM archiver AS a
        UNION ALL
        SELECT 'vb_db_wal_archive_failing', '{}', a.failing::integer FROM archiver AS a
        UNION ALL
        SELECT 'vb_db_wal_archive_age_seconds', '{}', extract(EPOCH FROM clock_timestamp() - a.last_archived_at)
        FROM archiver AS a
        WHERE a.last_archived_at IS NOT NULL
    )
    SELECT f.metric, f.kind, f.help, coalesce(s.labels, '{}'), s.metric_value
    FROM families AS f
    LEFT JOIN samples AS s ON f.metric = s.metric
    ORDER BY f.ord, s.labels::text;
$$;
