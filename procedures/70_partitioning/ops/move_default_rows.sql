-- vb_ops.move_default_rows(p_parent regclass default null)
--   → table (parent regclass, created integer, rows_moved bigint, rows_left bigint)
--
-- Rows dated where no partition exists land in a table's default partition (far ahead, far
-- behind). For every policy table (or only p_parent), creates the partition of each period
-- that has such rows and moves them there (vb.make_partition). A period that an existing
-- partition covers in part cannot get a regular partition; its rows stay and are counted in
-- rows_left (and flagged by vb_ops.partition_health).
-- Raises: VB001 when p_parent has no policy.
CREATE OR REPLACE FUNCTION vb_ops.move_default_rows(p_parent regclass DEFAULT NULL)
RETURNS TABLE (parent regclass, created integer, rows_moved bigint, rows_left bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_policy vb.partition_policies;
    v_default regclass;
    v_from timestamptz;
    v_created integer;
    v_moved bigint;
    v_step_moved bigint;
BEGIN
    FOR v_policy IN SELECT * FROM vb.policies_for(p_parent) LOOP
        SELECT p.partition INTO v_default FROM vb.partitions_of(v_policy.parent) AS p WHERE p.is_default;
        CONTINUE WHEN v_default IS NULL;
        v_created := 0;
        v_moved := 0;
        FOR v_from IN EXECUTE pg_catalog.format(
            'SELECT DISTINCT date_trunc(%L, %I AT TIME ZONE ''UTC'') AT TIME ZONE ''UTC'' FROM %s ORDER BY 1',
            v_policy.period, vb.partition_key_column(v_policy.parent), v_default
        ) LOOP
            v_step_moved := vb.make_partition(v_policy.parent, v_from);
            CONTINUE WHEN v_step_moved IS NULL;
            v_moved := v_moved + v_step_moved;
            v_created := v_created + 1;
        END LOOP;
        parent := v_policy.parent;
        created := v_created;
        rows_moved := v_moved;
        IF v_created > 0 OR v_moved > 0 THEN
            PERFORM vb.audit(
                'vb_ops.move_default_rows', jsonb_build_object('parent', v_policy.parent::text),
                jsonb_build_object('created', v_created, 'rows_moved', v_moved)
            );
        END IF;
        EXECUTE pg_catalog.format('SELECT count(*) FROM %s', v_default) INTO rows_left;
        RETURN NEXT;
    END LOOP;
END
$$;
