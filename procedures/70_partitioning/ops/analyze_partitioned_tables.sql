-- vb_ops.analyze_partitioned_tables() → setof text
--
-- ANALYZE of every partitioned table under a partition policy (the last step of a maintenance
-- pass: partitions made, rows moved and partitions detached change what the planner should
-- know), returning their names in order.
-- Raises: nothing of its own.
-- Why SECURITY DEFINER: ANALYZE needs the table's owner (vb_owner); the maintenance role (vb_ops)
-- only calls this. Not audited: it changes statistics, never data.
CREATE OR REPLACE FUNCTION vb_ops.analyze_partitioned_tables()
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_parent regclass;
BEGIN
    FOR v_parent IN
        SELECT p.parent FROM vb.partition_policies AS p ORDER BY p.parent::text
    LOOP
        EXECUTE pg_catalog.format('ANALYZE %s', v_parent);
        RETURN NEXT v_parent::text;
    END LOOP;
END
$$;
