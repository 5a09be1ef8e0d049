-- vb_ops.balances_digest(p_at timestamptz)
--   → table (accounts bigint, total_minor numeric, digest_sha256 text)
--
-- Every account that existed at p_at with its balance then (vb_api.balance_at), summed up: how
-- many, their total, and the sha256 of the list in account order. The restore drill
-- (`pyvb backup restore-drill`) compares the restored copy's digest now with the live database's
-- at the target time: equal digests, equal balances. Exact for the transactions that had
-- committed by p_at and were not running across it (an entry is dated when its transaction
-- started; recovery to a time replays commits). One balance_at per account: O(accounts).
-- Read-only. Raises: VB001 when p_at is null; VB003 when p_at falls before archived entries.
CREATE OR REPLACE FUNCTION vb_ops.balances_digest(p_at timestamptz)
RETURNS TABLE (accounts bigint, total_minor numeric, digest_sha256 text)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'p_at must not be null' USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    WITH balances AS (
        SELECT a.account_id, vb_api.balance_at(a.account_id, p_at) AS balance
        FROM vb.accounts AS a
        WHERE a.created_at <= p_at
    )
    SELECT
        count(*),
        coalesce(sum(b.balance), 0)::numeric,
        encode(sha256(convert_to(coalesce(string_agg(b.account_id::text || ':' || b.balance::text, ',' ORDER BY b.account_id), ''), 'UTF8')), 'hex')
    FROM balances AS b;
END
$$;
