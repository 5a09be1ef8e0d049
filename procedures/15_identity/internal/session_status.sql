-- vb.session_status(p_ended_at timestamptz, p_expires_at timestamptz, p_at timestamptz) → text
--
-- Internal. What a session is at p_at (contract identity.md): 'ended' once ended, else 'expired'
-- from its expiry on, else 'valid'. One rule for validate_session and list_sessions; inlined.
CREATE OR REPLACE FUNCTION vb.session_status(p_ended_at timestamptz, p_expires_at timestamptz, p_at timestamptz)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN p_ended_at IS NOT NULL THEN 'ended' WHEN p_at >= p_expires_at THEN 'expired' ELSE 'valid' END;
$$;
