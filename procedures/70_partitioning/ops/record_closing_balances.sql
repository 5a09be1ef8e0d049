-- vb_ops.record_closing_balances(p_boundary timestamptz) → integer
--
-- Before ledger entries dated before p_boundary leave the database, records each account's
-- balance and version after its last such entry, at p_boundary. Only accounts with entries still
-- attached before the boundary get a row (older periods have their own). Deferred accounts are
-- folded first, so no movement dated before the boundary is still queued. Idempotent.
-- Returns: how many closing balances were recorded.
-- Why: balance_at, account_entries and verify_ledger start from these once entries are archived.
-- Raises: VB001 when p_boundary is null or not in the past.
CREATE OR REPLACE FUNCTION vb_ops.record_closing_balances(p_boundary timestamptz)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_account_id uuid;
    v_recorded integer;
BEGIN
    IF p_boundary IS NULL OR p_boundary > now() THEN
        RAISE EXCEPTION 'p_boundary must be a past time' USING ERRCODE = 'VB001';
    END IF;
    FOR v_account_id IN
        SELECT DISTINCT u.account_id FROM vb.unfolded_entries AS u WHERE u.created_at < p_boundary ORDER BY 1
    LOOP
        PERFORM vb.fold_account(v_account_id);
    END LOOP;
    INSERT INTO vb.closing_balances (account_id, boundary, balance, version)
    SELECT DISTINCT ON (e.account_id) e.account_id, p_boundary, e.balance_after, e.version
    FROM vb.entries AS e
    WHERE e.created_at < p_boundary
    ORDER BY e.account_id, e.version DESC
    ON CONFLICT (account_id, boundary) DO NOTHING;
    GET DIAGNOSTICS v_recorded = ROW_COUNT;
    IF v_recorded > 0 THEN
        PERFORM vb.audit(
            'vb_ops.record_closing_balances', jsonb_build_object('boundary', p_boundary),
            jsonb_build_object('recorded', v_recorded)
        );
    END IF;
    RETURN v_recorded;
END
$$;
