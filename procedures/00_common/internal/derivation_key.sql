-- vb.derivation_key(p_purpose text) → bytea
--
-- Internal. The secret key of derived ids of a purpose: 'transfer' (reservations, releases,
-- settlement legs) or 'account' (share, escrow, fee and issuer accounts); see vb.keyed_id. Null
-- for 'account' in a database that held derived accounts before the keys (migration 0014).
-- Readable only by vb_owner: schema vb is the owner's alone.
CREATE OR REPLACE FUNCTION vb.derivation_key(p_purpose text)
RETURNS bytea
LANGUAGE sql
STABLE
AS $$
    SELECT k.derivation_key FROM vb.derivation_keys AS k WHERE k.purpose = p_purpose;
$$;
