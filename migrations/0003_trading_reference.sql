-- Trading, part 1: securities and fees, market data (latest quotes and daily-partitioned
-- history), indices and the market calendar. Orders, matching and risk follow in a later
-- migration.

-- Default maker/taker fees for securities without their own (a single row).
CREATE TABLE vb.fee_defaults (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    maker_fee_bps integer NOT NULL DEFAULT 0 CHECK (maker_fee_bps BETWEEN 0 AND 10000),
    taker_fee_bps integer NOT NULL DEFAULT 0 CHECK (taker_fee_bps BETWEEN 0 AND 10000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO vb.fee_defaults DEFAULT VALUES;

-- A security is also a ledger asset (scale 0) with an issuer account; every holding is a
-- ledger account of that asset. last_trade_price / last_trade_at are kept by matching (the
-- reference price's first choice).
CREATE TABLE vb.securities (
    symbol text PRIMARY KEY REFERENCES vb.assets (asset_code),
    security_name text NOT NULL,
    currency text NOT NULL REFERENCES vb.assets (asset_code),
    tick_size bigint NOT NULL CHECK (tick_size > 0),
    lot_size bigint NOT NULL CHECK (lot_size > 0),
    price_band_bps integer CHECK (price_band_bps > 0),  -- null = no band
    issuer_account_id uuid NOT NULL REFERENCES vb.accounts (account_id),
    maker_fee_bps integer CHECK (maker_fee_bps BETWEEN 0 AND 10000),  -- null = the default
    taker_fee_bps integer CHECK (taker_fee_bps BETWEEN 0 AND 10000),
    last_trade_price bigint,
    last_trade_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Latest quote per symbol, and every applied quote (partitioned by day).
CREATE TABLE vb.quotes (
    symbol text PRIMARY KEY REFERENCES vb.securities (symbol),
    bid bigint,
    ask bigint,
    last_price bigint,
    volume bigint,
    quoted_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vb.quote_history (
    symbol text NOT NULL,
    quoted_at timestamptz NOT NULL,
    bid bigint,
    ask bigint,
    last_price bigint,
    volume bigint,
    PRIMARY KEY (symbol, quoted_at)
) PARTITION BY RANGE (quoted_at);

CREATE TABLE vb.stock_indices (
    index_code text PRIMARY KEY CHECK (index_code ~ '^[A-Z0-9._-]{1,12}$'),
    index_name text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vb.index_constituents (
    index_code text NOT NULL REFERENCES vb.stock_indices (index_code) ON DELETE CASCADE,
    symbol text NOT NULL REFERENCES vb.securities (symbol),
    weight numeric NOT NULL CHECK (weight > 0),
    PRIMARY KEY (index_code, symbol)
);

CREATE TABLE vb.market_sessions (
    session_date date PRIMARY KEY,
    open_at timestamptz NOT NULL,
    close_at timestamptz NOT NULL,
    CHECK (open_at < close_at)
);

CREATE TABLE vb.trading_config (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    calendar_enforced boolean NOT NULL DEFAULT FALSE,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO vb.trading_config DEFAULT VALUES;

-- Daily quote-history partitions for November 2026 to January 2027 and a default partition;
-- the partitioning issue adds premaking and retention.
DO $partitions$
DECLARE
    v_day date;
BEGIN
    FOR v_day IN SELECT pg_catalog.generate_series(DATE '2026-11-01', DATE '2027-01-31', INTERVAL '1 day')::date LOOP
        EXECUTE pg_catalog.format(
            'CREATE TABLE vb.%I PARTITION OF vb.quote_history FOR VALUES FROM (%L) TO (%L)',
            'quote_history_p' || pg_catalog.to_char(v_day, 'YYYYMMDD'), v_day, v_day + 1
        );
    END LOOP;
    CREATE TABLE vb.quote_history_default PARTITION OF vb.quote_history DEFAULT;
END
$partitions$;
