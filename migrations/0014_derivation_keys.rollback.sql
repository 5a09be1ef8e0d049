-- The functions that take the keys go with them; the release before defines its own again.
DROP FUNCTION IF EXISTS vb.keyed_id(bytea, text []);
DROP FUNCTION IF EXISTS vb.derivation_key(text);
DROP FUNCTION IF EXISTS vb.share_account_uuid(bytea, uuid, text);
DROP FUNCTION IF EXISTS vb.apply_fills(
    uuid, text, uuid, vb.orders [], bigint [], bigint [], bigint [], bigint [], bigint [], text, timestamptz, bytea
);
DROP FUNCTION IF EXISTS vb.settle_order(
    uuid, text, uuid, uuid, vb.securities, vb.orders [], bigint [], bigint [], bigint [], bigint, bigint, integer,
    integer, uuid, uuid, uuid, uuid, uuid [], bytea, bytea
);
DROP FUNCTION IF EXISTS vb.trade_transfers(
    bigint, bigint, bigint, text, uuid, uuid, uuid, vb.orders, bigint, integer, uuid, text, text, bigint, bytea, bytea
);
DROP TABLE vb.derivation_keys;
