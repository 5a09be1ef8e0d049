-- vb_ops.premake_partitions(p_parent regclass default null)
--   → table (parent regclass, created integer, rows_moved bigint)
--
-- Creates the missing partitions of every policy table (or only p_parent) from the current
-- period (UTC) through `premake` + 1 periods ahead, moving rows of those ranges out of the
-- default partition. The one spare period keeps `premake` partitions ahead when the period
-- turns before the next pass (a pass a period is enough; vb_ops.partition_health checks it).
-- A period that an existing partition already covers in part is left alone (and shows in
-- vb_ops.partition_health). Safe to run again: it creates only what is missing.
-- Why our own: the product must not depend on pg_partman being installed (Debian ships 4.x).
-- Raises: VB001 when p_parent has no policy.
CREATE OR REPLACE FUNCTION vb_ops.premake_partitions(p_parent regclass DEFAULT NULL)
RETURNS TABLE (parent regclass, created integer, rows_moved bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_policy vb.partition_policies;
    v_step interval;
    v_from timestamptz;
    v_created integer;
    v_moved bigint;
    v_step_moved bigint;
BEGIN
    FOR v_policy IN SELECT * FROM vb.policies_for(p_parent) LOOP
        v_step := ('1 ' || v_policy.period)::interval;
        v_created := 0;
        v_moved := 0;
        FOR v_from IN
            SELECT pg_catalog.generate_series(
                date_trunc(v_policy.period, now() AT TIME ZONE 'UTC'),
                date_trunc(v_policy.period, now() AT TIME ZONE 'UTC') + v_step * (v_policy.premake + 1),
                v_step
            ) AT TIME ZONE 'UTC'
        LOOP
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
                'vb_ops.premake_partitions', jsonb_build_object('parent', v_policy.parent::text),
                jsonb_build_object('created', v_created, 'rows_moved', v_moved)
            );
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
