-- vb_api.get_balances(p_account_ids uuid[])
--   → table (account_id, asset, balance, pending_out, pending_in, available, overdraft_limit,
--            version, updated_at)
--
-- Current balances; unknown ids are simply absent; a null array returns nothing.
-- available = balance - pending_out. Exact at every moment: for deferred accounts (house,
-- fee, clearing, issuer) the balance adds the movements not yet folded, and version is the
-- version the account will have once they are folded (folded version + movements not yet
-- folded): it moves with every movement a reader can see, so two reads with the same version saw
-- the same balance, and a cache's compare-and-set on versions (pyvb.cache, the relay) never lets
-- an older balance replace a newer one.
-- Raises: VB001 when p_account_ids holds more than 10,000 ids (vb.size_limit 'ids_per_call').
CREATE OR REPLACE FUNCTION vb_api.get_balances(p_account_ids uuid [])
RETURNS TABLE (
    account_id uuid, asset text, balance bigint, pending_out bigint, pending_in bigint, available bigint,
    overdraft_limit bigint, version bigint, updated_at timestamptz
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM vb.check_size('p_account_ids', cardinality(p_account_ids), 'ids_per_call');
    RETURN QUERY
    SELECT a.account_id, a.asset_code, a.balance + u.unfolded, a.pending_out, a.pending_in,
        a.balance + u.unfolded - a.pending_out, a.overdraft_limit, a.version + u.moves, a.updated_at
    FROM vb.accounts AS a
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(ue.amount), 0)::bigint AS unfolded, count(*) AS moves
        FROM vb.unfolded_entries AS ue
        WHERE a.is_deferred AND ue.account_id = a.account_id
    ) AS u
    WHERE a.account_id = ANY (p_account_ids);
END
$$;
