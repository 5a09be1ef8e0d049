-- Ledger: assets, users, accounts, transfers, entries, the outbox.
--
-- Growing tables (transfers, entries, outbox) are range-partitioned by time: their keys
-- carry the time column, as PostgreSQL requires of a partitioned table's unique keys.
-- Uniqueness of a client's transfer id across all time is kept by the small, unpartitioned
-- idempotency registry vb.transfer_ids instead.

CREATE TABLE vb.assets (
    asset_code text PRIMARY KEY CHECK (asset_code ~ '^[A-Z0-9._-]{1,12}$'),
    scale smallint NOT NULL CHECK (scale BETWEEN 0 AND 18),
    asset_kind text NOT NULL CHECK (asset_kind IN ('currency', 'security')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vb.users (
    user_id uuid PRIMARY KEY,
    handle text NOT NULL UNIQUE,
    display_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Kinds 'house', 'fee', 'clearing' and 'issuer' are deferred ("hot") accounts: credits to
-- them do not touch this row but queue in vb.unfolded_entries, folded later (see
-- vb_ops.fold_deferred_entries). balance and version here are the folded state.
CREATE TABLE vb.accounts (
    account_id uuid PRIMARY KEY,
    asset_code text NOT NULL REFERENCES vb.assets (asset_code),
    owner_id uuid REFERENCES vb.users (user_id),
    account_kind text NOT NULL CHECK (account_kind IN ('customer', 'house', 'fee', 'clearing', 'issuer')),
    is_deferred boolean GENERATED ALWAYS AS (account_kind <> 'customer') STORED,
    overdraft_limit bigint CHECK (overdraft_limit >= 0),  -- null = unlimited
    metadata jsonb NOT NULL DEFAULT '{}',
    balance bigint NOT NULL DEFAULT 0,
    pending_out bigint NOT NULL DEFAULT 0 CHECK (pending_out >= 0),
    pending_in bigint NOT NULL DEFAULT 0 CHECK (pending_in >= 0),
    version bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);

CREATE INDEX accounts_owner_idx ON vb.accounts (owner_id) WHERE owner_id IS NOT NULL;

-- Idempotency registry: every transfer id ever submitted, applied or rejected, with a
-- digest of the request as sent (a retry must match it field for field).
CREATE TABLE vb.transfer_ids (
    transfer_id uuid PRIMARY KEY,
    request_digest uuid NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL
);

-- Applied transfers (status 'created'), partitioned by time.
-- transfer_kind: 'single' | 'pending' | 'post_pending' | 'void_pending' | 'expire_pending'
CREATE TABLE vb.transfers (
    transfer_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    transfer_kind text NOT NULL,
    from_account_id uuid NOT NULL,
    to_account_id uuid NOT NULL,
    asset_code text NOT NULL,
    amount bigint NOT NULL CHECK (amount >= 0),
    code text NOT NULL,
    pending_id uuid,
    expires_at timestamptz,
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (transfer_id, created_at)
) PARTITION BY RANGE (created_at);

-- Two-phase transfers: one row per pending transfer while it matters (open, or resolved so
-- that a second post/void reports pending_transfer_not_pending). Mutable by design; the
-- immutable facts are in vb.transfers.
CREATE TABLE vb.pending_transfers (
    pending_id uuid PRIMARY KEY,
    from_account_id uuid NOT NULL,
    to_account_id uuid NOT NULL,
    asset_code text NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    code text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    pending_state text NOT NULL DEFAULT 'pending'
    CHECK (pending_state IN ('pending', 'posted', 'voided', 'expired')),
    resolved_at timestamptz,
    resolved_by uuid
);

CREATE INDEX pending_transfers_expiry_idx ON vb.pending_transfers (expires_at)
WHERE pending_state = 'pending' AND expires_at IS NOT NULL;

-- One entry per account per posted movement: version contiguous from 1 per account,
-- balance_after = previous balance_after + amount.
CREATE TABLE vb.entries (
    account_id uuid NOT NULL,
    version bigint NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    transfer_id uuid NOT NULL,
    amount bigint NOT NULL CHECK (amount <> 0),
    balance_after bigint NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (account_id, version, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX entries_account_time_idx ON vb.entries (account_id, created_at);

-- Movements of deferred accounts waiting to be folded into vb.entries.
CREATE TABLE vb.unfolded_entries (
    unfolded_entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    transfer_id uuid NOT NULL,
    amount bigint NOT NULL CHECK (amount <> 0),
    code text NOT NULL
);

CREATE INDEX unfolded_entries_account_idx ON vb.unfolded_entries (account_id, unfolded_entry_id) INCLUDE (amount);

-- Transactional outbox: one row per call that changed state, holding that call's events as a
-- json array of {type, aggregate, key, payload}, in order (json, not jsonb: building text is
-- about twice as fast, and the relay only forwards it; lz4 compresses a large batch's row far
-- faster than the default pglz). One row per call instead of one per
-- event keeps a 100-transfer batch at one outbox insert instead of 300. The event id of the n-th element (1-based) is outbox_id * 2^20 + n - 1 (see the
-- view vb.outbox_events). txid is the writing transaction's id: the relay reads below the
-- transaction-id horizon, so a row whose id was taken by a transaction that commits late is
-- never skipped.
CREATE TABLE vb.outbox (
    outbox_id bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    events json NOT NULL CHECK (json_typeof(events) = 'array')
) PARTITION BY RANGE (occurred_at);

CREATE INDEX outbox_txid_idx ON vb.outbox (txid, outbox_id);
ALTER TABLE vb.outbox ALTER COLUMN events SET COMPRESSION lz4;

-- Monthly partitions for 2026 and 2027 plus a default partition; the partitioning issue
-- adds premaking, retention and archival.
DO $partitions$
DECLARE
    v_table_name text;
    v_month date;
BEGIN
    FOREACH v_table_name IN ARRAY ARRAY['transfers', 'entries', 'outbox'] LOOP
        FOR v_month IN
            SELECT pg_catalog.generate_series(DATE '2026-01-01', DATE '2027-12-01', INTERVAL '1 month')::date
        LOOP
            EXECUTE pg_catalog.format(
                'CREATE TABLE vb.%I PARTITION OF vb.%I FOR VALUES FROM (%L) TO (%L)',
                v_table_name || '_p' || pg_catalog.to_char(v_month, 'YYYYMM'),
                v_table_name, v_month, (v_month + INTERVAL '1 month')::date
            );
        END LOOP;
        EXECUTE pg_catalog.format('CREATE TABLE vb.%I PARTITION OF vb.%I DEFAULT', v_table_name || '_default', v_table_name);
    END LOOP;
END
$partitions$;

-- The request type of vb_api.create_transfers (ledger contract).
CREATE TYPE vb_api.transfer_request AS (
    transfer_id uuid,
    from_account_id uuid,
    to_account_id uuid,
    amount bigint,
    code text,
    flags text [],
    pending_id uuid,
    timeout_s integer,
    metadata jsonb
);
