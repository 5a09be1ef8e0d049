-- Schema privileges, default privileges, and who may touch what.
BEGIN;
SELECT plan(21);

SELECT schema_privs_are('vb_api', 'vb_app', ARRAY['USAGE'], 'vb_app may use vb_api');
SELECT schema_privs_are('vb_ops', 'vb_ops', ARRAY['USAGE'], 'vb_ops may use vb_ops');
SELECT schema_privs_are('vb_report', 'vb_readonly', ARRAY['USAGE'], 'vb_readonly may use vb_report');
SELECT schema_privs_are('vb', 'vb_app', ARRAY[]::text [], 'vb_app has no privilege on vb');
SELECT schema_privs_are('vb', 'vb_ops', ARRAY[]::text [], 'vb_ops has no privilege on vb');
SELECT schema_privs_are('vb', 'vb_readonly', ARRAY[]::text [], 'vb_readonly has no privilege on vb');
SELECT schema_privs_are('vb_ops', 'vb_app', ARRAY[]::text [], 'vb_app has no privilege on vb_ops');
SELECT schema_privs_are('vb_api', 'public', ARRAY[]::text [], 'PUBLIC has no privilege on vb_api');

-- Default privileges: a function created by vb_owner is closed to PUBLIC; a vb_ops function is
-- opened to vb_ops, a vb_api function to nobody until procedures/99_access/grants decides
-- (migration 0015); proven by creating one of each here (rolled back at the end).
SET LOCAL ROLE vb_owner;
CREATE FUNCTION vb_api.pgtap_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION vb_ops.pgtap_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION vb.pgtap_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE VIEW vb_report.pgtap_probe AS SELECT 1 AS one;
RESET ROLE;

SELECT ok(NOT has_function_privilege('vb_app', 'vb_api.pgtap_probe()', 'EXECUTE'), 'a new vb_api function is closed to vb_app until its grant is decided');
SELECT ok(NOT has_function_privilege('vb_ops', 'vb_api.pgtap_probe()', 'EXECUTE'), 'vb_ops may not execute a vb_api function');
SELECT ok(has_function_privilege('vb_ops', 'vb_ops.pgtap_probe()', 'EXECUTE'), 'vb_ops may execute a new vb_ops function');
SELECT ok(NOT has_function_privilege('vb_app', 'vb_ops.pgtap_probe()', 'EXECUTE'), 'vb_app may not execute a vb_ops function');
SELECT ok(NOT has_function_privilege('vb_app', 'vb.pgtap_probe()', 'EXECUTE'), 'vb_app may not execute a vb function');
SELECT ok(has_table_privilege('vb_readonly', 'vb_report.pgtap_probe', 'SELECT'), 'vb_readonly may read a new vb_report view');
SELECT ok(NOT has_table_privilege('vb_readonly', 'vb_report.pgtap_probe', 'INSERT'), 'vb_readonly may not write a vb_report view');

SET LOCAL ROLE vb_app;
SELECT throws_ok('SELECT vb.pgtap_probe()', '42501', NULL, 'vb_app is refused the vb schema at run time');
RESET ROLE;

-- advisory locks elect the relay and serialise deploys and passes: the middleware may not take them
SELECT ok(NOT has_function_privilege('vb_app', 'pg_try_advisory_lock(bigint)', 'EXECUTE'), 'vb_app may not take a session advisory lock (the relay''s key)');
SELECT ok(NOT has_function_privilege('vb_app', 'pg_advisory_xact_lock(bigint)', 'EXECUTE'), 'nor a transaction advisory lock');
SELECT ok(
    (SELECT bool_and(has_function_privilege('vb_ops', p.oid, 'EXECUTE') AND has_function_privilege('vb_owner', p.oid, 'EXECUTE')
        AND NOT has_function_privilege('public', p.oid, 'EXECUTE'))
     FROM pg_proc AS p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory\_%'),
    'every advisory lock function: vb_owner and vb_ops may, PUBLIC may not'
);
SET LOCAL ROLE vb_app;
SELECT throws_ok($$SELECT pg_try_advisory_lock(33322290719252857)$$, '42501', NULL, 'as vb_app, taking the relay''s key is refused');
SELECT is(
    vb_api.create_transfer('ad000000-0000-0000-0000-000000000001', 'ad000000-0000-0000-0000-000000000002', 'ad000000-0000-0000-0000-000000000003', 1, 'x'),
    'from_account_not_found', 'while create_transfer, which locks its id as vb_owner, still works'
);
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
