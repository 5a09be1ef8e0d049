-- vb_api.account_entries(p_account_id uuid, p_after_version bigint default 0,
--     p_limit integer default 100)
--   → table (version, transfer_id, amount, balance_after, code, created_at)
--
-- An account's history, ascending by version, after p_after_version; p_limit is capped at
-- 1000 (null or < 1 means the default 100). amount is signed: + in, - out. An account's first
-- entry has version 1. For deferred accounts (house, fee, clearing, issuer) movements not yet
-- folded are folded first, so the history is exact at the moment of the call — unless the
-- transaction is read-only (a report, a hot standby) or a writer holds the account (a hot
-- account is never waited for): then the movements not yet folded follow the folded entries with
-- a null version (they get theirs when folded), balance_after running on; a row with a null
-- version ends the history (page on versions only: stop there). When entries up
-- to some version are archived (pyvb maintain), they are reported as one row: that version,
-- code 'archived', transfer_id and amount null, balance_after the closing balance, created_at
-- the archive boundary; the attached entries follow.
-- Raises: VB001 when p_account_id is null.
CREATE OR REPLACE FUNCTION vb_api.account_entries(
    p_account_id uuid, p_after_version bigint DEFAULT 0, p_limit integer DEFAULT 100
) RETURNS TABLE (
    version bigint, transfer_id uuid, amount bigint, balance_after bigint, code text, created_at timestamptz
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_limit integer := least(CASE WHEN p_limit IS NULL OR p_limit < 1 THEN 100 ELSE p_limit END,
        vb.size_limit('rows_per_page'));
    v_returned integer;
BEGIN
    IF p_account_id IS NULL THEN
        RAISE EXCEPTION 'p_account_id must not be null' USING ERRCODE = 'VB001';
    END IF;
    IF NOT current_setting('transaction_read_only')::boolean THEN
        PERFORM vb.fold_account(p_account_id, false);
    END IF;
    RETURN QUERY
    SELECT h.version, h.transfer_id, h.amount, h.balance_after, h.code, h.created_at
    FROM (
        SELECT c.version, NULL::uuid AS transfer_id, NULL::bigint AS amount, c.balance AS balance_after,
            'archived'::text AS code, c.boundary AS created_at
        FROM vb.closing_balances AS c
        WHERE c.account_id = p_account_id AND c.version > coalesce(p_after_version, 0)
        ORDER BY c.boundary DESC
        LIMIT 1
    ) AS h
    UNION ALL
    (
        SELECT e.version, e.transfer_id, e.amount, e.balance_after, e.code, e.created_at
        FROM vb.entries AS e
        WHERE e.account_id = p_account_id AND e.version > coalesce(p_after_version, 0)
        ORDER BY e.version
    )
    ORDER BY 1
    LIMIT v_limit;
    GET DIAGNOSTICS v_returned = ROW_COUNT;
    IF v_returned < v_limit THEN
        -- movements not folded (read-only, or the account was held): after the folded entries
        RETURN QUERY
        SELECT NULL::bigint, u.transfer_id, u.amount,
            (a.balance + sum(u.amount) OVER (ORDER BY u.unfolded_entry_id))::bigint, u.code, u.created_at
        FROM vb.unfolded_entries AS u
        INNER JOIN vb.accounts AS a ON u.account_id = a.account_id
        WHERE u.account_id = p_account_id
        ORDER BY u.unfolded_entry_id
        LIMIT v_limit - v_returned;
    END IF;
END
$$;
