-- vb_ops.last_maintenance_run() → table (run_id, host, started_at, finished_at, outcome, detail)
--
-- The latest maintenance pass (no row before the first), for pyvb maintain status and the demo.
CREATE OR REPLACE FUNCTION vb_ops.last_maintenance_run()
RETURNS TABLE (
    run_id bigint, host text, started_at timestamptz, finished_at timestamptz, outcome text, detail jsonb
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.run_id, r.host, r.started_at, r.finished_at, r.outcome, r.detail
    FROM vb.maintenance_runs AS r
    ORDER BY r.run_id DESC
    LIMIT 1;
$$;
