-- vb_ops.fold_deferred_entries(p_max_accounts integer default 100) → integer
--
-- Folds queued movements of deferred accounts (kinds house, fee, clearing, issuer) into
-- versioned entries; run by `pyvb maintain` (and cheaply callable at any time). Accounts are
-- taken in id order and skipped while another transaction holds them, so a fold never waits
-- on the write path. Returns how many movements were folded. Each account folds on its own: one
-- whose balance would leave bigint (impossible within the assets' credit capacity, see
-- vb.max_credit_capacity(kind); possible in data from before it) is skipped with a WARNING naming it
-- and left unfolded, so it cannot stop the others (vb_ops.verify_ledger reports it).
-- Why: deferring these accounts lets every transfer credit one house account without all
-- writers queueing on its row lock; readers stay exact (see vb_api.get_balances).
-- Raises: VB001 when p_max_accounts is null or < 1.
CREATE OR REPLACE FUNCTION vb_ops.fold_deferred_entries(p_max_accounts integer DEFAULT 100)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_account_id uuid;
    v_folded integer := 0;
BEGIN
    IF p_max_accounts IS NULL OR p_max_accounts < 1 THEN
        RAISE EXCEPTION 'p_max_accounts must be >= 1' USING ERRCODE = 'VB001';
    END IF;
    FOR v_account_id IN
        SELECT DISTINCT u.account_id FROM vb.unfolded_entries AS u ORDER BY 1 LIMIT p_max_accounts
    LOOP
        BEGIN
            v_folded := v_folded + vb.fold_account(v_account_id, false);
        EXCEPTION WHEN numeric_value_out_of_range THEN
            RAISE WARNING 'deferred account % not folded: its balance would leave bigint', v_account_id;
        END;
    END LOOP;
    IF v_folded > 0 THEN
        PERFORM vb.audit(
            'vb_ops.fold_deferred_entries', jsonb_build_object('max_accounts', p_max_accounts),
            jsonb_build_object('folded', v_folded)
        );
    END IF;
    RETURN v_folded;
END
$$;
