-- vb_api.audit_trail(p_actor_user_id uuid default null, p_request_id text default null,
--     p_since timestamptz default null, p_limit integer default 100)
--   → table (audit_id bigint, recorded_at timestamptz, db_role text, application_name text,
--            request_id text, actor_user_id uuid, session_id uuid, metadata jsonb,
--            function_name text, arguments jsonb, outcome jsonb, chain_seq bigint)
--
-- The audit trail for the back office (contract audit.md), newest first: the records of an actor,
-- of a request, since a time — each filter optional, all given ones apply. chain_seq is the
-- record's link in the hash chain, null while vb_ops.chain_audit has not reached it yet. p_limit
-- is capped at 1,000 (null or < 1 means the default 100).
-- Raises: VB001 when p_request_id is over 128 characters.
CREATE OR REPLACE FUNCTION vb_api.audit_trail(
    p_actor_user_id uuid DEFAULT NULL, p_request_id text DEFAULT NULL, p_since timestamptz DEFAULT NULL,
    p_limit integer DEFAULT 100
) RETURNS TABLE (
    audit_id bigint, recorded_at timestamptz, db_role text, application_name text, request_id text,
    actor_user_id uuid, session_id uuid, metadata jsonb, function_name text, arguments jsonb,
    outcome jsonb, chain_seq bigint
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF length(p_request_id) > 128 THEN
        RAISE EXCEPTION 'p_request_id: at most 128 characters' USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    SELECT a.audit_id, a.recorded_at, a.db_role, a.application_name, a.request_id, a.actor_user_id,
        a.session_id, a.metadata, a.function_name, a.arguments, a.outcome, c.seq
    FROM vb.event_audit AS a
    LEFT JOIN vb.audit_chain AS c ON c.audit_id = a.audit_id AND c.recorded_at = a.recorded_at
    WHERE (p_actor_user_id IS NULL OR a.actor_user_id = p_actor_user_id)
        AND (p_request_id IS NULL OR a.request_id = p_request_id)
        AND (p_since IS NULL OR a.recorded_at >= p_since)
    ORDER BY a.recorded_at DESC, a.audit_id DESC
    LIMIT least(CASE WHEN p_limit IS NULL OR p_limit < 1 THEN 100 ELSE p_limit END,
        vb.size_limit('rows_per_page'));
END
$$;
