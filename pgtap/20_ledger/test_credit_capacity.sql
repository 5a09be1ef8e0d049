-- An asset's credit capacity (issue "Hardening"): no caller can brick a deferred account. Before,
-- two issuer → house transfers of 2^63 - 1 both returned created and the house account could be
-- neither read nor folded. Now an issuer's "unlimited" overdraft is 10^18, every debit of a
-- deferred account reads it, and the limits granted per asset stay within 4·10^18, so no balance
-- can leave bigint; folding goes account by account; verify_ledger reports what does not fit.
BEGIN;
SELECT plan(22);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.open_account('f0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL);
SELECT vb_api.open_account('b0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'house', 0);
SELECT vb_api.open_account('c0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'fee', 0);
SELECT vb_api.open_account('a0000000-0000-0000-0000-000000000001', 'VBD');

SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 9223372036854775807, 'mint'),
    'insufficient_funds', 'issuing 2^63 - 1 into a house account is refused (single path)'
);
SELECT is(
    (SELECT r.status FROM vb_api.create_transfers(ARRAY[
        row(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001',
            9223372036854775807, 'mint', '{}', NULL, NULL, NULL)::vb_api.transfer_request,
        row(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000001',
            9223372036854775807, 'mint', '{}', NULL, NULL, NULL)::vb_api.transfer_request
    ]) AS r WHERE r.idx = 2),
    'insufficient_funds', 'and in a batch'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 600000000000000000, 'mint'),
    'created', 'an issuer issues up to 10^18 outstanding'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 400000000000000001, 'mint'),
    'insufficient_funds', 'one minor unit past 10^18 is refused (the unfolded issue is read)'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001',
        'b0000000-0000-0000-0000-000000000001', 400000000000000000, 'mint'),
    'created', 'exactly 10^18 is allowed'
);
SELECT is(
    (SELECT g.balance FROM vb_api.get_balances(ARRAY['b0000000-0000-0000-0000-000000000001'::uuid]) AS g),
    1000000000000000000::bigint, 'the house account reads'
);
SELECT cmp_ok(vb_ops.fold_deferred_entries(), '>', 0, 'and folds');
SELECT is(
    (SELECT count(*)::integer FROM vb_ops.verify_ledger() AS v WHERE NOT v.ok), 0, 'the ledger verifies'
);

-- the limits granted per asset
SELECT is((SELECT credit_committed FROM vb.assets WHERE asset_code = 'VBD'), 1000000000000000000::numeric,
    'an unlimited issuer commits 10^18 of the asset''s capacity');
SELECT is(
    vb_api.open_account('a0000000-0000-0000-0000-000000000002', 'VBD', NULL, 'customer', 9223372036854775807),
    'invalid_overdraft_limit', 'a limit of 2^63 - 1 exceeds the asset''s capacity'
);
SELECT is(
    vb_api.open_account('a0000000-0000-0000-0000-000000000003', 'VBD', NULL, 'customer', 2000000000000000000),
    'created', 'a limit within what is left'
);
SELECT is(vb_api.open_account('f0000000-0000-0000-0000-000000000002', 'VBD', NULL, 'issuer', NULL), 'created',
    'a second unlimited issuer takes the last 10^18');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000004', 'VBD', NULL, 'customer', 1),
    'invalid_overdraft_limit', 'then no limit at all is left');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000005', 'VBD'), 'created',
    'an account without overdraft still opens');
SELECT is(vb_api.open_account('a0000000-0000-0000-0000-000000000003', 'VBD', NULL, 'customer', 2000000000000000000),
    'exists', 'a replay commits nothing more');
SELECT is((SELECT credit_committed FROM vb.assets WHERE asset_code = 'VBD'), 4000000000000000000::numeric,
    'committed: 10^18 + 2·10^18 + 10^18');
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000003',
        'c0000000-0000-0000-0000-000000000001', 2000000000000000000, 'p2p'),
    'created', 'an overdraft down to its limit'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000002',
        'c0000000-0000-0000-0000-000000000001', 1000000000000000000, 'mint'),
    'created', 'and the second issuer''s whole supply into the same fee account: 3·10^18, inside bigint'
);
SELECT is(
    (SELECT count(*)::integer FROM vb_ops.verify_ledger() AS v WHERE NOT v.ok), 0,
    'everything the asset allows still verifies'
);

-- data from before the capacity (or written around it): one account that cannot be folded does
-- not stop the others, and verify_ledger names it
INSERT INTO vb.unfolded_entries (account_id, created_at, transfer_id, amount, code)
VALUES ('b0000000-0000-0000-0000-000000000001', now(), gen_random_uuid(), 9223372036854775807, 'legacy');
SELECT lives_ok($$SELECT vb_ops.fold_deferred_entries()$$, 'folding does not fail on the account that cannot be folded');
SELECT is(
    (SELECT count(*)::integer FROM vb.unfolded_entries WHERE account_id = 'c0000000-0000-0000-0000-000000000001'), 0,
    'the other deferred accounts folded'
);
SELECT is(
    (SELECT v.ok FROM vb_ops.verify_ledger() AS v WHERE v.check_name = 'balances_in_range'), FALSE,
    'verify_ledger: balances_in_range names the account'
);

SELECT * FROM finish();
ROLLBACK;
