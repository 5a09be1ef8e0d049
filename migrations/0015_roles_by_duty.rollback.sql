-- pyvb: run-as-deployer
DROP FUNCTION IF EXISTS vb.check_transfer(
    vb_api.transfer_request, text, uuid, uuid, text, bigint, bigint, bigint, text, bigint, bigint, text, uuid, uuid,
    bigint, timestamptz, timestamptz, boolean
);
DROP FUNCTION IF EXISTS vb.caller_is_admin();
DROP FUNCTION IF EXISTS vb.open_account(uuid, text, uuid, text, bigint, jsonb);
-- vb_app gets every vb_api function again, by default and now; vb_admin and vb_feed lose this
-- database (the roles stay: they are cluster-wide, other databases may use them).
ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner IN SCHEMA vb_api GRANT EXECUTE ON FUNCTIONS TO vb_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA vb_api TO vb_app;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA vb_api FROM vb_admin, vb_feed;
REVOKE USAGE ON SCHEMA vb_api FROM vb_admin, vb_feed;
DO $roles$
BEGIN
    EXECUTE pg_catalog.format('REVOKE CONNECT ON DATABASE %I FROM vb_admin, vb_feed', pg_catalog.current_database());
END
$roles$;
