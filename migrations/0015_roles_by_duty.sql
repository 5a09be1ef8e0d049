-- pyvb: run-as-deployer
-- Database roles by duty (contract identity.md): vb_admin for the back office (reference data,
-- money and share creation, limits, trading states, user status and roles; also a member of
-- vb_app: the back office may do whatever the middleware does) and vb_feed for the market data
-- feed (ingest_quotes only). A vb_api function is no longer open to vb_app by default: each one's
-- grant is decided in procedures/99_access/grants/api_grants.sql, whose deploy fails for a
-- function without a decision. Runs as the deploying superuser: creating roles and altering
-- default privileges need it. Roles are cluster-wide and created idempotently (as in 0001).
DO $roles$
DECLARE
    v_role_name text;
BEGIN
    FOREACH v_role_name IN ARRAY ARRAY['vb_admin', 'vb_feed'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = v_role_name) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- another database of this cluster created it concurrently
                NULL;
            END;
        END IF;
    END LOOP;
    EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO vb_admin, vb_feed', pg_catalog.current_database());
END
$roles$;

GRANT vb_app TO vb_admin;
GRANT USAGE ON SCHEMA vb_api TO vb_admin, vb_feed;
ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner IN SCHEMA vb_api REVOKE EXECUTE ON FUNCTIONS FROM vb_app;

-- vb.check_transfer takes whether the caller may debit the from account (not_permitted); the
-- repeatable file defines it again.
DROP FUNCTION IF EXISTS vb.check_transfer(
    vb_api.transfer_request, text, uuid, uuid, text, bigint, bigint, bigint, text, bigint, bigint, text, uuid, uuid,
    bigint, timestamptz, timestamptz
);
