-- vb.random_bytes(p_count integer) → bytea
--
-- Internal. p_count bytes from the server's strong random source (pgcrypto's gen_random_bytes,
-- installed by migration 0016 in vb_crypto, or wherever the database had it already: found
-- here, so either serves). For session tokens.
CREATE OR REPLACE FUNCTION vb.random_bytes(p_count integer)
RETURNS bytea
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
    v_bytes bytea;
BEGIN
    EXECUTE format('SELECT %I.gen_random_bytes($1)', (
        SELECT n.nspname FROM pg_catalog.pg_extension AS e
        JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
        WHERE e.extname = 'pgcrypto'
    )) INTO v_bytes USING p_count;
    RETURN v_bytes;
END
$$;
