-- Secret keys for the ids the system derives on its own behalf (vb.derived_id): reservation,
-- release and settlement transfer ids, and share, escrow, fee and issuer account ids. Derived
-- with a public scheme (md5 of the parts), a caller could compute them in advance and take them
-- first (register a transfer id, open an account at an escrow's id) and make orders and
-- settlements of others fail. Keyed with a secret only vb_owner can read, they cannot be
-- guessed. Never change a key: account ids are looked up by derivation.
CREATE TABLE vb.derivation_keys (
    purpose text PRIMARY KEY CHECK (purpose IN ('transfer', 'account')),
    derivation_key bytea CHECK (octet_length(derivation_key) = 32)
);

-- Transfer ids are only ever derived when written: they can take a key at once. Account ids are
-- looked up again by derivation, so a database that already holds derived accounts keeps the
-- public scheme for them (a null key) rather than lose them; the README says what that leaves
-- open. Each key is two random UUIDs (244 random bits).
INSERT INTO vb.derivation_keys (purpose, derivation_key)
SELECT
    purpose.name AS purpose,
    CASE WHEN purpose.name = 'transfer' OR NOT EXISTS (SELECT FROM vb.securities)
        AND NOT EXISTS (SELECT FROM vb.accounts AS a WHERE a.account_kind IN ('fee', 'clearing'))
        THEN uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())
    END AS derivation_key
FROM (VALUES ('transfer'), ('account')) AS purpose (name);

-- Placing an order reads the keys once and passes them down: these internal functions take them
-- now; the repeatable files define them again with the keys.
DROP FUNCTION IF EXISTS vb.share_account_uuid(uuid, text);
DROP FUNCTION IF EXISTS vb.apply_fills(
    uuid, text, uuid, vb.orders [], bigint [], bigint [], bigint [], bigint [], bigint [], text, timestamptz
);
DROP FUNCTION IF EXISTS vb.settle_order(
    uuid, text, uuid, uuid, vb.securities, vb.orders [], bigint [], bigint [], bigint [], bigint, bigint, integer,
    integer, uuid, uuid, uuid, uuid, uuid []
);
DROP FUNCTION IF EXISTS vb.trade_transfers(
    bigint, bigint, bigint, text, uuid, uuid, uuid, vb.orders, bigint, integer, uuid, text, text, bigint
);
