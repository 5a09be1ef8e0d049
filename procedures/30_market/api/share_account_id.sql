-- vb_api.share_account_id(p_owner_id uuid, p_symbol text) → uuid
--
-- The owner's share account for a symbol (its ledger account of that asset), or null if the
-- owner holds none yet (share accounts are opened on first need: issue_shares, a fill).
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.share_account_id(p_owner_id uuid, p_symbol text)
RETURNS uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (
        SELECT a.account_id
        FROM vb.accounts AS a
        WHERE a.account_id = vb.share_account_uuid(vb.derivation_key('account'), p_owner_id, p_symbol) AND a.asset_code = p_symbol
    );
$$;
