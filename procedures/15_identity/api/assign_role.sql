-- vb_api.assign_role(p_user_id uuid, p_role text) → text
--
-- Gives a user an application role (contract identity.md; vb_admin only): 'market_maker',
-- 'moderator' or 'admin'. Every user has 'player' implicitly (assigning it reports 'exists').
-- Returns: 'assigned' | 'exists' | 'user_not_found' | 'unknown_role'.
-- Raises: nothing.
-- Events: user.updated, when assigned: it carries the user's live sessions' token hashes, so the
-- relay drops their cached roles.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.assign_role(p_user_id uuid, p_role text)
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
        RETURN vb.audited('vb_api.assign_role', v_audit_arguments, v_refused);
    END IF;
    IF p_role = 'player' THEN
        RETURN vb.audited('vb_api.assign_role', v_audit_arguments, 'exists');
    END IF;
    INSERT INTO vb.user_roles (user_id, role_name, assigned_at) VALUES (p_user_id, p_role, v_now)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.assign_role', v_audit_arguments, 'exists');
    END IF;
    PERFORM vb.record_user_change(p_user_id, v_now);
    RETURN vb.audited('vb_api.assign_role', v_audit_arguments, 'assigned');
END
$$;
