-- Risk: every metric and scope as a hard limit, soft limits raising breaches and alerts,
-- trading states, breach events from outside, alerts and their acknowledgement.
BEGIN;
SELECT plan(44);

SELECT vb_test.trading_users(ARRAY['a1', 'b1'], 10000000);
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL);
SELECT vb_api.create_security('BETA', 'Beta', 'VBD', 1, 1, NULL);
SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-0000000000b1', 1000);

CREATE TEMP TABLE reasons (n serial, reason text) ON COMMIT DROP;
CREATE FUNCTION pg_temp.buy(p_symbol text, p_quantity bigint, p_price bigint) RETURNS text
LANGUAGE sql AS $$
    SELECT coalesce(reject_reason, status) FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1',
        p_symbol, 'buy', p_quantity, 'limit', p_price);
$$;

-- statuses of the setters
SELECT is(vb_api.set_exposure_limit('global', NULL, 'order_notional', 100000), 'set', 'set_exposure_limit: set');
SELECT is(vb_api.set_exposure_limit('global', 'x', 'order_notional', 1), 'invalid_scope', 'a key on global is invalid_scope');
SELECT is(vb_api.set_exposure_limit('desk', NULL, 'order_notional', 1), 'invalid_scope', 'an unknown scope');
SELECT is(vb_api.set_exposure_limit('account', 'not-a-uuid', 'order_notional', 1), 'invalid_scope', 'an account key that is no uuid');
SELECT is(vb_api.set_exposure_limit('security', 'NOPE', 'order_notional', 1), 'unknown_symbol', 'an unknown symbol');
SELECT is(vb_api.set_exposure_limit('global', NULL, 'leverage', 1), 'invalid_metric', 'an unknown metric');
SELECT throws_ok($$SELECT vb_api.set_exposure_limit('global', NULL, 'open_orders', -1)$$, 'VB001', NULL, 'a negative limit is VB001');

-- each metric as a hard limit, in each scope
SELECT is(pg_temp.buy('ACME', 101, 1000), 'risk_limit:order_notional', 'global order_notional: 101 × 10.00 > 1000.00');
SELECT is(pg_temp.buy('ACME', 100, 1000), 'new', 'exactly at the limit is allowed');
SELECT is(vb_api.set_exposure_limit('global', NULL, 'order_notional', NULL), 'removed', 'both limits null removes');
SELECT is(vb_api.set_exposure_limit('security', 'ACME', 'position_quantity', 150), 'set', 'a security limit');
SELECT is(pg_temp.buy('ACME', 51, 1000), 'risk_limit:position_quantity', 'position_quantity counts resting buys (100 + 51 > 150)');
SELECT is(pg_temp.buy('BETA', 500, 1000), 'new', 'the security limit does not apply to another symbol');
SELECT is(vb_api.set_exposure_limit('account', 'a0000000-0000-0000-0000-0000000000a1', 'position_notional', 1200000), 'set', 'an account limit');
SELECT is(pg_temp.buy('BETA', 701, 1000), 'risk_limit:position_notional', 'position_notional: (500 + 701) × 10.00 > 12000.00');
SELECT is(vb_api.set_exposure_limit('account', 'a0000000-0000-0000-0000-0000000000a1', 'open_orders', 2), 'set', 'open_orders limit');
SELECT is(pg_temp.buy('BETA', 1, 1000), 'risk_limit:open_orders', 'a third resting order breaches open_orders 2');
SELECT is(vb_api.set_exposure_limit('account', 'a0000000-0000-0000-0000-0000000000a1', 'open_orders', NULL), 'removed', 'lift open_orders');
SELECT is(vb_api.set_exposure_limit('global', NULL, 'daily_turnover', 50000), 'set', 'daily_turnover limit');
SELECT is(
    (SELECT coalesce(reject_reason, status) FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 60, 'limit', 1000)),
    'risk_limit:daily_turnover', 'daily_turnover: 60 × 10.00 > 500.00 today'
);
SELECT is(vb_api.set_exposure_limit('global', NULL, 'daily_turnover', NULL), 'removed', 'lift daily_turnover');

-- soft limits: after the trade, a breach event, an alert and their events
SELECT is(vb_api.set_exposure_limit('account', 'a0000000-0000-0000-0000-0000000000b1', 'order_notional', NULL, 30000), 'set', 'a soft limit');
SELECT is(
    (SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 40, 'limit', 1000)),
    'filled', 'a soft breach does not reject: the sell trades against the resting buy'
);
SELECT results_eq(
    $$SELECT kind, severity FROM vb_api.list_alerts('a0000000-0000-0000-0000-0000000000b1')$$,
    $$VALUES ('soft_limit:order_notional', 'warning')$$, 'an alert is raised'
);
SELECT is((SELECT count(*)::integer FROM vb.breach_events WHERE kind = 'soft_limit:order_notional'), 1, 'a breach event is recorded');
SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type IN ('breach.recorded', 'alert.raised')
        AND aggregate_id = 'a0000000-0000-0000-0000-0000000000b1'),
    2, 'with breach.recorded and alert.raised events keyed by account'
);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 40, 'limit', 1000);
SELECT is((SELECT count(*)::integer FROM vb_api.list_alerts('a0000000-0000-0000-0000-0000000000b1')), 1, 'a second breach while the alert is open adds no alert');
SELECT is(vb_api.ack_alert((SELECT alert_id FROM vb_api.list_alerts('a0000000-0000-0000-0000-0000000000b1'))), 'acknowledged', 'ack_alert: acknowledged');
SELECT is(vb_api.ack_alert((SELECT alert_id FROM vb_api.list_alerts('a0000000-0000-0000-0000-0000000000b1', FALSE) ORDER BY alert_id LIMIT 1)), 'already_acknowledged', 'ack_alert: twice');
SELECT is(vb_api.ack_alert(-1), 'not_found', 'ack_alert: unknown');

-- trading states
SELECT is(vb_api.set_trading_state('security', 'ACME', 'reduce_only'), 'set', 'reduce_only on a security');
SELECT is(pg_temp.buy('ACME', 1, 1000), 'reduce_only', 'a buy under reduce_only is rejected');
SELECT is(vb_api.set_trading_state('global', NULL, 'halted'), 'set', 'halt everything');
SELECT is(pg_temp.buy('BETA', 1, 1000), 'trading_halted', 'an order while halted is rejected');
SELECT is(vb_api.set_trading_state('global', NULL, 'active'), 'set', 'lift the global halt');
SELECT is(vb_api.set_trading_state('security', 'ACME', 'active'), 'set', 'lift reduce_only');

-- an account key in any spelling names the same account: stored canonical, applied to its orders
SELECT is(vb_api.set_trading_state('account', upper('a0000000-0000-0000-0000-0000000000a1'), 'halted'), 'set', 'halt an account named in upper case');
SELECT is(pg_temp.buy('BETA', 1, 1000), 'trading_halted', 'the halt applies to the account''s orders');
SELECT is(
    (SELECT scope_key FROM vb.trading_states WHERE scope = 'account'), 'a0000000-0000-0000-0000-0000000000a1',
    'stored under the canonical account id'
);
SELECT is(vb_api.set_trading_state('account', 'a0000000-0000-0000-0000-0000000000a1', 'active'), 'set', 'lifted under the other spelling');
SELECT is(vb_api.set_exposure_limit('account', upper('a0000000-0000-0000-0000-0000000000a1'), 'order_notional', 1), 'set', 'a limit named in upper case');
SELECT is(pg_temp.buy('BETA', 1, 1000), 'risk_limit:order_notional', 'applies to the account''s orders');
SELECT is(vb_api.set_exposure_limit('account', 'a0000000-0000-0000-0000-0000000000a1', 'order_notional', NULL), 'removed', 'and is removed under the other spelling');
SELECT throws_ok(
    $$INSERT INTO vb.trading_states (scope, scope_key, trading_state) VALUES ('account', 'A0000000-0000-0000-0000-0000000000A1', 'halted')$$,
    '23514', NULL, 'the table refuses a non-canonical account key'
);

SELECT * FROM finish();
ROLLBACK;
