-- vb_api.set_request_context(p_request_id text, p_actor_user_id uuid default null,
--     p_session_id uuid default null, p_metadata jsonb default '{}') → void
--
-- Says who acts for the rest of the transaction (contract audit.md): the middleware's request or
-- trace id, the player or staff member on whose behalf it calls, their session, and metadata
-- (route, client address, user agent…). Transaction-scoped like SET LOCAL — it applies to every
-- call that follows in the same transaction and to nothing after it, so it works behind a
-- transaction-pooling PgBouncer — and recorded with every audit record of the transaction. In an
-- autocommit statement of its own it applies to nothing: call it in the transaction it describes.
-- The values live in transaction-local settings with a stamp only this function can make
-- (vb.request_context_stamp); settings made any other way are not a context.
-- Limits: p_request_id 1 to 128 characters, no control, bidirectional or zero-width characters;
-- p_metadata a JSON object of at most 4,096 bytes (null: {}).
-- Raises: VB001 naming the argument that breaks them (null p_request_id included).
CREATE OR REPLACE FUNCTION vb_api.set_request_context(
    p_request_id text, p_actor_user_id uuid DEFAULT NULL, p_session_id uuid DEFAULT NULL,
    p_metadata jsonb DEFAULT '{}'
) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_metadata constant jsonb := coalesce(p_metadata, '{}'::jsonb);
BEGIN
    PERFORM vb.check_request_context(p_request_id, v_metadata);
    PERFORM set_config('vb.request_id', p_request_id, true),
        set_config('vb.actor_user_id', coalesce(p_actor_user_id::text, ''), true),
        set_config('vb.session_id', coalesce(p_session_id::text, ''), true),
        set_config('vb.request_metadata', v_metadata::text, true),
        set_config('vb.request_stamp', vb.request_context_stamp(
            p_request_id, coalesce(p_actor_user_id::text, ''), coalesce(p_session_id::text, ''), v_metadata::text
        ), true);
END
$$;
