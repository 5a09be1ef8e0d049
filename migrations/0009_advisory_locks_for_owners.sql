-- pyvb: run-as-deployer
-- Advisory locks elect the relay and serialise deploys and maintenance passes. Any role could
-- take their keys (PUBLIC may execute the pg_advisory_* functions), so the middleware's role
-- could hold the relay's key and keep every relay on standby. In this database only the owner
-- of the product's objects (its SECURITY DEFINER functions take per-id locks as vb_owner) and
-- vb_ops (the relay and maintenance) may use them; superusers keep them as always.
-- Runs as the deploying superuser: the functions belong to the bootstrap superuser.
DO $grants$
DECLARE
    v_function regprocedure;
BEGIN
    FOR v_function IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname LIKE 'pg\_%advisory\_%'
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_function);
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO vb_owner, vb_ops', v_function);
    END LOOP;
END
$grants$;
