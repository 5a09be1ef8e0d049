-- Database roles by duty (contract identity.md): the grant table, function by function, read
-- from the catalog (a vb_api function missing from the expected table below fails, as does one
-- granted otherwise); and the calls that serve both the middleware and the back office decide by
-- the caller: debiting an issuer account or opening an account of a kind other than customer is
-- 'not_permitted' for vb_app (per item in a batch), allowed for vb_admin. Before, vb_app could
-- create assets, open issuers and mint money.
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE expected_grant (function_name text, role_name text);
INSERT INTO expected_grant (function_name, role_name)
SELECT
    f.name AS function_name,
    'vb_app' AS role_name
FROM unnest(ARRAY[
    'account_entries', 'balance_at', 'cancel_order', 'candles', 'create_transfer', 'create_transfers', 'create_user',
    'get_balances', 'get_order', 'get_positions', 'get_quotes', 'get_security', 'index_levels', 'open_account',
    'order_book', 'place_order', 'place_orders', 'record_breach_event', 'share_account_id', 'get_user', 'start_session',
    'validate_session', 'refresh_session', 'end_session', 'end_user_sessions', 'find_user',
    'set_request_context', 'log_api_requests'
]) AS f (name)
UNION ALL
SELECT
    f.name AS function_name,
    'vb_admin' AS role_name
FROM unnest(ARRAY[
    'ack_alert', 'create_asset', 'create_security', 'issue_shares', 'list_alerts', 'set_calendar_enforced',
    'set_exposure_limit', 'set_fees', 'set_index', 'set_market_session', 'set_trading_state', 'set_user_status',
    'assign_role', 'revoke_role', 'list_sessions', 'audit_trail'
]) AS f (name)
UNION ALL
SELECT
    f.name AS function_name,
    'vb_feed' AS role_name
FROM unnest(ARRAY['ingest_quotes', 'unknown_symbols', 'set_request_context']) AS f (name);

SELECT is_empty(
    $$
    SELECT p.proname, r.role_name
    FROM pg_catalog.pg_proc AS p
    CROSS JOIN unnest(ARRAY['vb_app', 'vb_admin', 'vb_feed']) AS r (role_name)
    WHERE p.pronamespace = 'vb_api'::regnamespace
        AND EXISTS (
            SELECT FROM aclexplode(p.proacl) AS a
            WHERE a.grantee = r.role_name::regrole AND a.privilege_type = 'EXECUTE'
        ) IS DISTINCT FROM EXISTS (
            SELECT FROM expected_grant AS e WHERE e.function_name = p.proname AND e.role_name = r.role_name
        )
    $$,
    'every vb_api function is granted to exactly the roles the contract names (a new one fails until decided)'
);
SELECT is(
    (SELECT count(*)::integer FROM expected_grant AS e
        WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_proc AS p
            WHERE p.pronamespace = 'vb_api'::regnamespace AND p.proname = e.function_name)),
    0, 'and every function of the table exists'
);
SELECT ok(pg_has_role('vb_admin', 'vb_app', 'MEMBER'), 'vb_admin is a member of vb_app');
SELECT ok(NOT pg_has_role('vb_app', 'vb_admin', 'MEMBER'), 'vb_app is not a member of vb_admin');
SELECT ok(NOT pg_has_role('vb_feed', 'vb_app', 'MEMBER'), 'vb_feed is not a member of vb_app');
SELECT ok(
    has_function_privilege('vb_admin', 'vb_api.place_order(uuid,uuid,text,text,bigint,text,bigint,text)', 'EXECUTE'),
    'so vb_admin may place orders'
);

SELECT vb_test.ledger_accounts(1000);

-- at run time
SET LOCAL ROLE vb_app;
SELECT throws_ok($$SELECT vb_api.create_asset('EUR', 2::smallint)$$, '42501', NULL, 'vb_app cannot create an asset');
SELECT throws_ok($$SELECT vb_api.set_fees('X', 1, 1)$$, '42501', NULL, 'nor set fees');
SELECT is(
    vb_api.open_account('c0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL), 'not_permitted',
    'vb_app may not open an issuer account'
);
SELECT is(
    vb_api.open_account('c0000000-0000-0000-0000-000000000002', 'VBD', NULL, 'house'), 'not_permitted',
    'nor a house account'
);
SELECT is(
    vb_api.open_account('c0000000-0000-0000-0000-000000000003', 'VBD'), 'created', 'but a customer account'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 5, 'mint'),
    'not_permitted', 'vb_app may not debit an issuer (mint money)'
);
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        row(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 5, 'pay', '{}', NULL, NULL, NULL),
        row(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 5, 'mint', '{}', NULL, NULL, NULL),
        row(gen_random_uuid(), 'b0000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-000000000001', 1, 'burn', '{}', NULL, NULL, NULL)
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES ('created'), ('not_permitted'), ('created')$$,
    'in a batch, per item: the issuer debit is not_permitted, the others apply (crediting an issuer is allowed)'
);
SELECT is(
    (SELECT balance FROM vb_api.get_balances(ARRAY['b0000000-0000-0000-0000-000000000001'::uuid])), 4::bigint,
    'and nothing was minted'
);
RESET ROLE;

SET LOCAL ROLE vb_admin;
SELECT is(
    vb_api.open_account('c0000000-0000-0000-0000-000000000004', 'VBD', NULL, 'house'), 'created',
    'vb_admin may open a house account'
);
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 5, 'mint'),
    'created', 'and debit an issuer'
);
SELECT is(
    (SELECT status FROM vb_api.create_transfers(ARRAY[
        row(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 5, 'pay', '{}', NULL, NULL, NULL),
        row(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 5, 'mint', '{}', NULL, NULL, NULL)
    ]::vb_api.transfer_request []) WHERE idx = 2),
    'created', 'in a batch too'
);
SELECT throws_ok($$SELECT vb_api.ingest_quotes('[]')$$, '42501', NULL, 'but not ingest quotes: that is the feed''s');
RESET ROLE;

SET LOCAL ROLE vb_feed;
SELECT is(vb_api.ingest_quotes('[]'), 0, 'vb_feed may ingest quotes');
SELECT throws_ok(
    $$SELECT vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-000000000001'::uuid])$$, '42501', NULL,
    'and nothing else'
);
RESET ROLE;

-- a superuser without SET ROLE counts as every role
SELECT is(
    vb_api.create_transfer(gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 5, 'mint'),
    'created', 'a superuser without SET ROLE may debit an issuer'
);

SELECT * FROM finish();
ROLLBACK;
