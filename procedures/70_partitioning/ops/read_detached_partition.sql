-- vb_ops.read_detached_partition(p_parent regclass, p_range_from timestamptz) → setof record
--
-- The rows of p_parent's detached partition starting at p_range_from (listed by
-- vb_ops.detached_partitions and not dropped), for its archive: the caller names the parent's
-- columns in a column definition list, e.g.
--   COPY (SELECT * FROM vb_ops.read_detached_partition(p, t) AS r (col type, …)) TO STDOUT
-- which writes the same COPY text as copying the table itself.
-- Raises: VB001 when the period is not detached and undropped, or its table is gone; 42804 when
-- the column definition list does not match the table.
-- Why SECURITY DEFINER: the detached table stays in schema vb, which only the owner uses; the
-- maintenance role (vb_ops) archives it through this without any right on schema vb.
CREATE OR REPLACE FUNCTION vb_ops.read_detached_partition(p_parent regclass, p_range_from timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_table regclass;
BEGIN
    SELECT pg_catalog.to_regclass(d.partition_name) INTO v_table
    FROM vb_ops.detached_partitions() AS d
    WHERE d.parent = p_parent AND d.range_from = p_range_from;
    IF v_table IS NULL THEN
        RAISE EXCEPTION 'no detached, undropped partition of % from %', p_parent, p_range_from
            USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format('SELECT * FROM %s', v_table);
END
$$;
