-- Assets, users and accounts: every status, VB001 on malformed calls, account.opened events.
BEGIN;
SELECT plan(26);

SELECT is(vb_api.create_asset('VBD', 2::smallint), 'created', 'create_asset: created');
SELECT is(vb_api.create_asset('VBD', 2::smallint), 'exists', 'create_asset: same fields exist');
SELECT is(vb_api.create_asset('VBD', 3::smallint), 'exists_with_different_fields', 'create_asset: other scale');
SELECT is(vb_api.create_asset('ACME', 0::smallint, 'security'), 'created', 'create_asset: a security');
SELECT throws_ok($$SELECT vb_api.create_asset('vbd', 2::smallint)$$, 'VB001', NULL, 'create_asset: lower case code is VB001');
SELECT throws_ok($$SELECT vb_api.create_asset('ABCDEFGHIJKLM', 2::smallint)$$, 'VB001', NULL, 'create_asset: 13 characters is VB001');
SELECT throws_ok($$SELECT vb_api.create_asset('X', 2::smallint, 'bond')$$, 'VB001', NULL, 'create_asset: unknown kind is VB001');
SELECT throws_ok(
    $$SELECT vb_api.create_asset(repeat('X', 1000000), 2::smallint)$$, 'VB001',
    'asset code must be 1-12 characters [A-Z0-9._-], got ''' || repeat('X', 40) || '''…',
    'a megabyte of code: VB001 quoting its first 40 characters only'
);

SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000a1', 'alice'), 'created', 'create_user: created');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000a1', 'alice'), 'exists', 'create_user: exists');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000a1', 'alice', 'Alice'), 'exists_with_different_fields', 'create_user: other display name');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', 'alice'), 'handle_taken', 'create_user: handle taken');
SELECT throws_ok($$SELECT vb_api.create_user(NULL, 'x')$$, 'VB001', NULL, 'create_user: null id is VB001');

SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000001', 'VBD', '00000000-0000-0000-0000-0000000000a1'), 'created', 'open_account: created');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000001', 'VBD', '00000000-0000-0000-0000-0000000000a1'), 'exists', 'open_account: exists');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000001', 'VBD', NULL), 'exists_with_different_fields', 'open_account: other owner');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000002', 'NOPE'), 'asset_not_found', 'open_account: asset_not_found');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000003', 'VBD', '00000000-0000-0000-0000-0000000000ff'), 'owner_not_found', 'open_account: owner_not_found');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000004', 'VBD', NULL, 'customer', -1), 'invalid_overdraft_limit', 'open_account: negative limit');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000005', 'VBD', NULL, 'house', NULL), 'invalid_overdraft_limit', 'open_account: unlimited only for issuers');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000006', 'VBD', NULL, 'issuer', NULL), 'created', 'open_account: unlimited issuer');
SELECT throws_ok($$SELECT vb_api.open_account('a0000000-0000-0000-0000-000000000007', 'VBD', NULL, 'vault')$$, 'VB001', NULL, 'open_account: unknown kind is VB001');
SELECT throws_ok($$SELECT vb_api.open_account(NULL, 'VBD')$$, 'VB001', NULL, 'open_account: null id is VB001');

SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'account.opened'), 2,
    'one account.opened event per opened account'
);
SELECT is(
    (SELECT payload ->> 'kind' FROM vb.outbox_events WHERE aggregate_id = 'a0000000-0000-0000-0000-000000000006'), 'issuer',
    'account.opened carries the kind'
);
SELECT results_eq(
    $$SELECT balance, available, version FROM vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-000000000001'::uuid])$$,
    $$VALUES (0::bigint, 0::bigint, 0::bigint)$$,
    'a new account has a zero balance at version 0'
);

SELECT * FROM finish();
ROLLBACK;
