-- vb_ops.chain_audit() → bigint
--
-- The audit trail's sequencer (contract audit.md): links every record of a finished transaction
-- not linked yet into the hash chain — seq, the record's sha256, chain_sha256 = sha256(previous
-- chain_sha256 ‖ record sha256) — in (txid, audit_id) order, and moves the head. Off the write
-- path: writers never wait for it, and it waits for no writer (it takes the head's row lock
-- only; a second caller waits for the first and then finds nothing new).
-- Which records: those with txid at or above the previous call's horizon and below this call's
-- (the xmin of its snapshot: every transaction below it has finished, so its records are all
-- visible now and none can appear later); a record of a transaction still running waits for a
-- later call. Run by `pyvb maintain run` (step chain_audit) and `pyvb audit chain`.
-- Returns: how many records were linked.
CREATE OR REPLACE FUNCTION vb_ops.chain_audit()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head vb.audit_chain_head;
    v_horizon xid8;
    v_record vb.event_audit;
    v_record_sha256 bytea;
    v_seqs bigint [] := '{}';
    v_ids bigint [] := '{}';
    v_times timestamptz [] := '{}';
    v_records bytea [] := '{}';
    v_chains bytea [] := '{}';
BEGIN
    SELECT * INTO v_head FROM vb.audit_chain_head AS h WHERE h.singleton FOR UPDATE;
    v_horizon := pg_snapshot_xmin(pg_current_snapshot());
    FOR v_record IN
        SELECT a.* FROM vb.event_audit AS a
        WHERE a.txid >= v_head.horizon_txid AND a.txid < v_horizon
        ORDER BY a.txid, a.audit_id
    LOOP
        v_record_sha256 := vb.audit_record_sha256(v_record);
        v_head.seq := v_head.seq + 1;
        v_head.chain_sha256 := sha256(v_head.chain_sha256 || v_record_sha256);
        v_seqs := v_seqs || v_head.seq;
        v_ids := v_ids || v_record.audit_id;
        v_times := v_times || v_record.recorded_at;
        v_records := v_records || v_record_sha256;
        v_chains := v_chains || v_head.chain_sha256;
    END LOOP;
    INSERT INTO vb.audit_chain (seq, audit_id, recorded_at, record_sha256, chain_sha256)
    SELECT * FROM unnest(v_seqs, v_ids, v_times, v_records, v_chains);
    UPDATE vb.audit_chain_head AS h
    SET seq = v_head.seq, chain_sha256 = v_head.chain_sha256, horizon_txid = v_horizon, chained_at = now()
    WHERE h.singleton;
    RETURN cardinality(v_seqs);
END
$$;
