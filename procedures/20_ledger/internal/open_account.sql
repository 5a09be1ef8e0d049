-- vb.open_account(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, p_metadata) → text
--
-- Internal. Opens an account: everything vb_api.open_account does (see its header for the
-- parameters, statuses, SQLSTATEs and the credit capacity) but the caller's permission, so that
-- the core can open the accounts it needs on anyone's behalf (vb.ensure_account: escrow, fee and
-- share accounts while a vb_app caller places an order; an issuer for vb_api.create_security).
CREATE OR REPLACE FUNCTION vb.open_account(
    p_account_id uuid,
    p_asset text,
    p_owner_id uuid DEFAULT NULL,
    p_kind text DEFAULT 'customer',
    p_overdraft_limit bigint DEFAULT 0,
    p_metadata jsonb DEFAULT '{}'
) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_existing vb.accounts;
    v_metadata jsonb := coalesce(p_metadata, '{}');
    v_charge bigint := coalesce(p_overdraft_limit, vb.max_issuer_supply());  -- credit granted
BEGIN
    IF p_account_id IS NULL OR p_asset IS NULL THEN
        RAISE EXCEPTION 'account id and asset are required' USING ERRCODE = 'VB001';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('customer', 'house', 'fee', 'clearing', 'issuer') THEN
        RAISE EXCEPTION 'unknown account kind %', vb.short_quote(p_kind) USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_metadata', octet_length(p_metadata::text), 'json_bytes');
    SELECT * INTO v_existing FROM vb.accounts WHERE account_id = p_account_id;
    IF FOUND THEN
        IF v_existing.asset_code = p_asset
            AND v_existing.owner_id IS NOT DISTINCT FROM p_owner_id
            AND v_existing.account_kind = p_kind
            AND v_existing.overdraft_limit IS NOT DISTINCT FROM p_overdraft_limit
            AND v_existing.metadata = v_metadata THEN
            RETURN 'exists';
        END IF;
        RETURN 'exists_with_different_fields';
    END IF;
    IF NOT EXISTS (SELECT FROM vb.assets WHERE asset_code = p_asset) THEN
        RETURN 'asset_not_found';
    END IF;
    IF p_owner_id IS NOT NULL AND NOT EXISTS (SELECT FROM vb.users WHERE user_id = p_owner_id) THEN
        RETURN 'owner_not_found';
    END IF;
    IF p_overdraft_limit < 0 OR (p_overdraft_limit IS NULL AND p_kind <> 'issuer') THEN
        RETURN 'invalid_overdraft_limit';
    END IF;
    IF v_charge > 0 THEN
        UPDATE vb.assets AS s SET credit_committed = s.credit_committed + v_charge
        WHERE s.asset_code = p_asset AND s.credit_committed + v_charge <= vb.max_credit_capacity(s.asset_kind);
        IF NOT FOUND THEN
            IF EXISTS (SELECT FROM vb.accounts AS a WHERE a.account_id = p_account_id) THEN
                -- a caller opening the same id spent the capacity while this one waited: report it
                RETURN vb.open_account(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, v_metadata);
            END IF;
            RETURN 'invalid_overdraft_limit';
        END IF;
    END IF;
    INSERT INTO vb.accounts (account_id, asset_code, owner_id, account_kind, overdraft_limit, metadata)
    VALUES (p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, v_metadata)
    ON CONFLICT (account_id) DO NOTHING;
    IF NOT FOUND THEN
        -- opened concurrently: give the credit back and report against what the winner recorded
        UPDATE vb.assets AS s SET credit_committed = s.credit_committed - v_charge
        WHERE s.asset_code = p_asset AND v_charge > 0;
        RETURN vb.open_account(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, v_metadata);
    END IF;
    PERFORM vb.write_events(json_build_array(
        vb.account_opened_event(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, v_metadata)
    ));
    RETURN 'created';
END
$$;
