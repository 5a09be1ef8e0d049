-- vb_ops.set_audit_policy(p_require_request_context boolean) → text
--
-- Whether every state-changing call needs a request context (contract audit.md's
-- vb.require_request_context; default off): when on, a call in a transaction without
-- vb_api.set_request_context fails with VB005 and changes nothing. The switch itself never needs
-- a context (an operator must always be able to turn it off): it is recorded while the policy is
-- off — before the change when turning it on, after it when turning it off.
-- Returns: 'set' | 'unchanged'.
-- Raises: VB001 when p_require_request_context is null.
CREATE OR REPLACE FUNCTION vb_ops.set_audit_policy(p_require_request_context boolean)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old boolean;
    v_arguments jsonb;
    v_status text;
BEGIN
    IF p_require_request_context IS NULL THEN
        RAISE EXCEPTION 'p_require_request_context must not be null' USING ERRCODE = 'VB001';
    END IF;
    SELECT p.require_request_context INTO v_old FROM vb.audit_policy AS p WHERE p.singleton FOR UPDATE;
    v_arguments := jsonb_build_object(
        'require_request_context', jsonb_build_object('old', v_old, 'new', p_require_request_context)
    );
    v_status := CASE WHEN v_old = p_require_request_context THEN 'unchanged' ELSE 'set' END;
    IF p_require_request_context THEN
        PERFORM vb.audited('vb_ops.set_audit_policy', v_arguments, v_status);
    END IF;
    UPDATE vb.audit_policy AS p SET require_request_context = p_require_request_context WHERE p.singleton;
    IF NOT p_require_request_context THEN
        PERFORM vb.audited('vb_ops.set_audit_policy', v_arguments, v_status);
    END IF;
    RETURN v_status;
END
$$;
