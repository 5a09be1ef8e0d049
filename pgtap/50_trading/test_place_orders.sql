-- place_orders (trading contract 1.1): elements in array order, each as place_order would do it
-- (a later element trades against an earlier one's rest), a rejected element does not stop the
-- others, replays report the order, one audit record per call, the same events as single
-- calls; malformed calls are VB001 and do nothing.
BEGIN;
SELECT plan(16);

SELECT vb_test.trading_users(ARRAY['a1', 'b1'], 1000000);
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 5, 10, NULL);
SELECT vb_api.create_security('BOLT', 'Bolt', 'VBD', 5, 10, NULL);
SELECT vb_api.issue_shares(gen_random_uuid(), s, '00000000-0000-0000-0000-0000000000b1', 1000)
FROM unnest(ARRAY['ACME', 'BOLT']) AS s;

CREATE TEMP TABLE batch AS
SELECT * FROM vb_api.place_orders(ARRAY[
    row('0b000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 100, 'limit', 1000, 'gtc'),
    row('0a000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 40, 'limit', 1000, 'gtc'),
    row('0a000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000a1', 'NOPE', 'buy', 10, 'limit', 1000, 'gtc'),
    row('0a000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'market', NULL, NULL),
    row('0b000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000b1', 'BOLT', 'sell', 10, NULL, 995, NULL),
    row('0a000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 40, 'limit', 1000, 'gtc')
]::vb_api.order_request []);

SELECT results_eq(
    $$SELECT idx, status, filled_quantity, remaining_quantity, reject_reason FROM batch ORDER BY idx$$,
    $$VALUES (1, 'new', 0::bigint, 100::bigint, NULL::text), (2, 'filled', 40, 0, NULL), (3, 'rejected', 0, 0, 'unknown_symbol'),
        (4, 'filled', 10, 0, NULL), (5, 'new', 0, 10, NULL), (6, 'filled', 40, 0, NULL)$$,
    'each element in array order: the buy trades with the sell rested just before it; the unknown symbol is rejected alone; the last element is a replay'
);
SELECT is(
    (SELECT filled_quantity FROM vb_api.get_order('0b000000-0000-0000-0000-000000000001')), 50::bigint,
    'the resting sell was filled by the two buys after it'
);
SELECT is((SELECT time_in_force FROM vb.orders WHERE order_id = '0a000000-0000-0000-0000-000000000003'), 'ioc', 'a market element is ioc, as place_order makes it');
SELECT is((SELECT order_type || '/' || time_in_force FROM vb.orders WHERE order_id = '0b000000-0000-0000-0000-000000000002'), 'limit/gtc', 'null order type and time in force are place_order''s defaults');
SELECT is(
    (SELECT count(*)::integer FROM vb.event_audit WHERE function_name = 'vb_api.place_orders'), 1, 'one audit record for the call'
);
SELECT is(
    (SELECT outcome -> 'statuses' FROM vb.event_audit WHERE function_name = 'vb_api.place_orders'),
    '{"new": 2, "filled": 3, "rejected": 1}'::jsonb, 'the record counts the elements by status'
);
SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'trade.executed'), 2, 'a trade.executed event per trade'
);
SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'order.rejected'), 1, 'the rejected element''s event'
);
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'verify_ledger passes');

-- malformed calls: VB001, nothing done
SELECT throws_ok($$SELECT * FROM vb_api.place_orders(NULL)$$, 'VB001', NULL, 'null is VB001');
SELECT throws_ok($$SELECT * FROM vb_api.place_orders('{}')$$, 'VB001', NULL, 'an empty batch is VB001');
SELECT throws_ok(
    $$SELECT * FROM vb_api.place_orders(array_fill(row(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtc')::vb_api.order_request, ARRAY[1001]))$$,
    'VB001', NULL, 'more than 1,000 elements is VB001'
);
SELECT throws_ok(
    $$SELECT * FROM vb_api.place_orders(ARRAY[
        row('0a000000-0000-0000-0000-000000000009', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtc'),
        row(NULL, 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtc')
    ]::vb_api.order_request [])$$,
    'VB001', NULL, 'an element without an order id is VB001'
);
SELECT is((SELECT count(*)::integer FROM vb.orders WHERE order_id = '0a000000-0000-0000-0000-000000000009'), 0, 'and the elements before it are not placed');
SELECT throws_ok(
    $$SELECT * FROM vb_api.place_orders(array_fill(row(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtc')::vb_api.order_request, ARRAY[1, 1]))$$,
    'VB001', NULL, 'a two-dimensional array is VB001'
);
SELECT throws_ok(
    $$SELECT * FROM vb_api.place_orders(array_fill(row(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtc')::vb_api.order_request, ARRAY[2], ARRAY[0]))$$,
    'VB001', NULL, 'an array from index 0 is VB001'
);

SELECT * FROM finish();
ROLLBACK;
