-- vb.make_partition(p_parent regclass, p_from timestamptz) → bigint
--
-- Internal. The partition of p_parent's period (its policy: a UTC day or month) starting at
-- p_from. Unless an attached partition already overlaps that range (then it returns null and
-- changes nothing), creates it, named <table>_p<YYYYMM> (monthly) or _p<YYYYMMDD> (daily). Rows of that range waiting in the default partition are moved into
-- it in the same transaction (PostgreSQL refuses the new partition otherwise): they are
-- deleted from the default partition into a temporary table, the partition is created, and
-- they are inserted back through the parent. The append-only guard lets this one move through
-- (vb.partition_maintenance is set for the transaction only).
-- Returns: how many rows moved out of the default partition; null when skipped.
CREATE OR REPLACE FUNCTION vb.make_partition(p_parent regclass, p_from timestamptz)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_column name := vb.partition_key_column(p_parent);
    v_policy vb.partition_policies;
    v_to timestamptz;
    v_default regclass;
    v_name text;
    v_moved bigint := 0;
BEGIN
    SELECT * INTO STRICT v_policy FROM vb.partition_policies AS pp WHERE pp.parent = p_parent;
    v_to := (p_from AT TIME ZONE 'UTC' + ('1 ' || v_policy.period)::interval) AT TIME ZONE 'UTC';
    IF EXISTS (
        SELECT FROM vb.partitions_of(p_parent) AS p WHERE NOT p.is_default AND p.range_from < v_to AND p.range_to > p_from
    ) THEN
        RETURN NULL;
    END IF;
    SELECT p.partition INTO v_default FROM vb.partitions_of(p_parent) AS p WHERE p.is_default;
    v_name := pg_catalog.format(
        '%s_p%s',
        (SELECT c.relname FROM pg_catalog.pg_class AS c WHERE c.oid = p_parent),
        pg_catalog.to_char(p_from AT TIME ZONE 'UTC', CASE v_policy.period WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END)
    );
    IF v_default IS NOT NULL THEN
        PERFORM pg_catalog.set_config('vb.partition_maintenance', 'on', true);
        EXECUTE pg_catalog.format(
            'CREATE TEMPORARY TABLE pg_temp.vb_moving ON COMMIT DROP AS
             WITH moved AS (DELETE FROM %s WHERE %I >= %L AND %I < %L RETURNING *) SELECT * FROM moved',
            v_default, v_column, p_from, v_column, v_to
        );
        GET DIAGNOSTICS v_moved = ROW_COUNT;
    END IF;
    EXECUTE pg_catalog.format(
        'CREATE TABLE vb.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)', v_name, p_parent, p_from, v_to
    );
    IF v_policy.queue THEN
        EXECUTE pg_catalog.format(
            'ALTER TABLE vb.%I SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,'
            ' autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000)',
            v_name
        );
    END IF;
    IF v_default IS NOT NULL THEN
        IF v_moved > 0 THEN
            EXECUTE pg_catalog.format('INSERT INTO %s OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.vb_moving', p_parent);
        END IF;
        DROP TABLE pg_temp.vb_moving;
        PERFORM pg_catalog.set_config('vb.partition_maintenance', 'off', true);
    END IF;
    RETURN v_moved;
END
$$;
