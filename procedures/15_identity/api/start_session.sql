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
CREATE OR REPLACE FUNCTION vb_api.start_session(
    p_user_id uuid, p_ttl_s integer DEFAULT 3600, p_client jsonb DEFAULT '{}'
) RETURNS TABLE (session_id uuid, token text, expires_at timestamptz, status text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_status text;
    v_now timestamptz := clock_timestamp();
    v_token bytea;
    v_session vb.sessions;
BEGIN
    PERFORM vb.check_size('p_client', octet_length(p_client::text), 'client_bytes');
    IF jsonb_typeof(coalesce(p_client, '{}')) <> 'object' THEN
        RAISE EXCEPTION 'p_client must be a JSON object' USING ERRCODE = 'VB001';
    END IF;
    SELECT CASE u.user_status WHEN 'disabled' THEN 'user_disabled' END INTO v_status
    FROM vb.users AS u WHERE u.user_id = p_user_id FOR SHARE;
    IF NOT FOUND THEN
        v_status := 'user_not_found';
    ELSIF p_ttl_s IS NULL OR p_ttl_s NOT BETWEEN 1 AND 30 * 86400 THEN
        v_status := coalesce(v_status, 'invalid_ttl');
    END IF;
    IF v_status IS NOT NULL THEN
        RETURN QUERY SELECT NULL::uuid, NULL::text, NULL::timestamptz, v_status;
        RETURN;
    END IF;
    v_token := vb.random_bytes(32);
    INSERT INTO vb.sessions (session_id, user_id, token_sha256, client, created_at, expires_at)
    VALUES (gen_random_uuid(), p_user_id, sha256(v_token), coalesce(p_client, '{}'), v_now,
        v_now + make_interval(secs => p_ttl_s))
    RETURNING * INTO v_session;
    PERFORM vb.write_events(json_build_array(vb.session_event('session.started', v_session)), v_now);
    RETURN QUERY SELECT v_session.session_id, rtrim(translate(encode(v_token, 'base64'), '+/', '-_'), '='),
        v_session.expires_at, 'created'::text;
END
$$;
