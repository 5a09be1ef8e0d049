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
BEGIN
    SELECT * INTO v_head FROM vb.audit_chain_head AS h WHERE h.singleton;
    FOR v_link IN
        SELECT c.seq, c.audit_id, c.record_sha256, c.chain_sha256, a AS record
        FROM vb.audit_chain AS c
        LEFT JOIN vb.event_audit AS a ON a.audit_id = c.audit_id AND a.recorded_at = c.recorded_at
        ORDER BY c.seq
    LOOP
        IF v_link.seq <> v_expected_seq THEN
            v_broken := format('links %s to %s are missing: their records were deleted', v_expected_seq, v_link.seq - 1);
        ELSIF (v_link.record).audit_id IS NULL THEN
            v_broken := format('audit record %s (link %s) was deleted', v_link.audit_id, v_link.seq);
        ELSIF vb.audit_record_sha256(v_link.record) <> v_link.record_sha256 THEN
            v_broken := format('audit record %s (link %s) was edited', v_link.audit_id, v_link.seq);
        ELSIF sha256(v_chain || v_link.record_sha256) <> v_link.chain_sha256 THEN
            v_broken := format('link %s (audit record %s) was altered', v_link.seq, v_link.audit_id);
        END IF;
        EXIT WHEN v_broken IS NOT NULL;
        v_chain := v_link.chain_sha256;
        v_last_seq := v_link.seq;
        v_expected_seq := v_link.seq + 1;
    END LOOP;
    check_name := 'chain';
    ok := v_broken IS NULL;
    detail := coalesce(v_broken, format('%s links intact', v_last_seq));
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
        AND NOT EXISTS (SELECT FROM vb.audit_chain AS c WHERE c.audit_id = a.audit_id);
    check_name := 'all_chained';
    ok := v_stray IS NULL;
    detail := CASE WHEN v_stray IS NULL THEN 'every record the chain has passed is in it'
        ELSE format('audit record %s is not in the chain: inserted after its transaction was chained', v_stray) END;
    RETURN NEXT;
END
$$;
