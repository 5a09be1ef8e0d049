-- vb_api.validate_session(p_token text)
--   → table (session_id uuid, user_id uuid, roles text[], expires_at timestamptz, status text),
--     one row
--
-- Whether a token names a live session (contract identity.md): 'valid' (not ended and now <
-- expires_at), 'expired', 'ended' or 'unknown'. Only 'valid' rows carry the user and roles
-- (sorted, 'player' always); the others carry the session id and expiry when the session exists.
-- A malformed token (not 43 base64url characters, or a last character whose two spare bits are
-- not zero: one spelling per token) is 'unknown', never an exception. The token is
-- looked up by its sha256, so no comparison of the token itself can leak timing information.
-- PL/pgSQL rather than SQL (and so is vb.user_roles_of): its statements' plans are kept for the
-- session, where a SQL function that cannot be inlined (SECURITY DEFINER, an aggregate) is
-- planned again in every transaction — a validation took 206 µs instead of 112 µs from one
-- pgbench client (pyvb bench sessions).
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.validate_session(p_token text)
RETURNS TABLE (session_id uuid, user_id uuid, roles text [], expires_at timestamptz, status text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_session vb.sessions;
BEGIN
    IF p_token ~ '^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$' THEN  -- decoded only when well-formed
        SELECT s.* INTO v_session FROM vb.sessions AS s
        WHERE s.token_sha256 = sha256(decode(translate(p_token, '-_', '+/') || '=', 'base64'));
    END IF;
    session_id := v_session.session_id;
    expires_at := v_session.expires_at;
    status := CASE WHEN v_session.session_id IS NULL THEN 'unknown'
        ELSE vb.session_status(v_session.ended_at, v_session.expires_at, clock_timestamp()) END;
    IF status = 'valid' THEN
        user_id := v_session.user_id;
        roles := vb.user_roles_of(v_session.user_id);
    END IF;
    RETURN NEXT;
END
$$;
