-- Calendar enforcement (market_closed, day orders expiring), candles, and the vb_report views.
BEGIN;
SELECT plan(17);

SELECT vb_test.trading_users(ARRAY['a1', 'b1'], 10000000);
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL);
SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-0000000000b1', 1000);

-- calendar
SELECT vb_api.set_calendar_enforced(TRUE);
SELECT is(
    (SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 1, 'limit', 1000)),
    'market_closed', 'no session: market_closed'
);
SELECT vb_api.set_market_session(current_date, clock_timestamp() - interval '1 hour', clock_timestamp() + interval '1 hour');
SELECT is(
    (SELECT status FROM vb_api.place_order('0d000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'day')),
    'new', 'inside the session a day order rests'
);
SELECT is(
    (SELECT status FROM vb_api.place_order('0d000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 990, 'gtc')),
    'new', 'and a gtc order'
);
SELECT is(vb_ops.expire_day_orders(), 0, 'nothing expires before the close');
-- time passes: the session is over (moved into the past together with the orders placed in it)
UPDATE vb.market_sessions SET open_at = clock_timestamp() - interval '3 hours', close_at = clock_timestamp() - interval '1 hour';
-- by id: a random order id of this file starts with '0d' once in 256 runs
UPDATE vb.orders SET created_at = clock_timestamp() - interval '2 hours' WHERE order_id IN ('0d000000-0000-0000-0000-000000000001', '0d000000-0000-0000-0000-000000000002');
SELECT is(vb_ops.expire_day_orders(), 1, 'after the close the day order expires');
SELECT results_eq(
    $$SELECT order_id, order_status FROM vb.orders WHERE order_id IN ('0d000000-0000-0000-0000-000000000001', '0d000000-0000-0000-0000-000000000002') ORDER BY order_id$$,
    $$VALUES ('0d000000-0000-0000-0000-000000000001'::uuid, 'cancelled'), ('0d000000-0000-0000-0000-000000000002'::uuid, 'new')$$,
    'only the day order is cancelled'
);
SELECT is(
    (SELECT pending_out FROM vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-0000000000a1'::uuid])),
    (SELECT vb.buy_reservation(10, 990, 0, 1)), 'the expired order released its reservation, the gtc one holds'
);
SELECT vb_api.set_calendar_enforced(FALSE);

-- candles from trades
SELECT status FROM vb_api.cancel_order('0d000000-0000-0000-0000-000000000002');
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 4, 'limit', 990);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 6, 'limit', 980);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 990);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 5, 'limit', 900);
SELECT results_eq(
    $$SELECT open, high, low, close, volume FROM vb_api.candles('ACME', INTERVAL '1 day', now() - INTERVAL '1 day', now() + INTERVAL '1 day')$$,
    $$VALUES (980::bigint, 990::bigint, 980::bigint, 990::bigint, 10::bigint)$$,
    'one daily candle of the two trades: 6 @ 9.80 then 4 @ 9.90'
);
SELECT is_empty($$SELECT * FROM vb_api.candles('ACME', INTERVAL '1 minute', now() - INTERVAL '2 days', now() - INTERVAL '1 day')$$, 'no trades, no candles');
SELECT throws_ok($$SELECT * FROM vb_api.candles('ACME', INTERVAL '1 month', now(), now())$$, 'VB001', NULL, 'a month is not a fixed interval');
SELECT throws_ok($$SELECT * FROM vb_api.candles('ACME', INTERVAL '1 hour', '-infinity', 'infinity')$$, 'VB001', NULL, 'an infinite range is VB001');
SELECT throws_ok($$SELECT * FROM vb_api.candles('ACME', INTERVAL '1 second', now() - INTERVAL '30 days', now())$$, 'VB001', NULL, 'too many buckets');

-- report views
SELECT results_eq(
    $$SELECT quantity FROM vb_report.positions WHERE owner_id = '00000000-0000-0000-0000-0000000000a1' AND symbol = 'ACME'$$,
    $$VALUES (10::bigint)$$, 'vb_report.positions'
);
SELECT is((SELECT count(*)::integer FROM vb_report.trade_tape), 2, 'vb_report.trade_tape');
SELECT results_eq(
    $$SELECT side, price, quantity FROM vb_report.book_depth WHERE symbol = 'ACME' ORDER BY side, price$$,
    $$VALUES ('buy', 900::bigint, 5::numeric)$$, 'vb_report.book_depth'
);
SELECT results_eq(
    $$SELECT net_quantity, pnl FROM vb_report.daily_pnl WHERE owner_id = '00000000-0000-0000-0000-0000000000a1'$$,
    $$VALUES (10::numeric, (-(6 * 980 + 4 * 990) + 10 * 990)::numeric)$$, 'vb_report.daily_pnl: cash flow + net shares at the close'
);
SET LOCAL ROLE vb_readonly;
SELECT ok((SELECT count(*) FROM vb_report.trade_tape) = 2, 'vb_readonly reads the report views');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
