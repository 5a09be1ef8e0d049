-- vb_api.validate_session(p_token text)
--   → table (session_id uuid, user_id uuid, roles text[], expires_at timestamptz, status text),
--     one row
--
-- Whether a token names a live session (contract identity.md): 'valid' (not ended and now <
-- expires_at), 'expired', 'ended' or 'unknown'. Only 'valid' rows carry the user and roles
-- (sorted, 'player' always); the others carry the session id and expiry when the session exists.
-- A malformed token (not 43 base64url characters) is 'unknown', never an exception. The token is
-- looked up by its sha256, so no comparison of the token itself can leak timing information.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.validate_session(p_token text)
RETURNS TABLE (session_id uuid, user_id uuid, roles text [], expires_at timestamptz, status text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH found AS (
        SELECT s.* FROM vb.sessions AS s
        WHERE s.token_sha256 = CASE WHEN p_token ~ '^[A-Za-z0-9_-]{43}$'  -- decoded only when well-formed
            THEN sha256(decode(translate(p_token, '-_', '+/') || '=', 'base64')) END
    )
    SELECT f.session_id,
        CASE WHEN f.ended_at IS NULL AND clock_timestamp() < f.expires_at THEN f.user_id END,
        CASE WHEN f.ended_at IS NULL AND clock_timestamp() < f.expires_at THEN vb.user_roles_of(f.user_id) END,
        f.expires_at,
        CASE WHEN f.session_id IS NULL THEN 'unknown' WHEN f.ended_at IS NOT NULL THEN 'ended'
            WHEN clock_timestamp() >= f.expires_at THEN 'expired' ELSE 'valid' END
    FROM (SELECT 1) AS one
    LEFT JOIN found AS f ON TRUE;
$$;
