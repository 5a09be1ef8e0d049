-- Schemas and roles exist, and vb_owner owns the project's schemas.
BEGIN;
SELECT plan(13);

SELECT has_schema('vb', 'schema vb exists');
SELECT has_schema('vb_api', 'schema vb_api exists');
SELECT has_schema('vb_ops', 'schema vb_ops exists');
SELECT has_schema('vb_report', 'schema vb_report exists');

SELECT has_role('vb_owner', 'role vb_owner exists');
SELECT has_role('vb_app', 'role vb_app exists');
SELECT has_role('vb_ops', 'role vb_ops exists');
SELECT has_role('vb_readonly', 'role vb_readonly exists');

SELECT ok(NOT rolcanlogin, 'vb_owner cannot log in') FROM pg_catalog.pg_roles WHERE rolname = 'vb_owner';

SELECT schema_owner_is('vb', 'vb_owner', 'vb is owned by vb_owner');
SELECT schema_owner_is('vb_api', 'vb_owner', 'vb_api is owned by vb_owner');
SELECT schema_owner_is('vb_ops', 'vb_owner', 'vb_ops is owned by vb_owner');
SELECT schema_owner_is('vb_report', 'vb_owner', 'vb_report is owned by vb_owner');

SELECT * FROM finish();
ROLLBACK;
