-- vb.balance_changed_event(p_account_id, p_asset, p_balance, p_pending_out, p_pending_in, p_version) → json
--
-- Internal. The balance.changed element of a vb.outbox row (events contract: new balance,
-- pending, available, version), built in one place for every writer. STABLE SQL without a SET
-- clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.balance_changed_event(
    p_account_id uuid, p_asset text, p_balance bigint, p_pending_out bigint, p_pending_in bigint, p_version bigint
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT json_build_object(
        'type', 'balance.changed', 'aggregate', 'balance', 'key', p_account_id::text,
        'payload', json_build_object(
            'account_id', p_account_id, 'asset', p_asset, 'balance', p_balance, 'pending_out', p_pending_out,
            'pending_in', p_pending_in, 'available', p_balance - p_pending_out, 'version', p_version
        )
    );
$$;
