-- vb.share_account_uuid(p_owner_id uuid, p_symbol text) → uuid
--
-- Internal. The id of an owner's share account for a symbol (vb.derived_id), so there is one per
-- owner and symbol by construction and settlement can name it without a lookup. STABLE like
-- vb.derived_id, so both inline.
CREATE OR REPLACE FUNCTION vb.share_account_uuid(p_owner_id uuid, p_symbol text)
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT vb.derived_id('shares', p_owner_id::text, p_symbol);
$$;
