-- vb.fold_account(p_account_id uuid, p_wait boolean default true) → integer
--
-- Internal. Folds the queued movements of one deferred account (vb.unfolded_entries) into
-- vb.entries, in queue order, giving each the next version and its balance_after, and adds
-- them to the account row; emits one balance.changed event. Returns how many were folded
-- (0 for a customer account, an unknown one, or, with p_wait false, one that is locked).
-- Movements of transactions still in flight are not visible and are folded by a later call.
-- Lock order: only this deferred account's row (deferred rows come after customer rows in
-- every writer's order, so a fold never closes a deadlock cycle).
CREATE OR REPLACE FUNCTION vb.fold_account(p_account_id uuid, p_wait boolean DEFAULT TRUE)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_account vb.accounts;
    v_count integer;
    v_last_version bigint;
    v_last_balance bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM vb.unfolded_entries AS u WHERE u.account_id = p_account_id) THEN
        RETURN 0;
    END IF;
    IF p_wait THEN
        SELECT * INTO v_account FROM vb.accounts AS a
        WHERE a.account_id = p_account_id AND a.is_deferred FOR NO KEY UPDATE;
    ELSE
        SELECT * INTO v_account FROM vb.accounts AS a
        WHERE a.account_id = p_account_id AND a.is_deferred FOR NO KEY UPDATE SKIP LOCKED;
    END IF;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM vb.unfolded_entries AS u WHERE u.account_id = p_account_id
        RETURNING u.unfolded_entry_id, u.created_at, u.transfer_id, u.amount, u.code
    ), numbered AS (
        SELECT m.*, row_number() OVER w AS rn, sum(m.amount) OVER w AS running
        FROM moved AS m
        WINDOW w AS (ORDER BY m.unfolded_entry_id)
    ), inserted AS (
        INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code)
        SELECT p_account_id, v_account.version + nb.rn, nb.created_at, nb.transfer_id, nb.amount,
            v_account.balance + nb.running, nb.code
        FROM numbered AS nb
        RETURNING version, balance_after
    )
    SELECT count(*), max(i.version), (array_agg(i.balance_after ORDER BY i.version DESC))[1]
    INTO v_count, v_last_version, v_last_balance
    FROM inserted AS i;
    IF v_count = 0 THEN
        RETURN 0;
    END IF;
    UPDATE vb.accounts AS a
    SET balance = v_last_balance, version = v_last_version, updated_at = clock_timestamp()
    WHERE a.account_id = p_account_id;
    PERFORM vb.write_events(json_build_array(vb.balance_changed_event(
        p_account_id, v_account.asset_code, v_last_balance, v_account.pending_out, v_account.pending_in,
        v_last_version
    )));
    RETURN v_count;
END
$$;
