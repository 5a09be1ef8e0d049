-- vb_api.refresh_session(p_session_id uuid, p_ttl_s integer default 3600) → text
--
-- Extends a live session: it now expires p_ttl_s (1 s … 30 days) from now (contract
-- identity.md).
-- Returns: 'refreshed' | 'expired' (its time had passed: start a new one) | 'ended' |
--   'not_found' | 'invalid_ttl'.
-- Raises: nothing.
-- Events: session.refreshed.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.refresh_session(p_session_id uuid, p_ttl_s integer DEFAULT 3600)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('session_id', p_session_id, 'ttl_s', p_ttl_s);
    v_session vb.sessions;
    v_now timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO v_session FROM vb.sessions AS s WHERE s.session_id = p_session_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.refresh_session', v_audit_arguments, 'not_found');
    ELSIF v_session.ended_at IS NOT NULL THEN
        RETURN vb.audited('vb_api.refresh_session', v_audit_arguments, 'ended');
    ELSIF v_session.expires_at <= v_now THEN
        RETURN vb.audited('vb_api.refresh_session', v_audit_arguments, 'expired');
    ELSIF p_ttl_s IS NULL OR p_ttl_s NOT BETWEEN 1 AND 30 * 86400 THEN
        RETURN vb.audited('vb_api.refresh_session', v_audit_arguments, 'invalid_ttl');
    END IF;
    UPDATE vb.sessions AS s SET expires_at = v_now + make_interval(secs => p_ttl_s), refreshed_at = v_now
    WHERE s.session_id = p_session_id
    RETURNING * INTO v_session;
    PERFORM vb.write_events(json_build_array(vb.session_event('session.refreshed', v_session)), v_now);
    RETURN vb.audited('vb_api.refresh_session', v_audit_arguments, 'refreshed');
END
$$;
