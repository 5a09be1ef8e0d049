-- vb.start_session(p_user_id uuid, p_ttl_s integer default 3600, p_client jsonb default '{}')
--   → table (session_id uuid, token text, expires_at timestamptz, status text)
--
-- Internal. The body of vb_api.start_session without its audit record (the API wraps it, reads
-- the status and records the call without the token); statuses, events and SQLSTATEs are
-- vb_api.start_session's (its header).
CREATE OR REPLACE FUNCTION vb.start_session(
    p_user_id uuid, p_ttl_s integer DEFAULT 3600, p_client jsonb DEFAULT '{}'
) RETURNS TABLE (session_id uuid, token text, expires_at timestamptz, status text)
LANGUAGE plpgsql
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
