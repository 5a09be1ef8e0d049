-- Trading, part 3: risk limits, trading states, breach events and alerts.

-- scope_key is '' for the global scope, a symbol for 'security', an account id for 'account'.
CREATE TABLE vb.exposure_limits (
    scope text NOT NULL CHECK (scope IN ('global', 'security', 'account')),
    scope_key text NOT NULL,
    metric text NOT NULL
    CHECK (metric IN ('order_notional', 'position_quantity', 'position_notional', 'daily_turnover', 'open_orders')),
    hard_limit bigint CHECK (hard_limit >= 0),
    soft_limit bigint CHECK (soft_limit >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_key, metric),
    CHECK (hard_limit IS NOT NULL OR soft_limit IS NOT NULL)
);

CREATE TABLE vb.trading_states (
    scope text NOT NULL CHECK (scope IN ('global', 'security', 'account')),
    scope_key text NOT NULL,
    trading_state text NOT NULL CHECK (trading_state IN ('reduce_only', 'halted')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_key)
);

CREATE TABLE vb.breach_events (
    breach_id bigint GENERATED ALWAYS AS IDENTITY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    source text NOT NULL,
    account_id uuid,
    kind text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (breach_id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX breach_events_account_idx ON vb.breach_events (account_id, created_at);

CREATE TABLE vb.alerts (
    alert_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    breach_id bigint NOT NULL,
    account_id uuid,
    kind text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    detail jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    acknowledged_at timestamptz
);

CREATE INDEX alerts_open_idx ON vb.alerts (account_id, alert_id) WHERE acknowledged_at IS NULL;

DO $partitions$
DECLARE
    v_month date;
BEGIN
    FOR v_month IN SELECT pg_catalog.generate_series(DATE '2026-01-01', DATE '2027-12-01', INTERVAL '1 month')::date LOOP
        EXECUTE pg_catalog.format(
            'CREATE TABLE vb.%I PARTITION OF vb.breach_events FOR VALUES FROM (%L) TO (%L)',
            'breach_events_p' || pg_catalog.to_char(v_month, 'YYYYMM'), v_month, (v_month + INTERVAL '1 month')::date
        );
    END LOOP;
    CREATE TABLE vb.breach_events_default PARTITION OF vb.breach_events DEFAULT;
END
$partitions$;
