-- vb.partition_key_column(p_parent regclass) → name
--
-- Internal. The column a range-partitioned table is partitioned by (one column, by design).
CREATE OR REPLACE FUNCTION vb.partition_key_column(p_parent regclass)
RETURNS name
LANGUAGE sql
STABLE
AS $$
    SELECT a.attname
    FROM pg_catalog.pg_partitioned_table AS p
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
    WHERE p.partrelid = p_parent;
$$;
