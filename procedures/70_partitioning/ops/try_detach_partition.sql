-- vb_ops.try_detach_partition(p_partition regclass, p_lock_timeout_ms integer) → boolean
--
-- One attempt of vb_ops.detach_partition: with lock_timeout set for this transaction, detach the
-- partition (if vb_ops.detachable_partitions lists it) and record it in vb.archived_periods.
-- Returns: true when detached, false when the parent's lock could not be had in time.
-- Raises: VB001 when the partition is not detachable now.
CREATE OR REPLACE FUNCTION vb_ops.try_detach_partition(p_partition regclass, p_lock_timeout_ms integer)
RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_target record;
BEGIN
    SELECT * INTO v_target FROM vb_ops.detachable_partitions() AS d WHERE d.partition = p_partition;
    IF NOT found THEN
        RAISE EXCEPTION '% is not a partition past its retention', p_partition USING ERRCODE = 'VB001';
    END IF;
    PERFORM pg_catalog.set_config('lock_timeout', greatest(coalesce(p_lock_timeout_ms, 100), 1)::text, true);
    BEGIN
        EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', v_target.parent, p_partition);
    EXCEPTION WHEN lock_not_available THEN
        RETURN false;
    END;
    PERFORM pg_catalog.set_config('lock_timeout', '0', true);
    INSERT INTO vb.archived_periods (parent, range_from, range_to, partition_name)
    VALUES (v_target.parent, v_target.range_from, v_target.range_to, p_partition::text)
    ON CONFLICT (parent, range_from) DO UPDATE SET partition_name = excluded.partition_name, detached_at = now();
    PERFORM vb.audit(
        'vb_ops.try_detach_partition', jsonb_build_object('partition', p_partition::text),
        jsonb_build_object('status', 'detached', 'parent', v_target.parent::text, 'range_from', v_target.range_from)
    );
    RETURN true;
END
$$;
