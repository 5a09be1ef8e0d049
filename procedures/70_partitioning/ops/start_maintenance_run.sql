-- vb_ops.start_maintenance_run(p_host text) → bigint
--
-- Records the start of a maintenance pass (pyvb maintain run / loop) in vb.maintenance_runs and
-- returns its run id; vb_ops.finish_maintenance_run records how it ended.
-- Parameters: p_host the machine running the pass, 1–255 characters.
-- Raises: VB001 when p_host is null, empty or longer than 255 characters.
CREATE OR REPLACE FUNCTION vb_ops.start_maintenance_run(p_host text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_run_id bigint;
BEGIN
    IF p_host IS NULL OR length(p_host) NOT BETWEEN 1 AND 255 THEN
        RAISE EXCEPTION 'host must be 1-255 characters' USING ERRCODE = 'VB001';
    END IF;
    INSERT INTO vb.maintenance_runs (host) VALUES (p_host) RETURNING run_id INTO v_run_id;
    PERFORM vb.audit(
        'vb_ops.start_maintenance_run', jsonb_build_object('host', vb.audit_text(p_host)),
        jsonb_build_object('status', 'started', 'run_id', v_run_id)
    );
    RETURN v_run_id;
END
$$;
