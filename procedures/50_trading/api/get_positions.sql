-- vb_api.get_positions(p_owner_id uuid)
--   → table (symbol, quantity, available_quantity, avg_cost, last_price, market_value, unrealized_pnl)
--
-- An owner's holdings: one row per share account (positions are the ledger balances of those
-- accounts). available_quantity excludes shares reserved by resting sells. avg_cost is the
-- volume-weighted price of the owner's buys (trades), rounded down, null without buys (shares
-- only issued); last_price the reference price (last trade, else quote mid); market_value =
-- quantity × last_price; unrealized_pnl = (last_price − avg_cost) × quantity, null when either
-- is unknown. Prices in minor units of the security's currency.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.get_positions(p_owner_id uuid)
RETURNS TABLE (
    symbol text, quantity bigint, available_quantity bigint, avg_cost bigint, last_price bigint,
    market_value bigint, unrealized_pnl bigint
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT s.symbol, a.balance, a.balance - a.pending_out, c.avg_cost, r.price, a.balance * r.price,
        (r.price - c.avg_cost) * a.balance
    FROM vb.securities AS s
    JOIN vb.accounts AS a ON a.account_id = vb.share_account_uuid(vb.derivation_key('account'), p_owner_id, s.symbol)  -- customer kind: no unfolded
    LEFT JOIN LATERAL (
        SELECT floor(sum(t.price::numeric * t.quantity) / sum(t.quantity))::bigint AS avg_cost
        FROM vb.trades AS t
        WHERE t.buyer_id = p_owner_id AND t.symbol = s.symbol
    ) AS c ON TRUE
    LEFT JOIN LATERAL vb.reference_price(s.symbol) AS r ON TRUE
    ORDER BY s.symbol;
END
$$;
