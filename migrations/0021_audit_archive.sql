-- The audit trail's chain archives with its records (contract audit.md: retention moves old
-- periods to the archive, the chain verifiable across the cut).
--
-- vb.audit_chain becomes partitioned like vb.event_audit, by the record's recorded_at (a link
-- lives in the period of its record), so a period's links leave with its records. Both tables
-- share one retention (vb_ops.detachable_partitions detaches a period of one only with the
-- other's). vb.audit_chain_closings keeps, for every archived link whose next link stayed, the
-- chain hash there: vb_ops.verify_audit resumes from it across the gap, as closing balances let
-- verify_ledger start after archived entries.
-- the view over the chain goes and comes back with this release's procedures/05_audit/views/
DROP VIEW IF EXISTS vb_report.audit_trail;
ALTER TABLE vb.audit_chain RENAME TO audit_chain_before_0021;

CREATE TABLE vb.audit_chain (
    seq bigint NOT NULL CHECK (seq >= 1),
    audit_id bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    record_sha256 bytea NOT NULL CHECK (octet_length(record_sha256) = 32),
    chain_sha256 bytea NOT NULL CHECK (octet_length(chain_sha256) = 32),
    PRIMARY KEY (seq, recorded_at),
    UNIQUE (audit_id, recorded_at)
) PARTITION BY RANGE (recorded_at);
CREATE TABLE vb.audit_chain_default PARTITION OF vb.audit_chain DEFAULT;
INSERT INTO vb.audit_chain SELECT * FROM vb.audit_chain_before_0021;
DROP TABLE vb.audit_chain_before_0021;
INSERT INTO vb.partition_policies (parent, period, premake, retention, archive, queue)
VALUES ('vb.audit_chain', 'month', 3, NULL, TRUE, FALSE);

CREATE TABLE vb.audit_chain_closings (
    seq bigint PRIMARY KEY CHECK (seq >= 1),
    chain_sha256 bytea NOT NULL CHECK (octet_length(chain_sha256) = 32),
    archived_range_from timestamptz NOT NULL,
    archived_range_to timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
