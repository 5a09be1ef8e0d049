-- vb_api.revoke_role(p_user_id uuid, p_role text) → text
--
-- Takes an application role from a user (contract identity.md; vb_admin only). 'player' cannot
-- be taken (every user has it): 'not_assigned'.
-- Returns: 'revoked' | 'not_assigned' | 'user_not_found' | 'unknown_role'.
-- Raises: nothing.
-- Events: user.updated, when revoked (with the live sessions' token hashes: cached roles dropped).
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.revoke_role(p_user_id uuid, p_role text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('user_id', p_user_id, 'role', vb.audit_text(p_role));
    v_now timestamptz := clock_timestamp();
    v_refused text := vb.lock_user_for_role_change(p_user_id, p_role);
BEGIN
    IF v_refused IS NOT NULL THEN
        RETURN vb.audited('vb_api.revoke_role', v_audit_arguments, v_refused);
    END IF;
    DELETE FROM vb.user_roles AS ur WHERE ur.user_id = p_user_id AND ur.role_name = p_role;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.revoke_role', v_audit_arguments, 'not_assigned');
    END IF;
    PERFORM vb.record_user_change(p_user_id, v_now);
    RETURN vb.audited('vb_api.revoke_role', v_audit_arguments, 'revoked');
END
$$;
