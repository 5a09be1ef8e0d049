-- vb_ops.expire_pending_transfers(p_limit integer default 1000) → integer
--
-- Releases pending transfers whose timeout has passed: their amounts leave pending_out /
-- pending_in of both accounts and the pending transfer becomes 'expired' (posting or voiding it
-- then reports pending_transfer_not_pending). At most p_limit per call, oldest expiry first.
-- Returns how many expired.
-- Events: transfer.expired per pending transfer, balance.changed per customer account touched.
-- Raises: VB001 when p_limit is null or < 1.
-- Locks: accounts in the writers' order (customer accounts by id, then deferred by id), then
-- the pending rows; pending transfers resolved meanwhile are skipped.
CREATE OR REPLACE FUNCTION vb_ops.expire_pending_transfers(p_limit integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids uuid [];
    v_accounts uuid [];
    v_now timestamptz;
    v_transfer_events json [];
    v_changed vb.accounts [];
BEGIN
    IF p_limit IS NULL OR p_limit < 1 THEN
        RAISE EXCEPTION 'p_limit must be >= 1' USING ERRCODE = 'VB001';
    END IF;
    SELECT array_agg(pt.pending_id), array_agg(pt.from_account_id) || array_agg(pt.to_account_id)
    INTO v_ids, v_accounts
    FROM (
        SELECT p.pending_id, p.from_account_id, p.to_account_id
        FROM vb.pending_transfers AS p
        WHERE p.pending_state = 'pending' AND p.expires_at <= clock_timestamp()
        ORDER BY p.expires_at
        LIMIT p_limit
    ) AS pt;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM FROM vb.accounts AS a
    WHERE a.account_id = ANY (v_accounts) AND NOT a.is_deferred ORDER BY a.account_id FOR NO KEY UPDATE;
    PERFORM FROM vb.accounts AS a
    WHERE a.account_id = ANY (v_accounts) AND a.is_deferred ORDER BY a.account_id FOR NO KEY UPDATE;
    v_now := clock_timestamp();

    WITH expired AS (
        UPDATE vb.pending_transfers AS p
        SET pending_state = 'expired', resolved_at = v_now
        WHERE p.pending_id = ANY (v_ids) AND p.pending_state = 'pending' AND p.expires_at <= v_now
        RETURNING p.*
    ), deltas AS (
        SELECT d.account_id, sum(d.out_amount)::bigint AS out_amount, sum(d.in_amount)::bigint AS in_amount
        FROM (
            SELECT e.from_account_id AS account_id, e.amount AS out_amount, 0 AS in_amount FROM expired AS e
            UNION ALL SELECT e.to_account_id, 0, e.amount FROM expired AS e
        ) AS d
        GROUP BY d.account_id
    ), changed AS (
        UPDATE vb.accounts AS a
        SET pending_out = a.pending_out - d.out_amount, pending_in = a.pending_in - d.in_amount,
            updated_at = v_now
        FROM deltas AS d
        WHERE a.account_id = d.account_id
        RETURNING a
    )
    SELECT
        (SELECT array_agg(vb.transfer_event(
            'expire_pending', e.pending_id, e.from_account_id, e.to_account_id, e.asset_code, e.amount, e.code,
            NULL, e.expires_at, NULL
        ) ORDER BY e.expires_at, e.pending_id) FROM expired AS e),
        (SELECT array_agg(c.a) FROM changed AS c)
    INTO v_transfer_events, v_changed;
    PERFORM vb.write_events(vb.ledger_events(v_transfer_events, v_changed), v_now);
    IF cardinality(v_transfer_events) > 0 THEN
        PERFORM vb.audit(
            'vb_ops.expire_pending_transfers', jsonb_build_object('limit', p_limit),
            jsonb_build_object('expired', cardinality(v_transfer_events))
        );
    END IF;
    RETURN coalesce(cardinality(v_transfer_events), 0);
END
$$;
