-- place_order: every reject reason, replays, price-time priority, partial fills, IOC, FOK,
-- market orders on thin and empty books, self-trade prevention, fees with rounding,
-- reservations held and released; cancel_order, order_book, get_positions.
BEGIN;
SELECT plan(55);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.create_asset('XYZ', 2::smallint);
SELECT vb_api.open_account('f0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL);
SELECT vb_api.create_user(('00000000-0000-0000-0000-0000000000' || u)::uuid, 'user' || u) FROM unnest(ARRAY['a1', 'b1', 'c1']) AS u;
SELECT vb_api.open_account(('a0000000-0000-0000-0000-0000000000' || u)::uuid, 'VBD', ('00000000-0000-0000-0000-0000000000' || u)::uuid)
FROM unnest(ARRAY['a1', 'b1', 'c1']) AS u;
SELECT vb_api.open_account('e0000000-0000-0000-0000-000000000001', 'XYZ', '00000000-0000-0000-0000-0000000000a1');
SELECT vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', ('a0000000-0000-0000-0000-0000000000' || u)::uuid, 1000000, 'deposit')
FROM unnest(ARRAY['a1', 'b1']) AS u;
SELECT vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000c1', 5000, 'deposit');
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 5, 10, 1000);
SELECT vb_api.set_fees('ACME', 10, 25);
SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-0000000000b1', 1000);
SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-0000000000c1', 100);

CREATE TEMP VIEW cash AS
SELECT
    account_id,
    balance,
    pending_out,
    available
FROM vb_api.get_balances(ARRAY[
    'a0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-0000000000b1', 'a0000000-0000-0000-0000-0000000000c1'
]::uuid []) ORDER BY account_id;

-- reject reasons
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'NOPE', 'buy', 10, 'limit', 1000)), 'unknown_symbol', 'unknown_symbol');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), '99000000-0000-0000-0000-000000000001', 'ACME', 'buy', 10, 'limit', 1000)), 'account_not_found', 'account_not_found');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'e0000000-0000-0000-0000-000000000001', 'ACME', 'buy', 10, 'limit', 1000)), 'asset_mismatch', 'asset_mismatch');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'hold', 10, 'limit', 1000)), 'invalid_side', 'invalid_side');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'stop', 1000)), 'invalid_order_type', 'invalid_order_type');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1000, 'gtd')), 'invalid_time_in_force', 'invalid_time_in_force');
SELECT results_eq(
    $$SELECT status, filled_quantity, remaining_quantity, reject_reason FROM vb_api.place_order('0e000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'market')$$,
    $$VALUES ('cancelled', 0::bigint, 0::bigint, NULL::text)$$,
    'a market order with the default gtc behaves as ioc: never rejected for it, never rests (nothing to trade here)'
);
SELECT is((SELECT time_in_force FROM vb.orders WHERE order_id = '0e000000-0000-0000-0000-000000000001'), 'ioc', 'and is recorded as ioc');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 15, 'limit', 1000)), 'invalid_quantity', 'invalid_quantity: not a multiple of the lot');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 1002)), 'invalid_price', 'invalid_price: not a multiple of the tick');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', NULL)), 'invalid_price', 'invalid_price: a limit order needs a price');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 1000000010, 'limit', 1000)), 'invalid_quantity', 'invalid_quantity: above 10^9');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', -10, 'limit', 1000)), 'invalid_quantity', 'invalid_quantity: negative (recorded, not 23514)');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'sell', 10, 'limit', 9223372036854775805)), 'invalid_price', 'invalid_price: above 10^9');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', -9223372036854775808)), 'invalid_price', 'invalid_price: -2^63 (recorded, not 22003)');
SELECT is(
    (SELECT reject_reason FROM vb_api.place_order('0e000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000a1', repeat('S', 2000000), 'buy', 10, 'limit', 1000)),
    'unknown_symbol', 'a 2 MB symbol is unknown_symbol'
);
SELECT is((SELECT length(symbol) FROM vb.orders WHERE order_id = '0e000000-0000-0000-0000-000000000002'), 12, 'and is recorded (and keys its event) cut to 12 characters');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000c1', 'ACME', 'buy', 10, 'limit', 1000)), 'insufficient_funds', 'insufficient_funds: 10 × 10.00 + fee > 50.00');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'sell', 10, 'limit', 1000)), 'insufficient_position', 'insufficient_position: no shares, no short selling');
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000c1', 'ACME', 'sell', 110, 'limit', 1000)), 'insufficient_position', 'insufficient_position: more than held');

-- a resting sell reserves shares; a replay returns its state
SELECT results_eq(
    $$SELECT status, filled_quantity, remaining_quantity FROM vb_api.place_order('0a000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 100, 'limit', 1000)$$,
    $$VALUES ('new', 0::bigint, 100::bigint)$$, 'a sell rests'
);
SELECT results_eq(
    $$SELECT balance, available FROM vb_api.get_balances(ARRAY[vb_api.share_account_id('00000000-0000-0000-0000-0000000000b1', 'ACME')])$$,
    $$VALUES (1000::bigint, 900::bigint)$$, 'its shares are reserved'
);
SELECT results_eq(
    $$SELECT status, remaining_quantity FROM vb_api.place_order('0a000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 100, 'limit', 1000)$$,
    $$VALUES ('new', 100::bigint)$$, 'an identical replay returns the state'
);
SELECT results_eq(
    $$SELECT status, reject_reason FROM vb_api.place_order('0a000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 100, 'limit', 1005)$$,
    $$VALUES ('rejected', 'exists_with_different_fields')$$, 'a different replay is rejected'
);
SELECT is((SELECT limit_price FROM vb.orders WHERE order_id = '0a000000-0000-0000-0000-000000000001'), 1000::bigint, 'and changes nothing');

-- price-time priority
SELECT status FROM vb_api.place_order('0a000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 50, 'limit', 1000);
SELECT status FROM vb_api.place_order('0a000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 50, 'limit', 995);
SELECT results_eq(
    $$SELECT side, price, quantity, orders FROM vb_api.order_book('ACME')$$,
    $$VALUES ('sell', 995::bigint, 50::bigint, 1), ('sell', 1000::bigint, 150::bigint, 2)$$, 'order_book aggregates levels, best first'
);
SELECT results_eq(
    $$SELECT status, filled_quantity, remaining_quantity, avg_fill_price FROM vb_api.place_order('0b000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 120, 'limit', 1000)$$,
    $$VALUES ('filled', 120::bigint, 0::bigint, 997::bigint)$$, 'a crossing buy fills across levels: 50 @ 9.95, 70 @ 10.00, avg rounded down'
);
SELECT results_eq(
    $$SELECT maker_order_id, price, quantity FROM vb.trades ORDER BY trade_id$$,
    $$VALUES ('0a000000-0000-0000-0000-000000000003'::uuid, 995::bigint, 50::bigint), ('0a000000-0000-0000-0000-000000000001'::uuid, 1000::bigint, 70::bigint)$$,
    'best price first, then time: the earlier order at 10.00 fills before the later one'
);
SELECT results_eq(
    $$SELECT status, remaining_quantity FROM vb_api.get_order('0a000000-0000-0000-0000-000000000001')$$,
    $$VALUES ('partially_filled', 30::bigint)$$, 'the maker is partially filled'
);
-- fees: buyer (taker, 25 bps) and seller (maker, 10 bps), each rounded up per trade
SELECT results_eq(
    $$SELECT buyer_fee, seller_fee FROM vb.trades ORDER BY trade_id$$,
    $$VALUES (125::bigint, 50::bigint), (175::bigint, 70::bigint)$$,
    'fees ceil(p × q × bps / 10000): 49750 × 25 bps = 124.375 → 125, × 10 bps = 49.75 → 50; 70000 → 175 and 70'
);
SELECT results_eq(
    $$SELECT balance FROM cash$$,
    $$VALUES (1000000::bigint - 119750 - 300), (1000000::bigint + 119750 - 120), (5000::bigint)$$,
    'the buyer paid notional + fees, the seller got notional − fees'
);
SELECT is(
    (SELECT balance FROM vb_api.get_balances(ARRAY[vb.derived_id('fees', 'VBD')])), 420::bigint, 'the house fee account got all four fees'
);

-- IOC, FOK, market orders, self-trade prevention
SELECT results_eq(
    $$SELECT status, filled_quantity, remaining_quantity FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 100, 'limit', 1000, 'ioc')$$,
    $$VALUES ('cancelled', 80::bigint, 0::bigint)$$, 'IOC fills what it can and cancels the rest'
);
SELECT results_eq(
    $$SELECT status, filled_quantity FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 20, 'limit', 1000, 'fok')$$,
    $$VALUES ('cancelled', 0::bigint)$$, 'FOK with too little at its price trades nothing'
);
SELECT status FROM vb_api.place_order('0a000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 30, 'limit', 1010);
SELECT results_eq(
    $$SELECT status, filled_quantity FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 40, 'limit', 1010, 'fok')$$,
    $$VALUES ('cancelled', 0::bigint)$$, 'FOK with part of its quantity available trades nothing either'
);
SELECT results_eq(
    $$SELECT status, filled_quantity FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 30, 'limit', 1010, 'fok')$$,
    $$VALUES ('filled', 30::bigint)$$, 'FOK that can fill completely does'
);
SELECT results_eq(
    $$SELECT status, filled_quantity FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'market', NULL, 'ioc')$$,
    $$VALUES ('cancelled', 0::bigint)$$, 'a market order on an empty book is cancelled'
);
SELECT status FROM vb_api.place_order('0a000000-0000-0000-0000-000000000005', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 20, 'limit', 1020);
SELECT results_eq(
    $$SELECT status, filled_quantity, avg_fill_price FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 50, 'market', NULL, 'ioc')$$,
    $$VALUES ('cancelled', 20::bigint, 1020::bigint)$$, 'a market order on a thin book takes what there is'
);
SELECT status FROM vb_api.place_order('0a000000-0000-0000-0000-000000000006', 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'sell', 20, 'limit', 1020);
SELECT results_eq(
    $$SELECT status, filled_quantity, reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000b1', 'ACME', 'buy', 20, 'limit', 1020)$$,
    $$VALUES ('cancelled', 0::bigint, 'self_trade_prevented')$$, 'self-trade prevention cancels the incoming rest'
);
SELECT is((SELECT remaining_quantity FROM vb_api.get_order('0a000000-0000-0000-0000-000000000006')), 20::bigint, 'and leaves the resting order alone');

-- reservations of a resting buy, and their release
SELECT results_eq(
    $$SELECT status FROM vb_api.place_order('0c000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 100, 'limit', 950)$$,
    $$VALUES ('new')$$, 'a buy below the book rests'
);
SELECT is((SELECT pending_out FROM cash WHERE account_id = 'a0000000-0000-0000-0000-0000000000a1'), 95000::bigint + 95 + 10, 'it reserves notional + maker fee + one unit per lot');
SELECT results_eq(
    $$SELECT status, remaining_quantity FROM vb_api.cancel_order('0c000000-0000-0000-0000-000000000001')$$,
    $$VALUES ('cancelled', 0::bigint)$$, 'cancel_order cancels it'
);
SELECT is((SELECT pending_out FROM cash WHERE account_id = 'a0000000-0000-0000-0000-0000000000a1'), 0::bigint, 'and releases the reservation');
SELECT results_eq(
    $$SELECT status FROM vb_api.cancel_order('0c000000-0000-0000-0000-000000000001')$$,
    $$VALUES ('cancelled')$$, 'cancelling again changes nothing'
);
SELECT is_empty($$SELECT * FROM vb_api.cancel_order('99000000-0000-0000-0000-000000000099')$$, 'an unknown id returns no row');

-- a resting buy filled in parts by incoming sells
SELECT status FROM vb_api.place_order('0c000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 40, 'limit', 1000);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000c1', 'ACME', 'sell', 10, 'limit', 990);
SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000c1', 'ACME', 'sell', 10, 'market', NULL, 'ioc');
SELECT results_eq(
    $$SELECT status, filled_quantity, remaining_quantity, avg_fill_price FROM vb_api.get_order('0c000000-0000-0000-0000-000000000002')$$,
    $$VALUES ('partially_filled', 20::bigint, 20::bigint, 1000::bigint)$$, 'a maker buy fills at its own price'
);
SELECT is(
    (SELECT pending_out FROM cash WHERE account_id = 'a0000000-0000-0000-0000-0000000000a1'),
    vb.buy_reservation(20, 1000, 10, 10), 'its reservation now covers exactly the rest'
);
SELECT is(
    (SELECT sum(b.balance)::bigint FROM vb.accounts AS a CROSS JOIN LATERAL vb_api.get_balances(ARRAY[a.account_id]) AS b
     WHERE a.account_kind = 'clearing'),
    0::bigint, 'escrow accounts hold nothing between calls (reservations are pending, not moved)'
);

-- positions
SELECT results_eq(
    $$SELECT symbol, quantity, available_quantity, avg_cost, last_price FROM vb_api.get_positions('00000000-0000-0000-0000-0000000000a1')$$,
    $$SELECT 'ACME', 270::bigint, 270::bigint, floor(sum(price::numeric * quantity) / sum(quantity))::bigint, 1000::bigint
      FROM vb.trades WHERE buyer_id = '00000000-0000-0000-0000-0000000000a1'$$,
    'get_positions: quantity from the share account, avg cost of buys, last trade price'
);
SELECT results_eq(
    $$SELECT quantity, available_quantity FROM vb_api.get_positions('00000000-0000-0000-0000-0000000000b1')$$,
    $$VALUES (750::bigint, 730::bigint)$$, 'shares of resting sells are not available'
);
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'cash and shares are conserved: verify_ledger passes');

-- price band around the reference price (last trade 10.00 here), and the IOC that reserved nothing
SELECT vb_api.create_security('BAND', 'Banded', 'VBD', 1, 1, 1000);
SELECT vb_api.ingest_quotes('[{"symbol": "BAND", "bid": 990, "ask": 1010, "ts": "2026-11-26T10:00:00Z"}]')::text;
SELECT is((SELECT reject_reason FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'BAND', 'buy', 1, 'limit', 1101)), 'price_band', 'price_band: 11.01 is more than 10% from the quote mid 10.00');
SELECT is((SELECT status FROM vb_api.place_order(gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'BAND', 'buy', 1, 'limit', 1100, 'ioc')), 'cancelled', 'exactly 10% away is inside the band (an IOC with nothing to trade)');
SELECT is((SELECT pending_out FROM cash WHERE account_id = 'a0000000-0000-0000-0000-0000000000a1'), vb.buy_reservation(20, 1000, 10, 10), 'an IOC reserves nothing: only the resting buy holds cash');

SELECT * FROM finish();
ROLLBACK;
