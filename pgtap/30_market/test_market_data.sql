-- Quotes (latest and history), index levels from reference prices.
BEGIN;
SELECT plan(24);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.create_security('ACME', 'Acme Corp', 'VBD');
SELECT vb_api.create_security('BETA', 'Beta Inc', 'VBD');

SELECT is(vb_api.ingest_quotes($$[
    {"symbol": "ACME", "bid": 1000, "ask": 1010, "last": 1005, "volume": 7, "ts": "2026-11-26T10:00:00Z"},
    {"symbol": "ACME", "bid": 1002, "ask": 1012, "last": 1007, "volume": 2, "ts": "2026-11-26T10:00:02Z"},
    {"symbol": "ACME", "bid": 1001, "ask": 1011, "last": 1006, "volume": 3, "ts": "2026-11-26T10:00:01Z"},
    {"symbol": "NOPE", "bid": 1, "ask": 2, "last": 1, "volume": 1, "ts": "2026-11-26T10:00:00Z"}
]$$), 3, 'ingest_quotes applies every new quote of known symbols');
SELECT results_eq(
    $$SELECT symbol, bid, ask, last, volume, ts FROM vb_api.get_quotes('{ACME,NOPE}')$$,
    $$VALUES ('ACME', 1002::bigint, 1012::bigint, 1007::bigint, 2::bigint, '2026-11-26T10:00:02Z'::timestamptz)$$,
    'the newest quote is the latest, whatever the order in the batch'
);
SELECT is((SELECT count(*)::integer FROM vb.quote_history WHERE symbol = 'ACME'), 3, 'all three are in the history');
SELECT is(vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 1, "ask": 2, "ts": "2026-11-26T09:00:00Z"}]'), 0, 'an older quote is ignored');
SELECT is(vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 1002, "ask": 1012, "ts": "2026-11-26T10:00:02Z"}]'), 0, 'a repeated quote is ignored');
SELECT is((SELECT bid FROM vb_api.get_quotes('{ACME}')), 1002::bigint, 'the latest quote did not move back');
SELECT is((SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'quote.updated' AND aggregate_id = 'ACME'), 1, 'one quote.updated event per symbol and batch');
SELECT throws_like($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "2026-11-26T11:00:00Z"}, {"symbol": "ACME", "bid": 1.5, "ts": "2026-11-26T11:00:01Z"}]')$$,
    'quote 2 is malformed%', 'a non-integer price is VB001 naming the element');
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "not a time"}]')$$, 'VB001', NULL, 'a bad timestamp is VB001');
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "infinity"}]')$$, 'VB001', NULL, 'infinity is VB001 (it would stop every later quote)');
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 5000000000000000000, "ask": 5000000000000000000, "ts": "2026-11-26T11:00:00Z"}]')$$, 'VB001', NULL, 'a price above 10^9 is VB001 (its mid would overflow every price band check)');
SELECT throws_matching(
    pg_catalog.format($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "bid": "%s", "ts": "2026-11-26T11:00:00Z"}]')$$, repeat('9x', 500000)),
    '^quote 1 is malformed: .{1,200}$', 'a megabyte of bad price: the message keeps 200 characters of the cause'
);
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "now"}]')$$, 'VB001', NULL, '''now'' is VB001');
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "2026-11-26T11:00:00"}]')$$, 'VB001', NULL, 'a time without its offset is VB001');
SELECT throws_ok(
    pg_catalog.format($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "ts": "%s"}]')$$, to_char(clock_timestamp() AT TIME ZONE 'UTC' + interval '1 hour', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
    'VB001', NULL, 'a time an hour ahead of the server is VB001'
);
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 5, "ask": 4, "ts": "2026-11-26T11:00:00Z"}]')$$, 'VB001', NULL, 'a crossed quote is VB001');
SELECT throws_ok($$SELECT vb_api.ingest_quotes('{"symbol": "ACME"}')$$, 'VB001', NULL, 'a non-array is VB001');
SELECT is((SELECT count(*)::integer FROM vb.quote_history WHERE quoted_at >= '2026-11-26T11:00:00Z'), 0, 'a rejected batch applies nothing');

SELECT is(vb_api.unknown_symbols(ARRAY['NOPE', 'ACME', NULL, 'ZZZ', 'NOPE']), ARRAY['NOPE', 'ZZZ'], 'unknown_symbols: each unknown one once, in order; known and null skipped');
SELECT throws_ok($$SELECT vb_api.unknown_symbols(NULL)$$, 'VB001', NULL, 'unknown_symbols: null is VB001');
SELECT throws_ok($$SELECT vb_api.unknown_symbols(array_fill('X'::text, ARRAY[10001]))$$, 'VB001', NULL, 'unknown_symbols: more than 10,000 is VB001');

SELECT vb_api.set_index('VB2', 'VB two', '{"ACME": 0.5, "BETA": 2}');
SELECT results_eq(
    $$SELECT code, level, as_of FROM vb_api.index_levels()$$,
    $$VALUES ('VB2', 0.5 * 1007, '2026-11-26T10:00:02Z'::timestamptz)$$,
    'index level = Σ weight × quote mid ((1002 + 1012) / 2), constituents without a price skipped'
);
UPDATE vb.securities SET last_trade_price = 990, last_trade_at = '2026-11-26T10:05:00Z' WHERE symbol = 'ACME';
SELECT results_eq(
    $$SELECT level, as_of FROM vb_api.index_levels()$$,
    $$VALUES (0.5 * 990, '2026-11-26T10:05:00Z'::timestamptz)$$,
    'the last trade price takes precedence over the quote'
);

SELECT is(
    vb_api.ingest_quotes(pg_catalog.format('[{"symbol": "ACME", "bid": 1, "ask": 2, "ts": "%s"}]', to_char(clock_timestamp() AT TIME ZONE 'UTC' + interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS+00:00'))::jsonb),
    1, 'a minute ahead, with a +00:00 offset, is applied (clock skew)'
);

SELECT * FROM finish();
ROLLBACK;
