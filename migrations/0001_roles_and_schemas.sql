-- pyvb: run-as-deployer
-- Roles (cluster-wide, created idempotently so a second database in the same
-- cluster deploys too), the four project schemas owned by vb_owner, and the
-- default privileges that keep every future function closed to PUBLIC.
-- This is the only migration that runs as the deploying superuser; every
-- later migration and every repeatable file runs under SET ROLE vb_owner.

DO $roles$
DECLARE
    v_role_name text;
BEGIN
    FOREACH v_role_name IN ARRAY ARRAY['vb_owner', 'vb_app', 'vb_ops', 'vb_readonly'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = v_role_name) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- another database of this cluster created it concurrently
                NULL;
            END;
        END IF;
    END LOOP;
END
$roles$;

CREATE SCHEMA vb AUTHORIZATION vb_owner;
CREATE SCHEMA vb_api AUTHORIZATION vb_owner;
CREATE SCHEMA vb_ops AUTHORIZATION vb_owner;
CREATE SCHEMA vb_report AUTHORIZATION vb_owner;

REVOKE ALL ON SCHEMA vb, vb_api, vb_ops, vb_report FROM public;
GRANT USAGE ON SCHEMA vb_api TO vb_app;
GRANT USAGE ON SCHEMA vb_ops TO vb_ops;
GRANT USAGE ON SCHEMA vb_report TO vb_readonly;

ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner REVOKE EXECUTE ON FUNCTIONS FROM public;
ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner IN SCHEMA vb_api GRANT EXECUTE ON FUNCTIONS TO vb_app;
ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner IN SCHEMA vb_ops GRANT EXECUTE ON FUNCTIONS TO vb_ops;
ALTER DEFAULT PRIVILEGES FOR ROLE vb_owner IN SCHEMA vb_report GRANT SELECT ON TABLES TO vb_readonly;
