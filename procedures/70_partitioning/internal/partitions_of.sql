-- vb.partitions_of(p_parent regclass)
--   → table (partition regclass, range_from timestamptz, range_to timestamptz, is_default boolean)
--
-- Internal. The attached partitions of a time-partitioned table with their ranges (null for
-- the default partition), oldest first.
CREATE OR REPLACE FUNCTION vb.partitions_of(p_parent regclass)
RETURNS TABLE (partition regclass, range_from timestamptz, range_to timestamptz, is_default boolean)
LANGUAGE sql
STABLE
AS $$
    SELECT
        b.partition,
        (regexp_match(b.bound, 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
        (regexp_match(b.bound, 'TO \(''([^'']+)''\)'))[1]::timestamptz,
        b.bound = 'DEFAULT'
    FROM (
        SELECT i.inhrelid::regclass AS partition, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_catalog.pg_inherits AS i
        JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
        WHERE i.inhparent = p_parent
    ) AS b
    ORDER BY 2 NULLS LAST;
$$;
