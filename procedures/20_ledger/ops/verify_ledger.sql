-- vb_ops.verify_ledger() → table (check_name text, ok boolean, detail text)
--
-- Audits the whole ledger; one row per check, detail names the first offenders. Checks:
--   assets_sum_to_zero           per asset, the balances (folded + unfolded) sum to zero
--   balances_match_entries       every account's folded balance = sum of its entries
--   versions_match_entries       every account's version = its number of entries
--   entry_chains_contiguous      versions 1..n without gaps; balance_after = previous + amount
--   transfers_have_two_entries   every posted transfer (single, post_pending) has exactly two
--                                entries (folded or unfolded) that sum to zero and whose
--                                magnitudes equal the transfer amount
--   pending_totals_match         pending_out / pending_in = the open pending transfers' totals
--   no_balance_below_limit       no effective balance below -overdraft_limit (an issuer's
--                                unlimited one: vb.max_issuer_supply())
--   balances_in_range            every balance with its unfolded movements fits in bigint (one
--                                that does not could be neither folded nor read)
--   credit_within_capacity       per asset, the limits granted (vb.assets.credit_committed) equal
--                                its accounts' limits and stay within vb.max_credit_capacity(kind)
-- Archived history (pyvb maintain): balances, versions and entry chains start from each account's
-- latest closing balance (vb.closing_balances); transfers before the archived boundary are not
-- checked (their entries left with them).
-- Read-only; run with REPEATABLE READ for a consistent view while writers run (pyvb verify does).
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_ops.verify_ledger()
RETURNS TABLE (check_name text, ok boolean, detail text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_bad text;
BEGIN
    SELECT string_agg(pg_catalog.format('%s: %s', s.asset_code, s.total), ', ') INTO v_bad
    FROM (
        SELECT a.asset_code, sum(a.balance) + coalesce(sum(u.unfolded), 0) AS total
        FROM vb.accounts AS a
        LEFT JOIN (
            SELECT ue.account_id, sum(ue.amount) AS unfolded FROM vb.unfolded_entries AS ue GROUP BY 1
        ) AS u ON u.account_id = a.account_id
        GROUP BY a.asset_code
        HAVING sum(a.balance) + coalesce(sum(u.unfolded), 0) <> 0
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'assets_sum_to_zero', v_bad IS NULL, coalesce(v_bad, 'every asset sums to zero');

    SELECT string_agg(pg_catalog.format('%s: balance %s, entries %s, version %s, count %s',
            s.account_id, s.balance, s.entries_sum, s.version, s.entry_count), '; ')
    INTO v_bad
    FROM (
        SELECT a.account_id, a.balance, a.version, coalesce(c.balance, 0) + coalesce(e.entries_sum, 0) AS entries_sum,
            coalesce(e.entry_count, 0) AS entry_count
        FROM vb.accounts AS a
        LEFT JOIN (
            SELECT en.account_id, sum(en.amount) AS entries_sum, count(*) AS entry_count
            FROM vb.entries AS en GROUP BY 1
        ) AS e ON e.account_id = a.account_id
        LEFT JOIN (
            SELECT DISTINCT ON (cb.account_id) cb.account_id, cb.balance
            FROM vb.closing_balances AS cb ORDER BY cb.account_id, cb.boundary DESC
        ) AS c ON c.account_id = a.account_id
        WHERE a.balance <> coalesce(c.balance, 0) + coalesce(e.entries_sum, 0)
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'balances_match_entries', v_bad IS NULL, coalesce(v_bad, 'every balance = sum of its entries');

    SELECT string_agg(pg_catalog.format('%s: version %s, entries %s', s.account_id, s.version, s.entry_count), '; ')
    INTO v_bad
    FROM (
        SELECT a.account_id, a.version, coalesce(c.version, 0) + coalesce(e.entry_count, 0) AS entry_count
        FROM vb.accounts AS a
        LEFT JOIN (SELECT en.account_id, count(*) AS entry_count FROM vb.entries AS en GROUP BY 1) AS e
            ON e.account_id = a.account_id
        LEFT JOIN (
            SELECT DISTINCT ON (cb.account_id) cb.account_id, cb.version
            FROM vb.closing_balances AS cb ORDER BY cb.account_id, cb.boundary DESC
        ) AS c ON c.account_id = a.account_id
        WHERE a.version <> coalesce(c.version, 0) + coalesce(e.entry_count, 0)
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'versions_match_entries', v_bad IS NULL, coalesce(v_bad, 'every version = entry count');

    SELECT string_agg(pg_catalog.format('%s v%s', s.account_id, s.version), ', ') INTO v_bad
    FROM (
        SELECT c.account_id, c.version
        FROM (
            SELECT en.account_id, en.version, en.amount, en.balance_after,
                lag(en.version) OVER w AS prev_version, lag(en.balance_after) OVER w AS prev_balance,
                cl.version AS closing_version, cl.balance AS closing_balance
            FROM vb.entries AS en
            LEFT JOIN (
                SELECT DISTINCT ON (cb.account_id) cb.account_id, cb.version, cb.balance
                FROM vb.closing_balances AS cb ORDER BY cb.account_id, cb.boundary DESC
            ) AS cl ON cl.account_id = en.account_id
            WINDOW w AS (PARTITION BY en.account_id ORDER BY en.version)
        ) AS c
        WHERE c.version <> coalesce(c.prev_version, c.closing_version, 0) + 1
            OR c.balance_after <> coalesce(c.prev_balance, c.closing_balance, 0) + c.amount
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'entry_chains_contiguous', v_bad IS NULL,
        coalesce('broken at ' || v_bad, 'versions contiguous, balance_after = previous + amount');

    SELECT string_agg(s.transfer_id::text, ', ') INTO v_bad
    FROM (
        SELECT t.transfer_id
        FROM vb.transfers AS t
        LEFT JOIN (
            SELECT m.transfer_id, count(*) AS moves, sum(m.amount) AS total, max(abs(m.amount)) AS hi,
                min(abs(m.amount)) AS lo
            FROM (
                SELECT en.transfer_id, en.amount FROM vb.entries AS en
                UNION ALL SELECT ue.transfer_id, ue.amount FROM vb.unfolded_entries AS ue
            ) AS m
            GROUP BY m.transfer_id
        ) AS mv ON mv.transfer_id = t.transfer_id
        WHERE t.transfer_kind IN ('single', 'post_pending')
            AND t.created_at >= coalesce(
                (SELECT max(ap.range_to) FROM vb.archived_periods AS ap WHERE ap.parent = 'vb.entries'::regclass),
                '-infinity'
            )
            AND (mv.moves IS DISTINCT FROM 2 OR mv.total <> 0 OR mv.hi <> t.amount OR mv.lo <> t.amount)
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'transfers_have_two_entries', v_bad IS NULL,
        coalesce('offenders: ' || v_bad, 'every posted transfer has two balancing entries');

    SELECT string_agg(pg_catalog.format('%s: out %s/%s in %s/%s', s.account_id, s.pending_out, s.open_out,
            s.pending_in, s.open_in), '; ')
    INTO v_bad
    FROM (
        SELECT a.account_id, a.pending_out, a.pending_in, coalesce(o.open_out, 0) AS open_out,
            coalesce(i.open_in, 0) AS open_in
        FROM vb.accounts AS a
        LEFT JOIN (
            SELECT p.from_account_id AS account_id, sum(p.amount) AS open_out
            FROM vb.pending_transfers AS p WHERE p.pending_state = 'pending' GROUP BY 1
        ) AS o ON o.account_id = a.account_id
        LEFT JOIN (
            SELECT p.to_account_id AS account_id, sum(p.amount) AS open_in
            FROM vb.pending_transfers AS p WHERE p.pending_state = 'pending' GROUP BY 1
        ) AS i ON i.account_id = a.account_id
        WHERE a.pending_out <> coalesce(o.open_out, 0) OR a.pending_in <> coalesce(i.open_in, 0)
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'pending_totals_match', v_bad IS NULL,
        coalesce(v_bad, 'pending totals = open pending transfers');

    SELECT string_agg(pg_catalog.format('%s: %s < -%s', s.account_id, s.effective, s.overdraft_limit), '; ')
    INTO v_bad
    FROM (
        SELECT a.account_id, a.overdraft_limit, a.balance + coalesce(u.unfolded, 0) AS effective
        FROM vb.accounts AS a
        LEFT JOIN (
            SELECT ue.account_id, sum(ue.amount) AS unfolded FROM vb.unfolded_entries AS ue GROUP BY 1
        ) AS u ON u.account_id = a.account_id
        WHERE a.balance + coalesce(u.unfolded, 0) < -coalesce(a.overdraft_limit, vb.max_issuer_supply())
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'no_balance_below_limit', v_bad IS NULL,
        coalesce(v_bad, 'no balance below its overdraft limit');

    SELECT string_agg(pg_catalog.format('%s: %s (pending out %s, in %s)', s.account_id, s.effective, s.pending_out,
            s.pending_in), '; ')
    INTO v_bad
    FROM (
        SELECT a.account_id, a.balance + coalesce(u.unfolded, 0) AS effective, a.pending_out, a.pending_in
        FROM vb.accounts AS a
        LEFT JOIN (
            SELECT ue.account_id, sum(ue.amount) AS unfolded FROM vb.unfolded_entries AS ue GROUP BY 1
        ) AS u ON u.account_id = a.account_id
        WHERE a.balance + coalesce(u.unfolded, 0) NOT BETWEEN -9223372036854775808 AND 9223372036854775807
        LIMIT 10
    ) AS s;
    RETURN QUERY SELECT 'balances_in_range', v_bad IS NULL,
        coalesce(v_bad, 'every balance and its unfolded movements fit in bigint');

    SELECT string_agg(pg_catalog.format('%s: committed %s, limits %s', s.asset_code, s.credit_committed, s.limits),
            '; ')
    INTO v_bad
    FROM (
        SELECT ast.asset_code, ast.asset_kind, ast.credit_committed, coalesce((
            SELECT sum(coalesce(a.overdraft_limit, vb.max_issuer_supply())) FROM vb.accounts AS a
            WHERE a.asset_code = ast.asset_code
        ), 0) AS limits
        FROM vb.assets AS ast
    ) AS s
    WHERE s.credit_committed <> s.limits OR s.credit_committed > vb.max_credit_capacity(s.asset_kind);
    RETURN QUERY SELECT 'credit_within_capacity', v_bad IS NULL,
        coalesce(v_bad, 'every asset''s granted limits within its credit capacity');
END
$$;
