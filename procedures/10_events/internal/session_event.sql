-- vb.session_event(p_type text, p_session vb.sessions, p_reason text default null) → json
--
-- Internal. A session.started / session.refreshed / session.ended event (topic vb.sessions,
-- keyed by user id): session id, user id, the token's sha256 in hex (the session cache's key;
-- never the token), expiry, and for session.ended the reason ('ended' | 'expired' |
-- 'user_disabled' | 'all_ended').
CREATE OR REPLACE FUNCTION vb.session_event(p_type text, p_session vb.sessions, p_reason text DEFAULT NULL)
RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event(p_type, 'session', p_session.user_id::text, json_strip_nulls(json_build_object(
        'session_id', p_session.session_id, 'user_id', p_session.user_id,
        'token_sha256', encode(p_session.token_sha256, 'hex'), 'expires_at', p_session.expires_at,
        'reason', p_reason
    )));
$$;
