-- vb.end_sessions(p_user_id uuid, p_reason text, p_now timestamptz) → json[]
--
-- Internal. Ends every live session of a user (not ended yet, expired or not) with the reason
-- ('user_disabled' | 'all_ended'); returns their session.ended events for the caller's outbox
-- row, one per session ended.
CREATE OR REPLACE FUNCTION vb.end_sessions(p_user_id uuid, p_reason text, p_now timestamptz)
RETURNS json []
LANGUAGE sql
AS $$
    WITH ended AS (
        UPDATE vb.sessions AS s SET ended_at = p_now, end_reason = p_reason
        WHERE s.user_id = p_user_id AND s.ended_at IS NULL
        RETURNING s.*
    )
    SELECT coalesce(array_agg(vb.session_event('session.ended', e::vb.sessions, p_reason) ORDER BY e.session_id), '{}')
    FROM ended AS e;
$$;
