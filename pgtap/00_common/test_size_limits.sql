-- The API's size limits (vb.size_limit, docs/api.md "Limits"): at the limit a call works; one past it
-- is VB001 naming the argument and the limit (or, for one transfer, invalid_request), and nothing
-- is stored. Before, a 32k-transfer batch held account locks for 8.5 s, get_balances took 1M ids,
-- and 100 MB of metadata or a megabyte of display name were stored.
BEGIN;
SELECT plan(25);

SELECT vb_test.ledger_accounts(1000);

SELECT is(vb.size_limit('transfers_per_batch'), 8000, 'transfers_per_batch is 8,000');
SELECT is(vb.size_limit('nonsense'), NULL, 'an unknown limit is null');

SELECT throws_ok(
    $$SELECT count(*) FROM vb_api.create_transfers(array(
        SELECT row(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001',
            1, 'x', '{}', NULL, NULL, NULL)::vb_api.transfer_request FROM generate_series(1, 8001)))$$,
    'VB001', 'p_transfers: 8001 is over its limit of 8000 (transfers_per_batch)', 'a batch of 8,001 is VB001'
);
SELECT is((SELECT count(*)::integer FROM vb.transfer_ids WHERE status = 'created'), 1, 'and stores nothing');

SELECT is(
    (SELECT count(*)::integer FROM vb_api.get_balances(array(
        SELECT 'a0000000-0000-0000-0000-000000000001'::uuid FROM generate_series(1, 10000)))),
    1, 'get_balances takes 10,000 ids'
);
SELECT throws_ok(
    $$SELECT count(*) FROM vb_api.get_balances(array(SELECT gen_random_uuid() FROM generate_series(1, 10001)))$$,
    'VB001', 'p_account_ids: 10001 is over its limit of 10000 (ids_per_call)', 'and not 10,001'
);
SELECT throws_ok(
    $$SELECT count(*) FROM vb_api.get_quotes(array(SELECT 'S' || n FROM generate_series(1, 10001) AS n))$$,
    'VB001', NULL, 'get_quotes: 10,001 symbols is VB001'
);
SELECT throws_ok(
    $$SELECT vb_api.ingest_quotes((SELECT jsonb_agg(jsonb_build_object('symbol', 'X', 'ts', '2026-11-26T10:00:00Z'))
        FROM generate_series(1, 10001)))$$,
    'VB001', 'p_quotes: 10001 is over its limit of 10000 (quotes_per_call)', 'ingest_quotes: 10,001 quotes is VB001'
);

-- jsonb arguments: 8,192 bytes
SELECT is(
    vb_api.open_account('c1000000-0000-0000-0000-000000000001', 'VBD', NULL, 'customer', 0,
        jsonb_build_object('note', repeat('x', 8000))),
    'created', 'metadata of 8,000 characters fits'
);
SELECT throws_ok(
    $$SELECT vb_api.open_account('c1000000-0000-0000-0000-000000000002', 'VBD', NULL, 'customer', 0,
        jsonb_build_object('note', repeat('x', 100000000)))$$,
    'VB001', NULL, 'open_account: 100 MB of metadata is VB001'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 1, 'x', '{}', NULL, NULL, jsonb_build_object('note', repeat('x', 9000))),
    'invalid_request', 'create_transfer: metadata over 8,192 bytes is invalid_request'
);
SELECT is(
    (SELECT r.status FROM vb_api.create_transfers(ARRAY[
        row(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'x',
            '{}', NULL, NULL, NULL)::vb_api.transfer_request,
        row(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'x',
            '{}', NULL, NULL, jsonb_build_object('note', repeat('x', 9000)))::vb_api.transfer_request
    ]) AS r WHERE r.idx = 2),
    'invalid_request', 'and for one request of a batch, the others applied'
);
SELECT throws_ok(
    $$SELECT vb_api.record_breach_event('surveillance', NULL, 'wash', jsonb_build_object('x', repeat('x', 9000)))$$,
    'VB001', 'p_detail: 9009 is over its limit of 8192 (json_bytes)', 'record_breach_event: a detail over 8,192 bytes'
);
SELECT throws_ok(
    $$SELECT vb_api.record_breach_event('surveillance', NULL, repeat('k', 65), '{}')$$,
    'VB001', NULL, 'record_breach_event: a kind over 64 characters'
);

-- users' names and handles follow identity.md (statuses, pgtap/15_identity): 64 and 32 characters
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000d1', 'dora', repeat('D', 64)), 'created',
    'a display name of 64 characters');
SELECT is(
    vb_api.create_user('00000000-0000-0000-0000-0000000000d2', 'dora2', repeat('D', 1000000)), 'invalid_display_name',
    'a megabyte of display name is invalid_display_name'
);
SELECT is(
    vb_api.create_user('00000000-0000-0000-0000-0000000000d3', repeat('h', 65)), 'invalid_handle',
    'a handle of 65 characters is invalid_handle'
);
SELECT throws_ok(
    $$SELECT vb_api.create_security('LONG', repeat('N', 201), 'VBD')$$,
    'VB001', 'p_name: 201 is over its limit of 200 (name_chars)', 'create_security: a name of 201 characters'
);
SELECT is(vb_api.create_security('LONG', repeat('N', 200), 'VBD'), 'created', 'and of 200');
SELECT throws_ok(
    $$SELECT vb_api.set_index('BIG', 'Big', (SELECT jsonb_object_agg('S' || n, 1) FROM generate_series(1, 2000) AS n))$$,
    'VB001', NULL, 'set_index: weights over 8,192 bytes'
);
SELECT is(
    (SELECT count(*)::integer FROM vb.accounts WHERE account_id = 'c1000000-0000-0000-0000-000000000002'), 0,
    'nothing of a refused call is stored'
);
SELECT lives_ok($$SELECT * FROM vb_api.order_book('LONG', 2147483647)$$, 'order_book: any depth is cut to 1,000 levels');

-- jsonb is measured as the JSON text it becomes: a number stored in 8 bytes may print as 128 KiB
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 1, 'x', '{}', NULL, NULL,
        (SELECT jsonb_object_agg('k' || n, '1e131071'::numeric) FROM generate_series(1, 500) AS n)),
    'invalid_request', 'metadata of huge numbers (8 KB stored, 65 MB as text) is invalid_request'
);
SELECT throws_ok(
    $$SELECT vb_api.set_index('IDX1', 'x', '{"LONG": 1e131071}')$$, 'VB001', NULL,
    'set_index: a weight above 10^6 (index levels would overflow numeric)'
);
SELECT throws_ok(
    $$SELECT vb_api.set_index('IDX1', 'x', '{"LONG": 1e-16383}')$$, 'VB001', NULL, 'set_index: a weight below 10^-12'
);

SELECT * FROM finish();
ROLLBACK;
