-- vb_api.end_session(p_session_id uuid) → text
--
-- Ends a session (logout; contract identity.md). A session whose time has passed but that
-- vb_ops.expire_sessions has not ended yet is ended now.
-- Returns: 'ended' | 'already_ended' | 'not_found'.
-- Raises: nothing.
-- Events: session.ended (reason 'ended'): the relay deletes its cached copy.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.end_session(p_session_id uuid)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('session_id', p_session_id);
    v_session vb.sessions;
    v_now timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO v_session FROM vb.sessions AS s WHERE s.session_id = p_session_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.end_session', v_audit_arguments, 'not_found');
    ELSIF v_session.ended_at IS NOT NULL THEN
        RETURN vb.audited('vb_api.end_session', v_audit_arguments, 'already_ended');
    END IF;
    UPDATE vb.sessions AS s SET ended_at = v_now, end_reason = 'ended'
    WHERE s.session_id = p_session_id
    RETURNING * INTO v_session;
    PERFORM vb.write_events(json_build_array(vb.session_event('session.ended', v_session, 'ended')), v_now);
    RETURN vb.audited('vb_api.end_session', v_audit_arguments, 'ended');
END
$$;
