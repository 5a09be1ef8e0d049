-- CALL vb_ops.detach_partition(p_partition regclass, p_lock_timeout_ms integer default 100,
--                              p_attempts integer default 50)
--
-- Detaches one partition named by vb_ops.detachable_partitions from its parent and records it
-- in vb.archived_periods (for ledger entries, after recording the closing balances at its upper
-- bound; for the audit trail, after linking every finished transaction's records into the chain,
-- so none leaves unlinked). DETACH takes an ACCESS EXCLUSIVE lock on the parent for a moment; each attempt
-- (vb_ops.try_detach_partition) runs with a short lock_timeout in its own transaction and, when
-- the lock is busy, the procedure sleeps (growing from 10 ms) and tries again, so writers never
-- queue behind it for longer than the timeout. (DETACH … CONCURRENTLY is not allowed while a
-- table has a default partition, nor inside a procedure.)
-- Not SECURITY DEFINER and no SET clause: PostgreSQL allows COMMIT only in procedures without
-- them; the work is done by the SECURITY DEFINER functions it calls, and every name is
-- schema-qualified. Call it outside a transaction block.
-- Raises: VB001 when the partition is not detachable now; 55P03 when every attempt timed out.
CREATE OR REPLACE PROCEDURE vb_ops.detach_partition(
    p_partition regclass, p_lock_timeout_ms integer DEFAULT 100, p_attempts integer DEFAULT 50
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_parent text;  -- by name from the catalog: a cast like 'vb.entries'::regclass needs rights on schema vb
    v_range_to timestamptz;
BEGIN
    SELECT n.nspname || '.' || c.relname, d.range_to INTO v_parent, v_range_to
    FROM vb_ops.detachable_partitions() AS d
    JOIN pg_catalog.pg_class AS c ON c.oid = d.parent
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    WHERE d.partition = p_partition;
    IF v_parent IS NULL THEN
        RAISE EXCEPTION '% is not a partition past its retention', p_partition USING ERRCODE = 'VB001';
    END IF;
    IF v_parent = 'vb.entries' THEN
        PERFORM vb_ops.record_closing_balances(v_range_to);
        COMMIT;
    ELSIF v_parent IN ('vb.event_audit', 'vb.audit_chain') THEN
        PERFORM vb_ops.chain_audit();
        COMMIT;
    END IF;
    FOR v_attempt IN 1..greatest(p_attempts, 1) LOOP
        IF vb_ops.try_detach_partition(p_partition, p_lock_timeout_ms) THEN
            COMMIT;
            RETURN;
        END IF;
        ROLLBACK;
        PERFORM pg_catalog.pg_sleep(least(0.01 * v_attempt, 0.5));
    END LOOP;
    RAISE EXCEPTION 'could not lock the parent of % within % attempts of % ms', p_partition, p_attempts, p_lock_timeout_ms
        USING ERRCODE = '55P03';
END
$$;
