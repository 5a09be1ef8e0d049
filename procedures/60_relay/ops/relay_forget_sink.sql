-- vb_ops.relay_forget_sink(p_sink text) → boolean
--
-- Removes a sink that is no longer delivered to (its vb.relay_progress row), so that it stops
-- holding back vb_ops.relay_prune. Its dead letters stay for the record. A relay still running
-- that sink registers it again (from event 0: everything still logged is redelivered to it).
-- Returns: true when the sink was registered, false otherwise.
-- Raises: VB001 when p_sink is null.
CREATE OR REPLACE FUNCTION vb_ops.relay_forget_sink(p_sink text)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_sink IS NULL THEN
        RAISE EXCEPTION 'p_sink must not be null' USING ERRCODE = 'VB001';
    END IF;
    DELETE FROM vb.relay_progress AS p WHERE p.sink = p_sink;
    RETURN vb.audited(
        'vb_ops.relay_forget_sink', jsonb_build_object('sink', vb.audit_text(p_sink)),
        CASE WHEN found THEN 'forgotten' ELSE 'not_found' END
    ) = 'forgotten';
END
$$;
