-- vb.partition_holds_rows(p_partition regclass) → boolean
--
-- Internal. Whether a partition (attached or detached) holds at least one row. An empty
-- partition past its retention has nothing to archive: a maintenance pass drops it without an
-- archive store, and vb_ops.partition_health does not count it as work waiting (a fresh
-- deploy's premade past partitions, an event-log month the relay has pruned). Null for null.
CREATE OR REPLACE FUNCTION vb.partition_holds_rows(p_partition regclass)
RETURNS boolean
LANGUAGE plpgsql
STABLE
STRICT
AS $$
DECLARE
    v_holds_rows boolean;
BEGIN
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s)', p_partition) INTO v_holds_rows;
    RETURN v_holds_rows;
END
$$;
