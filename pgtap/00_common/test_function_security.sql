-- Every SECURITY DEFINER function pins search_path; no project function is executable by
-- PUBLIC; vb_app cannot read any vb table.
BEGIN;
SELECT plan(3);

SELECT is_empty(
    $$
    SELECT p.oid::regprocedure::text
    FROM pg_catalog.pg_proc AS p
    JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
      AND p.prosecdef
      AND NOT EXISTS (
          SELECT FROM unnest(coalesce(p.proconfig, '{}')) AS c (setting)
          WHERE c.setting LIKE 'search\_path=%'
      )
    $$,
    'every SECURITY DEFINER function pins search_path'
);

SELECT is_empty(
    $$
    SELECT p.oid::regprocedure::text
    FROM pg_catalog.pg_proc AS p
    JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
      AND (
          p.proacl IS NULL
          OR EXISTS (
              SELECT FROM aclexplode(p.proacl) AS a
              WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'
          )
      )
    $$,
    'no function in the project schemas is executable by PUBLIC'
);

SELECT is_empty(
    $$
    SELECT c.oid::regclass::text
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = 'vb'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND (
          has_table_privilege('vb_app', c.oid, 'SELECT')
          OR has_table_privilege('vb_app', c.oid, 'INSERT')
          OR has_table_privilege('vb_app', c.oid, 'UPDATE')
          OR has_table_privilege('vb_app', c.oid, 'DELETE')
      )
    $$,
    'vb_app has no privilege on any vb table'
);

SELECT * FROM finish();
ROLLBACK;
