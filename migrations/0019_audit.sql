-- Audit trail (contract audit.md): one record per state-changing call, in the caller's
-- transaction, never updated or deleted (append-only guards in procedures/05_audit/triggers/),
-- hash-chained off the write path by vb_ops.chain_audit.
--
-- Writers only insert into vb.event_audit (an id from a sequence, no lock shared with any other
-- writer). The chain lives apart in vb.audit_chain: chain_audit numbers the records of finished
-- transactions (txid below its snapshot's xmin) in (txid, audit_id) order and stores each record's
-- sha256 and the running chain hash; vb.audit_chain_head keeps the last link (the head). One
-- sequencer, so no writer waits for a chain.
CREATE SEQUENCE vb.audit_id_seq AS bigint;

CREATE TABLE vb.event_audit (
    audit_id bigint NOT NULL DEFAULT nextval('vb.audit_id_seq'),
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    db_role text NOT NULL,
    application_name text NOT NULL,
    request_id text,
    actor_user_id uuid,
    session_id uuid,
    metadata jsonb NOT NULL,
    function_name text NOT NULL,
    arguments jsonb NOT NULL,
    outcome jsonb NOT NULL
) PARTITION BY RANGE (recorded_at);
-- No primary key: ids come from a sequence, the table is append-only, and a key's index would cost
-- every call an index insert more (the chain is read by txid; verify_audit walks it whole).
CREATE TABLE vb.event_audit_default PARTITION OF vb.event_audit DEFAULT;
CREATE INDEX event_audit_by_txid ON vb.event_audit (txid);
CREATE INDEX event_audit_by_request ON vb.event_audit (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX event_audit_by_actor ON vb.event_audit (actor_user_id, recorded_at) WHERE actor_user_id IS NOT NULL;
-- By function for the calls an auditor looks up by function (reference data, limits, roles,
-- status): the hot calls (transfers, orders, sessions, quotes) stay out of this index, which
-- would otherwise cost each of them an index insert (pyvb bench audit).
CREATE INDEX event_audit_by_function ON vb.event_audit (function_name, recorded_at)
WHERE function_name NOT IN (
    'vb_api.create_transfer', 'vb_api.create_transfers', 'vb_api.place_order', 'vb_api.cancel_order',
    'vb_api.start_session', 'vb_api.refresh_session', 'vb_api.end_session', 'vb_api.ingest_quotes'
);
INSERT INTO vb.partition_policies (parent, period, premake, retention, archive, queue)
VALUES ('vb.event_audit', 'month', 3, NULL, TRUE, FALSE);

CREATE TABLE vb.audit_chain (
    seq bigint PRIMARY KEY CHECK (seq >= 1),
    audit_id bigint NOT NULL UNIQUE,
    recorded_at timestamptz NOT NULL,
    record_sha256 bytea NOT NULL CHECK (octet_length(record_sha256) = 32),
    chain_sha256 bytea NOT NULL CHECK (octet_length(chain_sha256) = 32)
);

-- The head: the last link, and where the next chain_audit looks (every record not yet chained
-- has txid >= horizon_txid). Seq 0 and 32 zero bytes before the first record.
CREATE TABLE vb.audit_chain_head (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    seq bigint NOT NULL,
    chain_sha256 bytea NOT NULL,
    horizon_txid xid8 NOT NULL,
    chained_at timestamptz NOT NULL
);
INSERT INTO vb.audit_chain_head (seq, chain_sha256, horizon_txid, chained_at)
VALUES (0, decode(repeat('00', 32), 'hex'), '0'::xid8, now());

-- Whether mutating calls need a request context (contract audit.md's vb.require_request_context).
-- A row, not a GUC: any session may SET a custom setting, so a switch a caller can turn off for
-- itself would protect nothing. Changed by vb_ops.set_audit_policy.
CREATE TABLE vb.audit_policy (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    require_request_context boolean NOT NULL DEFAULT FALSE
);
INSERT INTO vb.audit_policy DEFAULT VALUES;

-- A key for the request context's stamp: vb_api.set_request_context stamps the context it sets
-- with a keyed hash of the transaction id and the context (vb.request_context_stamp), and
-- vb.audit honours only a context whose stamp matches — one SET directly (by a role that may not
-- call set_request_context, or left from an earlier transaction) is no context at all.
ALTER TABLE vb.derivation_keys DROP CONSTRAINT derivation_keys_purpose_check;
ALTER TABLE vb.derivation_keys ADD CONSTRAINT derivation_keys_purpose_check
CHECK (purpose IN ('transfer', 'account', 'context'));
INSERT INTO vb.derivation_keys (purpose, derivation_key)
VALUES ('context', uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));
