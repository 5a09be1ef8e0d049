-- vb.user_updated_event(p_user_id uuid) → json
--
-- Internal. The user.updated event (topic vb.sessions, keyed by user id), written when a user's
-- status or roles change: the user's status and roles as they now are, and the token hashes of
-- the user's live sessions, so the relay can drop their cached copies (their roles changed).
CREATE OR REPLACE FUNCTION vb.user_updated_event(p_user_id uuid)
RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('user.updated', 'user', u.user_id::text, json_build_object(
        'user_id', u.user_id, 'status', u.user_status, 'roles', vb.user_roles_of(u.user_id),
        'live_token_sha256s', ARRAY(
            SELECT encode(s.token_sha256, 'hex') FROM vb.sessions AS s
            WHERE s.user_id = u.user_id AND s.ended_at IS NULL ORDER BY s.session_id
        )
    ))
    FROM vb.users AS u
    WHERE u.user_id = p_user_id;
$$;
