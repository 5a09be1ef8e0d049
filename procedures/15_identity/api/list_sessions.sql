-- vb_api.list_sessions(p_user_id uuid, p_include_ended boolean default false,
--     p_limit integer default 100)
--   → table (session_id uuid, status text, created_at timestamptz, refreshed_at timestamptz,
--            expires_at timestamptz, ended_at timestamptz, end_reason text, client jsonb)
--
-- A user's sessions, newest first, for the back office (`pyvb sessions list`): status 'valid' |
-- 'expired' | 'ended' as validate_session would say now; only sessions not ended unless
-- p_include_ended (one past its expiry that vb_ops.expire_sessions has not ended yet is listed,
-- as 'expired'; ended sessions are kept 90 days, then pruned by expire_sessions). p_limit is capped at
-- 1000 (null or < 1 means the default 100). No token or token hash is ever returned. No rows
-- for an unknown user.
-- Raises: VB001 when p_user_id is null.
CREATE OR REPLACE FUNCTION vb_api.list_sessions(
    p_user_id uuid, p_include_ended boolean DEFAULT FALSE, p_limit integer DEFAULT 100
) RETURNS TABLE (
    session_id uuid, status text, created_at timestamptz, refreshed_at timestamptz,
    expires_at timestamptz, ended_at timestamptz, end_reason text, client jsonb
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION 'p_user_id must not be null' USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    SELECT s.session_id,
        vb.session_status(s.ended_at, s.expires_at, clock_timestamp()),
        s.created_at, s.refreshed_at, s.expires_at, s.ended_at, s.end_reason, s.client
    FROM vb.sessions AS s
    WHERE s.user_id = p_user_id AND (p_include_ended IS TRUE OR s.ended_at IS NULL)
    ORDER BY s.created_at DESC, s.session_id
    LIMIT least(CASE WHEN p_limit IS NULL OR p_limit < 1 THEN 100 ELSE p_limit END,
        vb.size_limit('rows_per_page'));
END;
$$;
