-- vb_ops.try_detach_partition(p_partition regclass, p_lock_timeout_ms integer) → boolean
--
-- One attempt of vb_ops.detach_partition: with lock_timeout set for this transaction, detach the
-- partition (if vb_ops.detachable_partitions lists it) and record it in vb.archived_periods.
-- The audit trail's periods (vb.event_audit, vb.audit_chain) leave only once every record of the
-- period is linked into the chain (vb_ops.chain_audit), and a chain period leaves a closing hash
-- (vb.audit_chain_closings) for each of its links whose next link stays, so vb_ops.verify_audit
-- resumes across the cut.
-- Returns: true when detached, false when the parent's lock could not be had in time.
-- Raises: VB001 when the partition is not detachable now, or is an audit period with records not
-- linked yet.
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
    IF v_target.parent IN ('vb.event_audit'::regclass, 'vb.audit_chain'::regclass) AND EXISTS (
        SELECT FROM vb.event_audit AS a, vb.audit_chain_head AS h
        WHERE a.recorded_at >= v_target.range_from AND a.recorded_at < v_target.range_to AND a.txid >= h.horizon_txid
    ) THEN
        RAISE EXCEPTION 'audit records of % are not linked into the chain yet: run vb_ops.chain_audit first', p_partition
            USING ERRCODE = 'VB001';
    END IF;
    PERFORM pg_catalog.set_config('lock_timeout', greatest(coalesce(p_lock_timeout_ms, 100), 1)::text, true);
    BEGIN
        EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', v_target.parent, p_partition);
    EXCEPTION WHEN lock_not_available THEN
        RETURN false;
    END;
    PERFORM pg_catalog.set_config('lock_timeout', '0', true);
    IF v_target.parent = 'vb.audit_chain'::regclass THEN
        EXECUTE pg_catalog.format(
            'INSERT INTO vb.audit_chain_closings (seq, chain_sha256, archived_range_from, archived_range_to)
             SELECT c.seq, c.chain_sha256, $1, $2 FROM %1$s AS c
             WHERE NOT EXISTS (SELECT FROM %1$s AS n WHERE n.seq = c.seq + 1)
             ON CONFLICT (seq) DO NOTHING',
            p_partition
        ) USING v_target.range_from, v_target.range_to;
    END IF;
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
