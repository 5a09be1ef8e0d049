-- Reads (get_balances, account_entries, balance_at) and deferred (hot) accounts: exact before
-- and after folding.
BEGIN;
SELECT plan(25);

SELECT vb_test.ledger_accounts(1000);
SELECT vb_api.open_account('c0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'house', 0);
SELECT vb_api.create_transfer(('12000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'a0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', i, 'fee')
FROM generate_series(1, 10) AS i;

SELECT results_eq(
    $$SELECT balance, version FROM vb.accounts WHERE account_id = 'c0000000-0000-0000-0000-000000000001'$$,
    $$VALUES (0::bigint, 0::bigint)$$,
    'credits to a house account do not touch its row'
);
SELECT is((SELECT count(*)::integer FROM vb.unfolded_entries WHERE account_id = 'c0000000-0000-0000-0000-000000000001'), 10, 'they queue as unfolded entries');
SELECT results_eq(
    $$SELECT balance, available FROM vb_api.get_balances(ARRAY['c0000000-0000-0000-0000-000000000001'::uuid])$$,
    $$VALUES (55::bigint, 55::bigint)$$,
    'get_balances is exact before folding'
);
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'verify_ledger accounts for unfolded movements');
SELECT is(vb_api.create_transfer('13000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 56, 'refund'), 'insufficient_funds', 'a house debit sees its unfolded credits (55 < 56)');
SELECT is(vb_api.create_transfer('13000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 55, 'refund'), 'created', 'and may spend exactly them');
SELECT is(vb_ops.fold_deferred_entries(), 11 + 1, 'fold_deferred_entries folds the house and issuer queues');
SELECT results_eq(
    $$SELECT balance, version FROM vb.accounts WHERE account_id = 'c0000000-0000-0000-0000-000000000001'$$,
    $$VALUES (0::bigint, 11::bigint)$$,
    'after folding, the row holds balance and version'
);
SELECT results_eq(
    $$SELECT version, amount, balance_after FROM vb_api.account_entries('c0000000-0000-0000-0000-000000000001', 8) ORDER BY version$$,
    $$VALUES (9::bigint, 9::bigint, 45::bigint), (10::bigint, 10::bigint, 55::bigint), (11::bigint, -55::bigint, 0::bigint)$$,
    'folded entries are versioned with running balances'
);

-- reads on a customer account
SELECT results_eq(
    $$SELECT version, amount, balance_after, code FROM vb_api.account_entries('a0000000-0000-0000-0000-000000000001', 0, 3)$$,
    $$VALUES (1::bigint, 1000::bigint, 1000::bigint, 'deposit'), (2::bigint, -1::bigint, 999::bigint, 'fee'), (3::bigint, -2::bigint, 997::bigint, 'fee')$$,
    'account_entries: ascending from version 1, signed amounts, limited'
);
SELECT is((SELECT count(*)::integer FROM vb_api.account_entries('a0000000-0000-0000-0000-000000000001', 0, 5000)), 11, 'a limit above the history returns all of it (11 here)');
-- an account with 1,001 entries: the cap is 1,000, the default and a limit below 1 give 100
SELECT vb_api.open_account('b1000000-0000-0000-0000-000000000001', 'VBD');
SELECT is((SELECT count(*)::integer FROM vb_api.create_transfers(array(
    SELECT row(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'b1000000-0000-0000-0000-000000000001', 1, 'deposit', '{}', NULL, NULL, NULL)::vb_api.transfer_request
    FROM generate_series(1, 1001)
)) WHERE status = 'created'), 1001, 'a batch of 1001 deposits');
SELECT is((SELECT count(*)::integer FROM vb_api.account_entries('b1000000-0000-0000-0000-000000000001', 0, 5000)), 1000, 'a limit above 1000 is capped at 1000');
SELECT is((SELECT count(*)::integer FROM vb_api.account_entries('b1000000-0000-0000-0000-000000000001')), 100, 'the default limit is 100');
SELECT is((SELECT count(*)::integer FROM vb_api.account_entries('b1000000-0000-0000-0000-000000000001', 0, 0)), 100, 'a limit below 1 is the default');
SELECT is((SELECT max(version) FROM vb_api.account_entries('b1000000-0000-0000-0000-000000000001', 950, 1000)), 1001::bigint, 'paging after a version reaches the last entry');
SELECT is_empty($$SELECT * FROM vb_api.get_balances(ARRAY['99000000-0000-0000-0000-000000000001'::uuid])$$, 'unknown ids are absent from get_balances');
SELECT is(vb_api.balance_at('a0000000-0000-0000-0000-000000000001', clock_timestamp()), 945::bigint, 'balance_at now is the balance');
SELECT is(
    vb_api.balance_at('a0000000-0000-0000-0000-000000000001',
        (SELECT created_at FROM vb.entries WHERE account_id = 'a0000000-0000-0000-0000-000000000001' AND version = 3)),
    997::bigint, 'balance_at the time of version 3 is its balance_after'
);
SELECT is(vb_api.balance_at('a0000000-0000-0000-0000-000000000001', now() - interval '1 day'), NULL, 'null before the account existed');
SELECT is(vb_api.balance_at('99000000-0000-0000-0000-000000000001', now()), NULL, 'null for an unknown account');
SELECT throws_ok($$SELECT vb_api.account_entries(NULL)$$, 'VB001', NULL, 'account_entries(null) is VB001');

-- balance_at counts a deferred account's unfolded movements without folding them (it writes
-- nothing: a read-only transaction or a standby may ask)
SELECT vb_api.create_transfer(('12100000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, 'a0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', i, 'fee')
FROM generate_series(1, 3) AS i;
SELECT is(vb_api.balance_at('c0000000-0000-0000-0000-000000000001', clock_timestamp()), 6::bigint, 'balance_at of a house account adds its unfolded credits');
SELECT is((SELECT count(*)::integer FROM vb.unfolded_entries WHERE account_id = 'c0000000-0000-0000-0000-000000000001'), 3, 'and leaves them unfolded');
SELECT is(
    (SELECT version FROM vb_api.get_balances(ARRAY['c0000000-0000-0000-0000-000000000001'::uuid])), 11::bigint + 3,
    'get_balances: a deferred account''s version counts its unfolded movements (the version folding will give)'
);

SELECT * FROM finish();
ROLLBACK;
