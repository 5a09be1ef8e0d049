-- vb.account_opened_event(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, p_metadata) → json
--
-- Internal. The account.opened event, keyed by account id. STABLE SQL without a SET clause, so
-- the planner inlines it.
CREATE OR REPLACE FUNCTION vb.account_opened_event(
    p_account_id uuid, p_asset text, p_owner_id uuid, p_kind text, p_overdraft_limit bigint, p_metadata jsonb
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('account.opened', 'account', p_account_id::text, json_build_object(
        'account_id', p_account_id, 'asset', p_asset, 'owner_id', p_owner_id, 'kind', p_kind,
        'overdraft_limit', p_overdraft_limit, 'metadata', p_metadata
    ));
$$;
