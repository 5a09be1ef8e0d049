-- vb.transfer_event(p_kind, p_transfer_id, p_from_account_id, p_to_account_id, p_asset, p_amount,
--     p_code, p_pending_id, p_expires_at, p_metadata) → json
--
-- Internal. The transfer.* element of a vb.outbox row: the type follows the transfer kind
-- ('single' → transfer.created, 'pending' → transfer.pending, 'post_pending' → transfer.posted,
-- 'void_pending' → transfer.voided, 'expire_pending' → transfer.expired). One builder for every
-- writer; STABLE SQL without a SET clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.transfer_event(
    p_kind text,
    p_transfer_id uuid,
    p_from_account_id uuid,
    p_to_account_id uuid,
    p_asset text,
    p_amount bigint,
    p_code text,
    p_pending_id uuid,
    p_expires_at timestamptz,
    p_metadata jsonb
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT json_build_object(
        'type', CASE p_kind
            WHEN 'single' THEN 'transfer.created' WHEN 'pending' THEN 'transfer.pending'
            WHEN 'post_pending' THEN 'transfer.posted' WHEN 'void_pending' THEN 'transfer.voided'
            ELSE 'transfer.expired' END,
        'aggregate', 'transfer', 'key', p_transfer_id::text,
        'payload', json_build_object(
            'transfer_id', p_transfer_id, 'from_account_id', p_from_account_id, 'to_account_id', p_to_account_id,
            'asset', p_asset, 'amount', p_amount, 'code', p_code, 'pending_id', p_pending_id,
            'expires_at', p_expires_at, 'metadata', p_metadata
        )
    );
$$;
