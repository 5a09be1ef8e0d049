-- vb.share_account_uuid(p_owner_id uuid, p_symbol text) → uuid
--
-- Internal. The id of an owner's share account for a symbol: derived (md5 of a tagged text), so
-- there is one per owner and symbol by construction and settlement can name it without a lookup.
CREATE OR REPLACE FUNCTION vb.share_account_uuid(p_owner_id uuid, p_symbol text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT md5('vb:shares:' || p_owner_id::text || ':' || p_symbol)::uuid;
$$;
