-- pyvb: run-as-deployer
-- The role's settings in this database go and PUBLIC gets CONNECT and TEMPORARY back; the role's
-- connection limit stays (other databases of the server may rely on it; a DBA resets it with
-- ALTER ROLE vb_app CONNECTION LIMIT -1).
DO $bounds$
BEGIN
    EXECUTE pg_catalog.format('ALTER ROLE vb_app IN DATABASE %I RESET ALL', pg_catalog.current_database());
    EXECUTE pg_catalog.format(
        'REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM vb_owner, vb_app, vb_ops, vb_readonly',
        pg_catalog.current_database()
    );
    EXECUTE pg_catalog.format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', pg_catalog.current_database());
END
$bounds$;
