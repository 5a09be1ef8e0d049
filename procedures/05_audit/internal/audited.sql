-- vb.audited(p_function text, p_arguments jsonb, p_status text) → text
--
-- Internal. Records the call (vb.audit, outcome {"status": p_status}) and returns p_status, so a
-- function audits each of its outcomes where it returns them: RETURN vb.audited(…, 'set').
-- Raises: as vb.audit.
CREATE OR REPLACE FUNCTION vb.audited(p_function text, p_arguments jsonb, p_status text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM vb.audit(p_function, p_arguments, jsonb_build_object('status', p_status));
    RETURN p_status;
END
$$;
