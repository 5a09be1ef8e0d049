-- vb.ensure_account(p_account_id uuid, p_asset text, p_owner_id uuid, p_kind text) → void
--
-- Internal. Opens a system-derived account (share, escrow or fee account; overdraft limit 0) if
-- it does not exist yet. Raises VB999 if the id is taken by an account of another asset, owner
-- or kind (a bug; or, where account ids are not keyed, a caller who opened it first: see
-- migration 0014).
CREATE OR REPLACE FUNCTION vb.ensure_account(p_account_id uuid, p_asset text, p_owner_id uuid, p_kind text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_status text;
BEGIN
    IF EXISTS (
        SELECT FROM vb.accounts AS a
        WHERE a.account_id = p_account_id AND a.asset_code = p_asset AND a.owner_id IS NOT DISTINCT FROM p_owner_id
            AND a.account_kind = p_kind
    ) THEN
        RETURN;
    END IF;
    v_status := vb.open_account(p_account_id, p_asset, p_owner_id, p_kind, 0, '{}');
    IF v_status NOT IN ('created', 'exists') THEN
        RAISE EXCEPTION 'invariant: account % could not be opened: %', p_account_id, v_status USING ERRCODE = 'VB999';
    END IF;
END
$$;
