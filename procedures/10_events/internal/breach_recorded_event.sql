-- vb.breach_recorded_event(p_breach_id, p_source, p_account_id, p_kind, p_detail, p_created_at) → json
--
-- Internal. The breach.recorded event, keyed by account id ('global' for a breach of no account: the relay refuses an empty key).
-- STABLE SQL without a SET clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.breach_recorded_event(
    p_breach_id bigint, p_source text, p_account_id uuid, p_kind text, p_detail jsonb, p_created_at timestamptz
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('breach.recorded', 'risk', coalesce(p_account_id::text, 'global'), json_build_object(
        'breach_id', p_breach_id, 'source', p_source, 'account_id', p_account_id, 'kind', p_kind,
        'detail', p_detail, 'created_at', p_created_at
    ));
$$;
