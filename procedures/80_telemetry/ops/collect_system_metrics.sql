-- vb_ops.collect_system_metrics() → table (metric text, labels jsonb, metric_value double precision)
--
-- Stores a snapshot of vb_ops.system_metrics in vb.system_metrics (daily partitions, 90 days),
-- every sample at one collected_at, plus vb_db_commits_per_second and vb_db_rollbacks_per_second
-- since the previous snapshot (within 7 days; none after a statistics reset, when the counter
-- went back). Run by `pyvb metrics collect` and every maintenance pass; recorded in the audit
-- trail as one record with the count stored.
-- Returns: the rows stored. Raises: 25006 on a hot standby (read-only).
CREATE OR REPLACE FUNCTION vb_ops.collect_system_metrics()
RETURNS TABLE (metric text, labels jsonb, metric_value double precision)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_now timestamptz := clock_timestamp();
    v_stored integer;
BEGIN
    INSERT INTO vb.system_metrics (collected_at, metric, labels, metric_value)
    SELECT v_now, m.metric, m.labels, m.metric_value
    FROM vb_ops.system_metrics() AS m
    WHERE m.metric_value IS NOT NULL;
    INSERT INTO vb.system_metrics (collected_at, metric, labels, metric_value)
    SELECT v_now, replace(cur.metric, '_total', '_per_second'), '{}',
        (cur.metric_value - prev.metric_value) / extract(EPOCH FROM v_now - prev.collected_at)
    FROM vb.system_metrics AS cur
    CROSS JOIN LATERAL (
        SELECT p.collected_at, p.metric_value FROM vb.system_metrics AS p
        WHERE p.metric = cur.metric AND p.collected_at < v_now AND p.collected_at > v_now - INTERVAL '7 days'
        ORDER BY p.collected_at DESC
        LIMIT 1
    ) AS prev
    WHERE cur.collected_at = v_now AND cur.metric IN ('vb_db_commits_total', 'vb_db_rollbacks_total')
        AND cur.metric_value >= prev.metric_value;
    SELECT count(*) INTO v_stored FROM vb.system_metrics AS s WHERE s.collected_at = v_now;
    PERFORM vb.audit('vb_ops.collect_system_metrics', '{}', jsonb_build_object('stored', v_stored));
    RETURN QUERY
    SELECT s.metric, s.labels, s.metric_value FROM vb.system_metrics AS s
    WHERE s.collected_at = v_now
    ORDER BY s.metric, s.labels::text;
END
$$;
