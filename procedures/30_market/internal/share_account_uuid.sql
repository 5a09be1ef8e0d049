-- vb.share_account_uuid(p_account_key bytea, p_owner_id uuid, p_symbol text) → uuid
--
-- Internal. The id of an owner's share account for a symbol (vb.keyed_id with the account key,
-- vb.derivation_key('account')), so there is one per owner and symbol by construction and
-- settlement can name it without a lookup. STABLE like vb.keyed_id, so both inline.
CREATE OR REPLACE FUNCTION vb.share_account_uuid(p_account_key bytea, p_owner_id uuid, p_symbol text)
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT vb.keyed_id(p_account_key, 'shares', p_owner_id::text, p_symbol);
$$;
