-- vb_api.set_user_status(p_user_id uuid, p_status text, p_reason text default null) → text
--
-- Enables or disables a user (contract identity.md; vb_admin). Disabling ends the user's live
-- sessions at once (session.ended, reason 'user_disabled') and refuses new ones; the user's
-- orders stay as they are (cancelling them is the middleware's decision).
-- Parameters: p_status 'active' | 'disabled'; p_reason kept with the status (at most 200
-- characters, vb.size_limit 'name_chars').
-- Returns: 'updated' | 'unchanged' (already in that status) | 'user_not_found' | 'invalid_status'.
-- Raises: VB001 when p_reason is over its limit.
-- Events: user.updated (and the sessions' session.ended), when updated.
-- Locks the user's row: a session cannot start while the user is being disabled.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.set_user_status(p_user_id uuid, p_status text, p_reason text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('user_id', p_user_id, 'status', vb.audit_text(p_status), 'reason', vb.audit_text(p_reason));
    v_user vb.users;
    v_now timestamptz := clock_timestamp();
    v_events json [] := '{}';
BEGIN
    PERFORM vb.check_size('p_reason', length(p_reason), 'name_chars');
    IF p_status IS NULL OR p_status NOT IN ('active', 'disabled') THEN
        RETURN vb.audited('vb_api.set_user_status', v_audit_arguments, 'invalid_status');
    END IF;
    SELECT * INTO v_user FROM vb.users AS u WHERE u.user_id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.set_user_status', v_audit_arguments, 'user_not_found');
    END IF;
    IF v_user.user_status = p_status THEN
        RETURN vb.audited('vb_api.set_user_status', v_audit_arguments, 'unchanged');
    END IF;
    UPDATE vb.users AS u SET user_status = p_status, status_reason = p_reason, updated_at = v_now
    WHERE u.user_id = p_user_id;
    IF p_status = 'disabled' THEN
        v_events := vb.end_sessions(p_user_id, 'user_disabled', v_now);
    END IF;
    PERFORM vb.write_events(array_to_json(v_events || vb.user_updated_event(p_user_id)), v_now);
    RETURN vb.audited('vb_api.set_user_status', v_audit_arguments, 'updated');
END
$$;
