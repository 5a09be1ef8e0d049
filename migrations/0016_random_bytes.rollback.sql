-- pyvb: run-as-deployer
-- The extension goes only if it is the one this migration made (in vb_crypto).
DROP FUNCTION IF EXISTS vb.random_bytes(integer);
DO $crypto$
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_extension AS e
        WHERE e.extname = 'pgcrypto' AND e.extnamespace = 'vb_crypto'::regnamespace
    ) THEN
        DROP EXTENSION pgcrypto;
    END IF;
END
$crypto$;
DROP SCHEMA IF EXISTS vb_crypto;
