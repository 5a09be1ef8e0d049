-- vb_api.issue_shares(p_transfer_id uuid, p_symbol text, p_owner_id uuid, p_quantity bigint) → text
--
-- Moves shares from the symbol's issuer account to the owner's share account (an IPO, a grant),
-- opening the share account on first need. A ledger transfer (code 'issue'), so it is
-- idempotent by p_transfer_id and reports the ledger's statuses.
-- Returns: 'unknown_symbol' | 'owner_not_found' | any vb_api.create_transfer status.
-- Raises: nothing of its own.
-- The share account is opened only for a positive quantity, so a rejected request leaves no
-- account behind.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.issue_shares(p_transfer_id uuid, p_symbol text, p_owner_id uuid, p_quantity bigint)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('transfer_id', p_transfer_id, 'symbol', vb.audit_text(p_symbol), 'owner_id', p_owner_id, 'quantity', p_quantity);
    v_issuer_id uuid;
    v_account_id uuid := vb.share_account_uuid(vb.derivation_key('account'), p_owner_id, p_symbol);
BEGIN
    SELECT s.issuer_account_id INTO v_issuer_id FROM vb.securities AS s WHERE s.symbol = p_symbol;
    IF NOT FOUND THEN
        RETURN vb.audited('vb_api.issue_shares', v_audit_arguments, 'unknown_symbol');
    END IF;
    IF p_owner_id IS NULL OR NOT EXISTS (SELECT FROM vb.users AS u WHERE u.user_id = p_owner_id) THEN
        RETURN vb.audited('vb_api.issue_shares', v_audit_arguments, 'owner_not_found');
    END IF;
    IF p_quantity > 0 THEN
        PERFORM vb.open_account(v_account_id, p_symbol, p_owner_id, 'customer', 0,
            json_build_object('symbol', p_symbol)::jsonb);
    END IF;
    RETURN vb.audited('vb_api.issue_shares', v_audit_arguments, vb.create_transfer(p_transfer_id, v_issuer_id, v_account_id, p_quantity, 'issue'));
END
$$;
