-- vb_ops.finish_maintenance_run(p_run_id bigint, p_outcome text, p_detail jsonb) → void
--
-- Records how a maintenance pass started by vb_ops.start_maintenance_run ended: its outcome
-- ('ok' | 'failed' | 'skipped') and detail (the steps' results and errors).
-- Raises: VB001 when the run is unknown or already finished, or the outcome is not one of the three.
CREATE OR REPLACE FUNCTION vb_ops.finish_maintenance_run(p_run_id bigint, p_outcome text, p_detail jsonb)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_outcome IS NULL OR p_outcome NOT IN ('ok', 'failed', 'skipped') THEN
        RAISE EXCEPTION 'outcome must be ok, failed or skipped, got %', vb.short_quote(p_outcome)
            USING ERRCODE = 'VB001';
    END IF;
    UPDATE vb.maintenance_runs AS r
    SET finished_at = now(), outcome = p_outcome, detail = coalesce(p_detail, '{}')
    WHERE r.run_id = p_run_id AND r.finished_at IS NULL;
    IF NOT found THEN
        RAISE EXCEPTION 'maintenance run % is unknown or already finished', p_run_id USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.audit('vb_ops.finish_maintenance_run', jsonb_build_object('run_id', p_run_id), jsonb_build_object('status', p_outcome));
END
$$;
