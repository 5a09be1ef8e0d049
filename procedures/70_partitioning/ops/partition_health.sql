-- vb_ops.partition_health()
--   → table (parent text, period text, partitions integer, ahead integer, premake integer,
--            default_rows bigint, oldest_from timestamptz, newest_to timestamptz,
--            detachable integer, retention interval, ok boolean, detail text)
--
-- One row per policy table: attached partitions, how many periods exist ahead of the current
-- one, rows waiting in the default partition, the oldest and newest attached range, how many
-- partitions retention would detach now. ok is false when fewer partitions are ahead than the
-- policy asks, when the default partition holds rows, or when retention has work waiting:
-- partitions past retention that hold rows (to archive, which needs an archive store). Empty
-- partitions past retention are not work waiting: any pass drops them, with or without a
-- store; detail mentions them. For `pyvb maintain status` (which exits 1 on any false).
CREATE OR REPLACE FUNCTION vb_ops.partition_health()
RETURNS TABLE (
    parent text, period text, partitions integer, ahead integer, premake integer, default_rows bigint,
    oldest_from timestamptz, newest_to timestamptz, detachable integer, retention interval, ok boolean, detail text
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_policy vb.partition_policies;
    v_default regclass;
    v_problems text[];
    v_empty_due integer;
BEGIN
    FOR v_policy IN SELECT * FROM vb.partition_policies AS pp ORDER BY pp.parent::text LOOP
        parent := v_policy.parent::text;
        period := v_policy.period;
        premake := v_policy.premake;
        retention := v_policy.retention;
        SELECT count(*) FILTER (WHERE NOT p.is_default),
            count(*) FILTER (WHERE NOT p.is_default AND p.range_from > now()),
            min(p.range_from), max(p.range_to)
        INTO partitions, ahead, oldest_from, newest_to
        FROM vb.partitions_of(v_policy.parent) AS p;
        SELECT p.partition INTO v_default FROM vb.partitions_of(v_policy.parent) AS p WHERE p.is_default;
        default_rows := 0;
        IF v_default IS NOT NULL THEN
            EXECUTE pg_catalog.format('SELECT count(*) FROM %s', v_default) INTO default_rows;
        END IF;
        SELECT count(*), count(*) FILTER (WHERE NOT vb.partition_holds_rows(d.partition))
        INTO detachable, v_empty_due
        FROM vb_ops.detachable_partitions() AS d WHERE d.parent = v_policy.parent;
        v_problems := '{}';
        IF ahead < v_policy.premake THEN
            v_problems := v_problems || pg_catalog.format('%s of %s partitions ahead', ahead, v_policy.premake);
        END IF;
        IF default_rows > 0 THEN
            v_problems := v_problems || pg_catalog.format('%s rows in the default partition', default_rows);
        END IF;
        IF detachable > v_empty_due THEN
            v_problems := v_problems || pg_catalog.format('%s partitions past retention', detachable - v_empty_due);
        END IF;
        ok := cardinality(v_problems) = 0;
        detail := CASE WHEN ok THEN 'ok' ELSE array_to_string(v_problems, '; ') END;
        IF v_empty_due > 0 THEN
            detail := detail || pg_catalog.format('; %s empty partitions past retention (the next pass drops them)', v_empty_due);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
