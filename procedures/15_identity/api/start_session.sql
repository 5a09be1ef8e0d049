-- vb_api.start_session(p_user_id uuid, p_ttl_s integer default 3600, p_client jsonb default '{}')
--   → table (session_id uuid, token text, expires_at timestamptz, status text), one row
--
-- Starts a session for a user the middleware has authenticated (contract identity.md).
-- Parameters: p_ttl_s the session's life, 1 s … 30 days; p_client the caller's metadata (ip, user
-- agent, device), at most 4,096 bytes as JSON text (vb.size_limit 'client_bytes'), stored with it.
-- Returns: status 'created' with the session id, its expiry and the token — 32 bytes from the
--   server's strong random source, base64url without padding (43 characters), returned this once:
--   the store keeps only its sha256 — or 'user_not_found' | 'user_disabled' | 'invalid_ttl', the
--   other columns null.
-- Raises: VB001 when p_client is over its limit or not a JSON object.
-- Events: session.started.
-- Shares the user's row lock with set_user_status: a session cannot start on a user being
-- disabled and outlive it.
-- Audited (contract audit.md): one vb.event_audit record per call; the work is vb.start_session.
CREATE OR REPLACE FUNCTION vb_api.start_session(
    p_user_id uuid, p_ttl_s integer DEFAULT 3600, p_client jsonb DEFAULT '{}'
) RETURNS TABLE (session_id uuid, token text, expires_at timestamptz, status text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    SELECT * INTO session_id, token, expires_at, status FROM vb.start_session(p_user_id, p_ttl_s, p_client);
    PERFORM vb.audit(
        'vb_api.start_session', jsonb_build_object('user_id', p_user_id, 'ttl_s', p_ttl_s),
        jsonb_build_object('status', status, 'session_id', session_id)  -- never the token
    );
    RETURN NEXT;
END
$$;
