-- vb_api.balance_at(p_account_id uuid, p_at timestamptz) → bigint
--
-- Posted balance of an account as of p_at: the balance_after of its last entry created at or
-- before p_at, 0 if it had none yet, null if the account did not exist at p_at (or at all).
-- For a deferred account the movements not yet folded at or before p_at are added, so the answer
-- is exact without folding: it writes nothing (a read-only transaction or a hot standby may ask)
-- and never waits for a writer holding a hot account. Once entries before a boundary
-- are archived (pyvb maintain), an account without entries between the boundary and p_at
-- answers from its closing balance at the boundary: exact too.
-- Raises: VB001 when p_at is null; VB003 when p_at falls before the archived boundary (the
-- entries are in the archive: restore them with `pyvb archive restore`).
CREATE OR REPLACE FUNCTION vb_api.balance_at(p_account_id uuid, p_at timestamptz)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_created_at timestamptz;
    v_balance bigint;
    v_archived_to timestamptz;
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'p_at must not be null' USING ERRCODE = 'VB001';
    END IF;
    SELECT a.created_at INTO v_created_at FROM vb.accounts AS a WHERE a.account_id = p_account_id;
    IF v_created_at IS NULL OR v_created_at > p_at THEN
        RETURN NULL;
    END IF;
    SELECT max(ap.range_to) INTO v_archived_to FROM vb.archived_periods AS ap WHERE ap.parent = 'vb.entries'::regclass;
    IF p_at < v_archived_to THEN
        RAISE EXCEPTION 'entries before % are archived', v_archived_to USING ERRCODE = 'VB003';
    END IF;
    SELECT e.balance_after INTO v_balance
    FROM vb.entries AS e
    WHERE e.account_id = p_account_id AND e.created_at <= p_at
    ORDER BY e.created_at DESC, e.version DESC
    LIMIT 1;
    IF NOT found THEN
        SELECT c.balance INTO v_balance
        FROM vb.closing_balances AS c
        WHERE c.account_id = p_account_id AND c.boundary <= p_at
        ORDER BY c.boundary DESC
        LIMIT 1;
    END IF;
    RETURN coalesce(v_balance, 0) + coalesce((
        SELECT sum(u.amount) FROM vb.unfolded_entries AS u WHERE u.account_id = p_account_id AND u.created_at <= p_at
    ), 0);
END
$$;
