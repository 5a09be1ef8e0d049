-- vb_ops.detached_partitions() → table (parent regclass, partition_name text, range_from timestamptz,
--     range_to timestamptz, needs_archive boolean, archived boolean)
--
-- The partitions detached by vb_ops.detach_partition and not dropped yet (one a crashed pass
-- left behind included), oldest first: needs_archive when its policy archives (a parent without
-- a policy any more does) and it holds rows; archived once vb_ops.record_partition_archived
-- recorded its archive. vb_ops.drop_detached_partition drops one.
CREATE OR REPLACE FUNCTION vb_ops.detached_partitions()
RETURNS TABLE (
    parent regclass, partition_name text, range_from timestamptz, range_to timestamptz, needs_archive boolean,
    archived boolean
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ap.parent, ap.partition_name, ap.range_from, ap.range_to,
        coalesce(pp.archive, TRUE)
        AND coalesce(vb.partition_holds_rows(pg_catalog.to_regclass(ap.partition_name)), FALSE),
        ap.archived_at IS NOT NULL
    FROM vb.archived_periods AS ap
    LEFT JOIN vb.partition_policies AS pp ON pp.parent = ap.parent
    WHERE ap.dropped_at IS NULL
    ORDER BY ap.range_from, ap.parent::text;
$$;
