-- vb_ops.drop_detached_partition(p_parent regclass, p_range_from timestamptz) → text
--
-- Drops the detached partition of p_parent starting at p_range_from (listed by
-- vb_ops.detached_partitions) and records when. The archive rule lives here: a partition that
-- needs an archive (its policy archives and it holds rows) is dropped only once
-- vb_ops.record_partition_archived recorded its archive. Returns the partition's name.
-- Raises: VB001 when the period is not detached and undropped; VB004 when it needs an archive
-- that was not recorded (nothing is dropped).
-- Why SECURITY DEFINER: the partitions belong to vb_owner; the maintenance role only calls this.
CREATE OR REPLACE FUNCTION vb_ops.drop_detached_partition(p_parent regclass, p_range_from timestamptz)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_period record;
BEGIN
    SELECT * INTO v_period FROM vb_ops.detached_partitions() AS d
    WHERE d.parent = p_parent AND d.range_from = p_range_from;
    IF NOT found THEN
        RAISE EXCEPTION 'no detached, undropped partition of % from %', p_parent, p_range_from
            USING ERRCODE = 'VB001';
    END IF;
    IF v_period.needs_archive AND NOT v_period.archived THEN
        RAISE EXCEPTION '% holds rows and its policy archives: record its archive before dropping it',
            v_period.partition_name USING ERRCODE = 'VB004';
    END IF;
    IF pg_catalog.to_regclass(v_period.partition_name) IS NOT NULL THEN
        EXECUTE pg_catalog.format('DROP TABLE %s', pg_catalog.to_regclass(v_period.partition_name));
    END IF;
    UPDATE vb.archived_periods AS ap SET dropped_at = now()
    WHERE ap.parent = p_parent AND ap.range_from = p_range_from;
    PERFORM vb.audit(
        'vb_ops.drop_detached_partition', jsonb_build_object('parent', p_parent::text, 'range_from', p_range_from),
        jsonb_build_object('status', 'dropped', 'partition', v_period.partition_name, 'archived', v_period.archived)
    );
    RETURN v_period.partition_name;
END
$$;
