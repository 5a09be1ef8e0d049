-- vb.derived_id(VARIADIC p_parts text[]) → uuid
--
-- Internal. vb.keyed_id of the parts with the key of their purpose, read here: 'account' when
-- the first part names an account ('shares', 'escrow', 'fees', 'issuer'), else 'transfer'. For
-- the paths that derive a few ids a call (a cancel's release, a security's issuer); placing an
-- order reads the keys once and calls vb.keyed_id (a lookup per id cost it a fifth of its speed).
CREATE OR REPLACE FUNCTION vb.derived_id(VARIADIC p_parts text [])
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT vb.keyed_id(
        vb.derivation_key(CASE WHEN p_parts[1] IN ('shares', 'escrow', 'fees', 'issuer') THEN 'account'
            ELSE 'transfer' END),
        VARIADIC p_parts
    );
$$;
