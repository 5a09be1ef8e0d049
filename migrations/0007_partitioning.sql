-- Partition maintenance: one policy per time-partitioned table, closing balances that keep the
-- ledger answerable after entries leave, the catalogue of archives, and the maintenance log.

-- parent: the partitioned table; period: 'day' or 'month'; premake: partitions kept ahead of
-- the current one; retention: how long a partition stays attached after its range ends (null =
-- forever); archive: export before dropping (false = drop after detaching).
CREATE TABLE vb.partition_policies (
    parent regclass PRIMARY KEY,
    period text NOT NULL CHECK (period IN ('day', 'month')),
    premake integer NOT NULL CHECK (premake BETWEEN 1 AND 400),
    retention interval CHECK (retention > interval '0'),
    archive boolean NOT NULL DEFAULT TRUE,
    -- queue tables (the outbox) churn: vacuum their partitions after a fixed number of dead rows
    queue boolean NOT NULL DEFAULT FALSE
);

-- Ledger history is kept attached until an operator sets a retention; transfers and entries must
-- share one (they leave together, see vb_ops.detachable_partitions).
INSERT INTO vb.partition_policies (parent, period, premake, retention, archive, queue) VALUES
('vb.transfers', 'month', 3, NULL, TRUE, FALSE),
('vb.entries', 'month', 3, NULL, TRUE, FALSE),
('vb.outbox', 'month', 3, interval '1 month', FALSE, TRUE),
('vb.event_log', 'month', 3, interval '3 months', TRUE, FALSE),
('vb.trades', 'month', 3, NULL, TRUE, FALSE),
('vb.quote_history', 'day', 14, interval '90 days', TRUE, FALSE),
('vb.breach_events', 'month', 3, interval '12 months', TRUE, FALSE);

-- Each account's balance and version at the end of an archived ledger period: the entries up to
-- `boundary` (exclusive) have left the database; balance_at, account_entries and verify_ledger
-- start from here.
CREATE TABLE vb.closing_balances (
    account_id uuid NOT NULL,
    boundary timestamptz NOT NULL,
    balance bigint NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, boundary)
);

-- Ledger periods whose entries (and transfers) left the database.
CREATE TABLE vb.archived_periods (
    parent regclass NOT NULL,
    range_from timestamptz NOT NULL,
    range_to timestamptz NOT NULL,
    partition_name text NOT NULL,
    row_count bigint,
    location text,
    sha256 text,
    detached_at timestamptz NOT NULL DEFAULT now(),
    archived_at timestamptz,
    dropped_at timestamptz,
    PRIMARY KEY (parent, range_from)
);

CREATE TABLE vb.maintenance_runs (
    run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    host text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome text CHECK (outcome IN ('ok', 'failed', 'skipped')),
    detail jsonb NOT NULL DEFAULT '{}'
);
