-- vb.request_context_stamp(p_request_id text, p_actor_user_id text, p_session_id text,
--     p_metadata text) → text
--
-- Internal. The stamp vb_api.set_request_context leaves beside the context it sets: a keyed hash
-- (vb.keyed_id, key 'context' that only vb_owner reads) of the transaction — the backend's pid and
-- the transaction's start time, which no later transaction of the backend shares, and which need
-- no transaction id (a read-only transaction on a standby may set a context too) — and the four
-- values, each quoted so that no two contexts share a text. vb.audit recomputes it: a context
-- SET without set_request_context (by a role that may not call it) or left from an earlier
-- transaction (a session-level SET, behind a pooler another client's) does not match.
CREATE OR REPLACE FUNCTION vb.request_context_stamp(
    p_request_id text, p_actor_user_id text, p_session_id text, p_metadata text
) RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT vb.keyed_id(
        vb.derivation_key('context'), 'context',
        format(
            '%s|%s|%L|%L|%L|%L', pg_backend_pid(), extract(EPOCH FROM now()), p_request_id, p_actor_user_id,
            p_session_id, p_metadata
        )
    )::text;
$$;
