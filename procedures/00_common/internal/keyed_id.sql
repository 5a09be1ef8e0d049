-- vb.keyed_id(p_key bytea, VARIADIC p_parts text[]) → uuid
--
-- Internal. The id of something the system opens or writes on its own behalf (a share, escrow,
-- fee or issuer account; a reservation; a settlement leg), derived from its parts with a secret
-- key (vb.derivation_keys, read by vb.derivation_key): the first 16 bytes of
-- sha256(key || parts joined by ':'). The same parts always give the same id, so no lookup table
-- is needed; no caller can compute an id before the system uses it and take it first. A key
-- prefix is open to length extension only for inputs that end in SHA-256's padding bytes (0x80,
-- NUL), which no text part can hold, so one hash suffices. p_key null (account ids of a database
-- that held derived accounts before the keys, migration 0014): md5 of 'vb:' and the parts. Null
-- if a part is null. Callers name the kind as the first part; vb.derived_id looks the key up,
-- hot paths read it once per call and pass it here.
-- STABLE, not IMMUTABLE: array_to_string and convert_to are stable, and only a STABLE declaration
-- over a stable body lets the planner inline it into its callers (declared IMMUTABLE it was
-- called, and its body parsed and planned again, in every transaction).
CREATE OR REPLACE FUNCTION vb.keyed_id(p_key bytea, VARIADIC p_parts text [])
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT CASE WHEN array_position(p_parts, NULL) IS NULL THEN
        CASE WHEN p_key IS NULL THEN md5('vb:' || array_to_string(p_parts, ':'))::uuid
            ELSE encode(substring(sha256(p_key || convert_to(array_to_string(p_parts, ':'), 'UTF8')) FROM 1 FOR 16), 'hex')::uuid
        END
    END;
$$;
