-- vb_ops.verify_audit() → table (check_name text, ok boolean, detail text)
--
-- Checks the audit trail against its hash chain (contract audit.md), like verify_ledger does the
-- ledger; each check names the first broken record:
--   chain        walking the links from 1: no link missing (records deleted with their links), each
--                link's record present (deleted) and unchanged (edited: its sha256 recomputed),
--                each chain hash the sha256 of the previous one and the record's (links altered)
--   head         the last link is the head kept apart in vb.audit_chain_head (the tail cut off)
--   all_chained  no record of a transaction the chain has passed is missing from it (inserted
--                afterwards, with an old transaction id)
-- Across archived periods: links that left with their period (vb_ops.try_detach_partition) are
-- skipped only where vb.audit_chain_closings holds the chain hash of the link before the next one
-- present (the walk resumes from it); a record whose period of vb.event_audit was detached is
-- not recomputed (its link still counts in the chain), and a record whose link's period was
-- detached is not looked for in the chain. Anything else missing is reported as before.
-- Records of transactions vb_ops.chain_audit has not reached yet are not covered (the detail of
-- 'head' says how many wait; a transaction left open holds the chain back: chain_audit links
-- only what every transaction older than the oldest running one wrote). Read-only: run it on a
-- replica or from `pyvb audit verify`.
CREATE OR REPLACE FUNCTION vb_ops.verify_audit()
RETURNS TABLE (check_name text, ok boolean, detail text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_head vb.audit_chain_head;
    v_link record;
    v_expected_seq bigint := 1;
    v_chain bytea := decode(repeat('00', 32), 'hex');
    v_broken text;
    v_last_seq bigint := 0;
    v_stray bigint;
    v_waiting bigint;
    v_closing bytea;
    v_archived bigint := 0;
BEGIN
    SELECT * INTO v_head FROM vb.audit_chain_head AS h WHERE h.singleton;
    FOR v_link IN
        SELECT c.seq, c.audit_id, c.recorded_at, c.record_sha256, c.chain_sha256, a AS record
        FROM vb.audit_chain AS c
        LEFT JOIN vb.event_audit AS a ON a.audit_id = c.audit_id AND a.recorded_at = c.recorded_at
        ORDER BY c.seq
    LOOP
        IF v_link.seq <> v_expected_seq THEN
            v_closing := (SELECT cl.chain_sha256 FROM vb.audit_chain_closings AS cl WHERE cl.seq = v_link.seq - 1);
            IF v_closing IS NULL THEN
                v_broken := format('links %s to %s are missing: their records were deleted', v_expected_seq, v_link.seq - 1);
                EXIT;
            END IF;
            v_archived := v_archived + (v_link.seq - v_expected_seq);
            v_chain := v_closing;
        END IF;
        IF (v_link.record).audit_id IS NULL AND NOT vb.audit_period_archived('vb.event_audit', v_link.recorded_at) THEN
            v_broken := format('audit record %s (link %s) was deleted', v_link.audit_id, v_link.seq);
        ELSIF (v_link.record).audit_id IS NOT NULL AND vb.audit_record_sha256(v_link.record) <> v_link.record_sha256 THEN
            v_broken := format('audit record %s (link %s) was edited', v_link.audit_id, v_link.seq);
        ELSIF sha256(v_chain || v_link.record_sha256) <> v_link.chain_sha256 THEN
            v_broken := format('link %s (audit record %s) was altered', v_link.seq, v_link.audit_id);
        END IF;
        EXIT WHEN v_broken IS NOT NULL;
        v_chain := v_link.chain_sha256;
        v_last_seq := v_link.seq;
        v_expected_seq := v_link.seq + 1;
    END LOOP;
    -- the head's own link archived (every later link too): the closing kept there
    IF v_broken IS NULL AND v_head.seq > v_last_seq THEN
        v_closing := (SELECT cl.chain_sha256 FROM vb.audit_chain_closings AS cl WHERE cl.seq = v_head.seq);
        IF v_closing IS NOT NULL THEN
            v_archived := v_archived + (v_head.seq - v_last_seq);
            v_chain := v_closing;
            v_last_seq := v_head.seq;
        END IF;
    END IF;
    check_name := 'chain';
    ok := v_broken IS NULL;
    detail := coalesce(v_broken, format('%s links intact', v_last_seq)
        || CASE WHEN v_archived > 0 THEN format(' (%s archived, resumed from closing hashes)', v_archived) ELSE '' END);
    RETURN NEXT;

    SELECT count(*) INTO v_waiting FROM vb.event_audit AS a WHERE a.txid >= v_head.horizon_txid;
    check_name := 'head';
    ok := v_head.singleton AND (v_broken IS NOT NULL OR (v_head.seq = v_last_seq AND v_head.chain_sha256 = v_chain));
    detail := CASE
        WHEN v_head.singleton IS NULL THEN 'the head is missing'
        WHEN v_broken IS NOT NULL THEN 'not checked: the chain is broken'
        WHEN v_head.seq > v_last_seq THEN format('the chain ends at link %s but its head is link %s: the tail was cut off',
            v_last_seq, v_head.seq)
        WHEN NOT ok THEN format('the head (link %s) does not match the chain', v_head.seq)
        ELSE format('head at link %s; %s record(s) wait for chain_audit', v_head.seq, v_waiting)
    END;
    RETURN NEXT;

    SELECT min(a.audit_id) INTO v_stray
    FROM vb.event_audit AS a
    WHERE (a.txid < v_head.horizon_txid OR v_head.singleton IS NULL)
        AND NOT EXISTS (SELECT FROM vb.audit_chain AS c WHERE c.audit_id = a.audit_id AND c.recorded_at = a.recorded_at)
        AND NOT vb.audit_period_archived('vb.audit_chain', a.recorded_at);
    check_name := 'all_chained';
    ok := v_stray IS NULL;
    detail := CASE WHEN v_stray IS NULL THEN 'every record the chain has passed is in it'
        ELSE format('audit record %s is not in the chain: inserted after its transaction was chained', v_stray) END;
    RETURN NEXT;
END
$$;
