-- Securities, share issuance, fees, the calendar and indices.
BEGIN;
SELECT plan(40);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol');

SELECT is(vb_api.create_security('ACME', 'Acme Corp', 'VBD', 5, 10, 1000), 'created', 'create_security: created');
SELECT is(vb_api.create_security('ACME', 'Acme Corp', 'VBD', 5, 10, 1000), 'exists', 'create_security: same fields exist');
SELECT is(vb_api.create_security('ACME', 'Acme Corp', 'VBD', 1, 10, 1000), 'exists_with_different_fields', 'create_security: other tick size');
SELECT is(vb_api.create_security('BETA', 'Beta', 'XXX'), 'currency_not_found', 'create_security: unknown currency');
SELECT is(vb_api.create_security('VBD', 'Not a security', 'VBD'), 'exists_with_different_fields', 'create_security: a currency code is taken');
SELECT is(vb_api.create_security('BETA', 'Beta Inc', 'VBD', 1, 1, NULL), 'created', 'create_security: no price band');
SELECT throws_ok($$SELECT vb_api.create_security('acme', 'x', 'VBD')$$, 'VB001', NULL, 'create_security: lower-case symbol is VB001');
SELECT throws_ok($$SELECT vb_api.create_security('GAMMA', 'x', 'VBD', 0)$$, 'VB001', NULL, 'create_security: tick size 0 is VB001');
SELECT is((SELECT asset_kind FROM vb.assets WHERE asset_code = 'ACME'), 'security', 'the security is a ledger asset');
SELECT results_eq(
    $$SELECT a.account_kind, a.overdraft_limit FROM vb_api.get_security('ACME') AS s JOIN vb.accounts AS a ON a.account_id = s.issuer_account_id$$,
    $$VALUES ('issuer', 9000000000::bigint)$$, 'with an issuer account whose limit is the most shares outstanding'
);

SELECT results_eq(
    $$SELECT symbol, name, currency, tick_size, lot_size, price_band_bps, maker_fee_bps, taker_fee_bps FROM vb_api.get_security('ACME')$$,
    $$VALUES ('ACME', 'Acme Corp', 'VBD', 5::bigint, 10::bigint, 1000, 0, 0)$$, 'get_security: reference data, default fees 0'
);
SELECT is_empty($$SELECT * FROM vb_api.get_security('NOPE')$$, 'get_security: unknown symbol has no row');
SELECT is(vb_api.set_fees(NULL, 10, 20), 'set', 'set_fees: defaults');
SELECT is(vb_api.set_fees('BETA', 1, 2), 'set', 'set_fees: per security');
SELECT is(vb_api.set_fees('NOPE', 1, 2), 'unknown_symbol', 'set_fees: unknown symbol');
SELECT throws_ok($$SELECT vb_api.set_fees(NULL, -1, 0)$$, 'VB001', NULL, 'set_fees: negative fee is VB001');
SELECT results_eq(
    $$SELECT symbol, maker_fee_bps, taker_fee_bps FROM vb_api.get_security('ACME') UNION ALL SELECT symbol, maker_fee_bps, taker_fee_bps FROM vb_api.get_security('BETA')$$,
    $$VALUES ('ACME', 10, 20), ('BETA', 1, 2)$$, 'effective fees: own, else the defaults'
);

-- shares
SELECT is(vb_api.share_account_id('00000000-0000-0000-0000-0000000000c1', 'ACME'), NULL, 'no share account before first need');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000001', 'ACME', '00000000-0000-0000-0000-0000000000c1', 0), 'amount_must_be_positive', 'issue_shares: quantity 0');
SELECT is(vb_api.share_account_id('00000000-0000-0000-0000-0000000000c1', 'ACME'), NULL, 'a rejected issue opens no account');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000002', 'ACME', '00000000-0000-0000-0000-0000000000c1', 1000), 'created', 'issue_shares: created');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000002', 'ACME', '00000000-0000-0000-0000-0000000000c1', 1000), 'exists', 'issue_shares: idempotent');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000003', 'NOPE', '00000000-0000-0000-0000-0000000000c1', 1), 'unknown_symbol', 'issue_shares: unknown symbol');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000004', 'ACME', '00000000-0000-0000-0000-0000000000ff', 1), 'owner_not_found', 'issue_shares: unknown owner');
SELECT results_eq(
    $$SELECT b.balance, a.owner_id FROM vb_api.get_balances(ARRAY[vb_api.share_account_id('00000000-0000-0000-0000-0000000000c1', 'ACME')]) AS b
      JOIN vb.accounts AS a USING (account_id)$$,
    $$VALUES (1000::bigint, '00000000-0000-0000-0000-0000000000c1'::uuid)$$, 'the owner holds the shares in a share account'
);
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'shares obey the ledger: verify passes');
-- at most 9·10^9 shares outstanding, so a holding's value at the highest price fits in bigint
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000005', 'ACME', '00000000-0000-0000-0000-0000000000c1', 8999999000), 'created', 'issue_shares: up to 9·10^9 outstanding');
SELECT is(vb_api.issue_shares('51000000-0000-0000-0000-000000000006', 'ACME', '00000000-0000-0000-0000-0000000000c1', 1), 'insufficient_funds', 'issue_shares: not one more');
SELECT is(vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 999999995, "ask": 1000000000, "ts": "2026-11-26T10:00:00Z"}]'), 1, 'a quote near 10^9');
SELECT is(vb_api.open_account('f9000000-0000-0000-0000-000000000001', 'ACME', NULL, 'issuer', NULL), 'invalid_overdraft_limit', 'no second issuer of a security: its issuer holds all of its capacity');
SELECT is(vb_api.open_account('f9000000-0000-0000-0000-000000000002', 'ACME', '00000000-0000-0000-0000-0000000000c1', 'customer', 1), 'invalid_overdraft_limit', 'nor an overdraft in shares');
SELECT lives_ok($$SELECT * FROM vb_api.get_positions('00000000-0000-0000-0000-0000000000c1')$$, 'get_positions of 9·10^9 shares near 10^9 does not overflow');

-- calendar
SELECT is(vb.market_is_open(now()), TRUE, 'the market is open while the calendar is not enforced');
SELECT is(vb_api.set_market_session(current_date, date_trunc('day', now()), date_trunc('day', now()) + interval '1 day'), 'set', 'set_market_session: set');
SELECT is(vb_api.set_calendar_enforced(TRUE), 'set', 'set_calendar_enforced: set');
SELECT is(vb.market_is_open(now()), TRUE, 'open inside a session');
SELECT is(vb.market_is_open(now() + interval '3 days'), FALSE, 'closed outside every session');
SELECT throws_ok($$SELECT vb_api.set_market_session(current_date, now(), now() - INTERVAL '1 hour')$$, 'VB001', NULL, 'a session closing before it opens is VB001');

-- indices
SELECT is(vb_api.set_index('VB2', 'VB two', '{"ACME": 0.4, "NOPE": 0.6}'), 'unknown_symbol', 'set_index: unknown symbol changes nothing');
SELECT throws_ok($$SELECT vb_api.set_index('VB2', 'VB two', '{"ACME": -1}')$$, 'VB001', NULL, 'set_index: a negative weight is VB001');

SELECT * FROM finish();
ROLLBACK;
