-- pyvb: run-as-deployer
-- Bounds on what one session of the middleware's role can hold (README, "Limits"): a statement
-- runs at most 10 s, waits for a lock at most 5 s, and a transaction left idle is ended after
-- 30 s, so no caller holds rows, locks or a snapshot for ever. Set for this database only (ALTER
-- ROLE … IN DATABASE), for sessions that log in as vb_app; a DBA overrides them the same way.
-- The role's connection limit (a cluster-wide setting) keeps a quarter of the server's
-- connections for operators, the relay and maintenance; it is set only when none was chosen.
-- The database itself: PUBLIC loses CONNECT and TEMPORARY (any role of the server could connect,
-- and create temporary objects as the middleware); the product's roles get CONNECT, and nobody
-- TEMPORARY but the owner, whose maintenance functions stage rows in one (a login role that is a
-- member of one of them connects through it).
-- Runs as the deploying superuser: altering a role or the database needs it.
DO $bounds$
BEGIN
    EXECUTE pg_catalog.format(
        'ALTER ROLE vb_app IN DATABASE %I SET statement_timeout = %L', pg_catalog.current_database(), '10s'
    );
    EXECUTE pg_catalog.format(
        'ALTER ROLE vb_app IN DATABASE %I SET lock_timeout = %L', pg_catalog.current_database(), '5s'
    );
    EXECUTE pg_catalog.format(
        'ALTER ROLE vb_app IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
        pg_catalog.current_database(), '30s'
    );
    EXECUTE pg_catalog.format(
        'REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', pg_catalog.current_database()
    );
    EXECUTE pg_catalog.format(
        'GRANT CONNECT ON DATABASE %I TO vb_owner, vb_app, vb_ops, vb_readonly', pg_catalog.current_database()
    );
    -- the owner's maintenance functions stage rows in a temporary table (vb.make_partition)
    EXECUTE pg_catalog.format('GRANT TEMPORARY ON DATABASE %I TO vb_owner', pg_catalog.current_database());
    IF (SELECT r.rolconnlimit FROM pg_catalog.pg_roles AS r WHERE r.rolname = 'vb_app') = -1 THEN
        EXECUTE pg_catalog.format(
            'ALTER ROLE vb_app CONNECTION LIMIT %s',
            greatest(1, pg_catalog.current_setting('max_connections')::integer * 3 / 4)
        );
    END IF;
END
$bounds$;
