-- Two-phase transfers (reserve, partial post, post all, void, expiry) and overdraft edges.
BEGIN;
SELECT plan(26);

SELECT vb_test.ledger_accounts(1000);
SELECT vb_api.open_account('c0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'customer', 500);

CREATE TEMP VIEW ab AS
SELECT
account_id,
balance,
pending_out,
pending_in,
available
FROM vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-000000000001'::uuid, 'b0000000-0000-0000-0000-000000000001'::uuid])
ORDER BY account_id;

SELECT is(vb_api.create_transfer('d0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 300, 'hold', '{pending}'), 'created', 'a pending transfer is created');
SELECT results_eq('SELECT * FROM ab', $$VALUES
    ('a0000000-0000-0000-0000-000000000001'::uuid, 1000::bigint, 300::bigint, 0::bigint, 700::bigint),
    ('b0000000-0000-0000-0000-000000000001'::uuid, 0::bigint, 0::bigint, 300::bigint, 0::bigint)$$,
    'it reserves: pending on both sides, nothing moved');
SELECT is(vb_api.create_transfer('11000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 701, 'p2p'), 'insufficient_funds', 'the reservation counts against available');
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000001', NULL, NULL, 200, NULL, '{post_pending}', 'd0000000-0000-0000-0000-000000000001'), 'created', 'a partial post');
SELECT results_eq('SELECT * FROM ab', $$VALUES
    ('a0000000-0000-0000-0000-000000000001'::uuid, 800::bigint, 0::bigint, 0::bigint, 800::bigint),
    ('b0000000-0000-0000-0000-000000000001'::uuid, 200::bigint, 0::bigint, 0::bigint, 200::bigint)$$,
    'the posted part moved and the rest is released');
SELECT is((SELECT code FROM vb.transfers WHERE transfer_id = 'd1000000-0000-0000-0000-000000000001'), 'hold', 'a post without code inherits the pending code');
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000002', NULL, NULL, NULL, NULL, '{void_pending}', 'd0000000-0000-0000-0000-000000000001'), 'pending_transfer_not_pending', 'a posted transfer cannot be voided');

SELECT is(vb_api.create_transfer('d0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'hold', '{pending}'), 'created', 'a second pending');
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', NULL, NULL, '{post_pending}', 'd0000000-0000-0000-0000-000000000002'), 'created', 'posting all of it (null amount, matching accounts given)');
SELECT is((SELECT amount FROM vb.transfers WHERE transfer_id = 'd1000000-0000-0000-0000-000000000003'), 100::bigint, 'the post records the whole pending amount');

SELECT is(vb_api.create_transfer('d0000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 50, 'hold', '{pending}'), 'created', 'a third pending');
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000004', NULL, NULL, NULL, NULL, '{void_pending}', 'd0000000-0000-0000-0000-000000000003'), 'created', 'a void');
SELECT results_eq('SELECT * FROM ab', $$VALUES
    ('a0000000-0000-0000-0000-000000000001'::uuid, 700::bigint, 0::bigint, 0::bigint, 700::bigint),
    ('b0000000-0000-0000-0000-000000000001'::uuid, 300::bigint, 0::bigint, 0::bigint, 300::bigint)$$,
    'the void released everything and moved nothing');

-- expiry
SELECT is(vb_api.create_transfer('d0000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 70, 'hold', '{pending}', NULL, 3600), 'created', 'a pending with a timeout');
SELECT cmp_ok((SELECT expires_at FROM vb.pending_transfers WHERE pending_id = 'd0000000-0000-0000-0000-000000000004'), '>', now() + interval '59 minutes', 'it expires after its timeout');
UPDATE vb.pending_transfers SET expires_at = clock_timestamp() - interval '1 second' WHERE pending_id = 'd0000000-0000-0000-0000-000000000004';
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000005', NULL, NULL, NULL, NULL, '{post_pending}', 'd0000000-0000-0000-0000-000000000004'), 'pending_transfer_expired', 'once its timeout passed it cannot be posted');
SELECT is(vb_ops.expire_pending_transfers(), 1, 'expire_pending_transfers expires it');
SELECT results_eq('SELECT pending_out FROM ab', $$VALUES (0::bigint), (0::bigint)$$, 'and releases the reservation');
SELECT is(vb_api.create_transfer('d1000000-0000-0000-0000-000000000006', NULL, NULL, NULL, NULL, '{void_pending}', 'd0000000-0000-0000-0000-000000000004'), 'pending_transfer_not_pending', 'an expired transfer is no longer pending');
SELECT is((SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'transfer.expired'), 1, 'a transfer.expired event');

-- overdraft edges
SELECT is(vb_api.create_transfer('88000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 500, 'p2p'), 'created', 'exactly down to -overdraft_limit is allowed');
SELECT is(vb_api.create_transfer('88000000-0000-0000-0000-000000000002', 'c0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p'), 'insufficient_funds', 'one more is not');
-- the largest overdraft limit the asset's credit capacity leaves (2^63 - 1 exceeds it): the
-- funds check cannot overflow
SELECT is(vb_api.open_account('d0000000-0000-0000-0000-0000000000f0', 'VBD', NULL, 'customer', 9223372036854775807), 'invalid_overdraft_limit', 'a limit of 2^63 - 1 exceeds the asset''s credit capacity');
SELECT vb_api.open_account('d0000000-0000-0000-0000-0000000000f1', 'VBD', NULL, 'customer', (SELECT (vb.max_credit_capacity(asset_kind) - credit_committed)::bigint FROM vb.assets WHERE asset_code = 'VBD'));
SELECT vb_api.open_account('d0000000-0000-0000-0000-0000000000f2', 'VBD');
SELECT is(vb_api.create_transfer('88000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-0000000000f1', 'd0000000-0000-0000-0000-0000000000f2', (SELECT overdraft_limit FROM vb.accounts WHERE account_id = 'd0000000-0000-0000-0000-0000000000f1'), 'p2p'), 'created', 'down to the largest limit');
SELECT is(vb_api.create_transfer('88000000-0000-0000-0000-000000000004', 'd0000000-0000-0000-0000-0000000000f1', 'b0000000-0000-0000-0000-000000000001', 5, 'hold', '{pending}'), 'insufficient_funds', 'then a reservation is insufficient_funds, not 22003');
SELECT is(vb_api.create_transfer('88000000-0000-0000-0000-000000000005', 'd0000000-0000-0000-0000-0000000000f1', 'b0000000-0000-0000-0000-000000000001', 9223372036854775807, 'p2p'), 'insufficient_funds', 'and so is the largest transfer');

SELECT * FROM finish();
ROLLBACK;
