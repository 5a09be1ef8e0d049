-- Back to one unpartitioned chain (links of archived periods stay archived; their closings go).
DROP VIEW IF EXISTS vb_report.audit_trail;
DROP FUNCTION IF EXISTS vb.audit_period_archived(regclass, timestamptz);
DROP TABLE vb.audit_chain_closings;
DELETE FROM vb.partition_policies WHERE parent = 'vb.audit_chain'::regclass;
ALTER TABLE vb.audit_chain RENAME TO audit_chain_partitioned;
CREATE TABLE vb.audit_chain (
    seq bigint PRIMARY KEY CHECK (seq >= 1),
    audit_id bigint NOT NULL UNIQUE,
    recorded_at timestamptz NOT NULL,
    record_sha256 bytea NOT NULL CHECK (octet_length(record_sha256) = 32),
    chain_sha256 bytea NOT NULL CHECK (octet_length(chain_sha256) = 32)
);
INSERT INTO vb.audit_chain SELECT * FROM vb.audit_chain_partitioned;
DROP TABLE vb.audit_chain_partitioned;
DROP FUNCTION IF EXISTS vb_ops.audit_chain_hash_at(bigint);
