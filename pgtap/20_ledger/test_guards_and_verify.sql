-- Privileges of the ledger API, the append-only guard, verify_ledger catching corruption, and
-- the events a transfer writes.
BEGIN;
SELECT plan(19);

SELECT vb_test.ledger_accounts(1000);

-- vb_app calls vb_api and nothing else
SET LOCAL ROLE vb_app;
SELECT is(vb_api.create_transfer('11000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 10, 'p2p'), 'created', 'vb_app may create transfers');
SELECT is((SELECT balance FROM vb_api.get_balances(ARRAY['b0000000-0000-0000-0000-000000000001'::uuid])), 10::bigint, 'vb_app may read balances');
SELECT throws_ok('SELECT * FROM vb.accounts', '42501', NULL, 'vb_app cannot read vb.accounts');
SELECT throws_ok('SELECT * FROM vb.entries', '42501', NULL, 'vb_app cannot read vb.entries');
SELECT throws_ok('SELECT * FROM vb_ops.verify_ledger()', '42501', NULL, 'vb_app cannot run vb_ops functions');
SELECT throws_ok($$SELECT vb.write_events('[]')$$, '42501', NULL, 'vb_app cannot call internal helpers');
RESET ROLE;
SET LOCAL ROLE vb_ops;
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'vb_ops may verify the ledger');
SELECT throws_ok($$SELECT vb_api.create_transfer(gen_random_uuid(), NULL, NULL, 1, 'x')$$, '42501', NULL, 'vb_ops cannot call vb_api');
RESET ROLE;

-- events of one transfer
SELECT results_eq(
    $$SELECT event_type, aggregate_id FROM vb.outbox_events
      WHERE payload ->> 'transfer_id' = '11000000-0000-0000-0000-000000000002'
         OR (event_type = 'balance.changed' AND txid = (SELECT txid FROM vb.outbox_events WHERE aggregate_id = '11000000-0000-0000-0000-000000000002'))
      ORDER BY event_type, aggregate_id$$,
    $$VALUES ('balance.changed', 'a0000000-0000-0000-0000-000000000001'), ('balance.changed', 'a0000000-0000-0000-0000-000000000001'),
             ('balance.changed', 'b0000000-0000-0000-0000-000000000001'), ('transfer.created', '11000000-0000-0000-0000-000000000002')$$,
    'transfer.created plus one balance.changed per customer account and call (the deposit shares this transaction)'
);
SELECT is(
    (SELECT (payload ->> 'balance')::bigint FROM vb.outbox_events WHERE event_type = 'balance.changed'
        AND aggregate_id = 'b0000000-0000-0000-0000-000000000001' ORDER BY outbox_id DESC, position DESC LIMIT 1),
    10::bigint, 'balance.changed carries the new balance'
);

-- append-only
SELECT throws_ok($$UPDATE vb.entries SET amount = 1$$, 'VB002', NULL, 'entries reject UPDATE, even from the owner');
SELECT throws_ok($$DELETE FROM vb.entries$$, 'VB002', NULL, 'entries reject DELETE');
SELECT throws_ok($$TRUNCATE vb.entries$$, 'VB002', NULL, 'entries reject TRUNCATE');
SELECT throws_ok($$UPDATE vb.transfers SET amount = 1$$, 'VB002', NULL, 'transfers reject UPDATE');
SELECT throws_ok($$DELETE FROM vb.transfer_ids$$, 'VB002', NULL, 'the idempotency registry rejects DELETE');

-- verify_ledger catches corruption (tampering bypasses the functions on purpose)
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'a clean ledger verifies');
UPDATE vb.accounts SET balance = balance + 1 WHERE account_id = 'a0000000-0000-0000-0000-000000000001';
SELECT results_eq(
    $$SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok ORDER BY 1$$,
    $$VALUES ('assets_sum_to_zero'), ('balances_match_entries')$$,
    'a tampered balance breaks conservation and the entry sum'
);
UPDATE vb.accounts SET balance = balance - 1, pending_out = 5 WHERE account_id = 'a0000000-0000-0000-0000-000000000001';
SELECT results_eq(
    $$SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok$$,
    $$VALUES ('pending_totals_match')$$,
    'a pending total without a pending transfer is caught'
);
UPDATE vb.accounts SET pending_out = 0 WHERE account_id = 'a0000000-0000-0000-0000-000000000001';
UPDATE vb.accounts SET balance = -1, version = 3 WHERE account_id = 'b0000000-0000-0000-0000-000000000001';
SELECT results_eq(
    $$SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok ORDER BY 1$$,
    $$VALUES ('assets_sum_to_zero'), ('balances_match_entries'), ('no_balance_below_limit'), ('versions_match_entries')$$,
    'a balance below its limit and a wrong version are caught'
);

SELECT * FROM finish();
ROLLBACK;
