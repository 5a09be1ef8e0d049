-- vb.risk_exposure(p_account_id, p_owner_id, p_symbol, p_side, p_quantity, p_price, p_notional)
--   → table (metric text, value numeric)
--
-- Internal. The exposure metrics of an account on a symbol (see vb_api.set_exposure_limit), as if
-- an order of p_quantity at p_price (notional p_notional) filled completely; with p_quantity 0
-- and p_notional 0, the exposure as it stands (used after trades). p_price null: the
-- reference price values the position.
CREATE OR REPLACE FUNCTION vb.risk_exposure(
    p_account_id uuid, p_owner_id uuid, p_symbol text, p_side text, p_quantity bigint, p_price bigint,
    p_notional numeric
) RETURNS TABLE (metric text, value numeric)
LANGUAGE sql
STABLE
AS $$
    WITH held AS (
        SELECT coalesce((
            SELECT b.balance FROM vb_api.get_balances(ARRAY[vb.share_account_uuid(vb.derivation_key('account'), p_owner_id, p_symbol)]) AS b
        ), 0) AS shares,
        coalesce((
            SELECT sum(o.quantity - o.filled_quantity) FROM vb.orders AS o
            WHERE o.account_id = p_account_id AND o.symbol = p_symbol AND o.side = 'buy'
                AND o.order_status IN ('new', 'partially_filled')
        ), 0) AS resting_buys,
        (SELECT count(*) FROM vb.orders AS o
            WHERE o.account_id = p_account_id AND o.order_status IN ('new', 'partially_filled')) AS resting_orders,
        coalesce((
            SELECT sum(t.price::numeric * t.quantity) FROM vb.trades AS t
            WHERE t.executed_at >= date_trunc('day', now(), 'UTC')
                AND (t.buyer_id = p_owner_id OR t.seller_id = p_owner_id)
        ), 0) AS turnover,
        coalesce(p_price, (SELECT r.price FROM vb.reference_price(p_symbol) AS r)) AS price
    ), position AS (
        SELECT h.*, h.shares + h.resting_buys + CASE WHEN p_side = 'buy' THEN p_quantity ELSE 0 END AS quantity
        FROM held AS h
    )
    SELECT 'order_notional'::text, p_notional FROM position
    UNION ALL SELECT 'position_quantity', p.quantity FROM position AS p
    UNION ALL SELECT 'position_notional', p.quantity * p.price FROM position AS p
    UNION ALL SELECT 'daily_turnover', p.turnover + p_notional FROM position AS p
    UNION ALL SELECT 'open_orders', p.resting_orders + CASE WHEN p_quantity > 0 THEN 1 ELSE 0 END FROM position AS p;
$$;
