-- vb_api.order_book(p_symbol text, p_depth integer default 10)
--   → table (side, price, quantity, orders)
--
-- The resting book of a symbol aggregated by price level: the best p_depth levels of each side
-- (bids highest first, then asks lowest first), with the remaining quantity and the number of
-- orders at each level. p_depth is capped at 1000 (null or < 1 means 10).
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.order_book(p_symbol text, p_depth integer DEFAULT 10)
RETURNS TABLE (side text, price bigint, quantity bigint, orders integer)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH levels AS (
        SELECT o.side, o.limit_price, sum(o.quantity - o.filled_quantity)::bigint AS quantity, count(*)::integer AS orders,
            row_number() OVER (PARTITION BY o.side ORDER BY min(o.priority_price)) AS level
        FROM vb.orders AS o
        WHERE o.symbol = p_symbol AND o.order_status IN ('new', 'partially_filled')
        GROUP BY o.side, o.limit_price
    )
    SELECT l.side, l.limit_price, l.quantity, l.orders
    FROM levels AS l
    WHERE l.level <= least(CASE WHEN p_depth IS NULL OR p_depth < 1 THEN 10 ELSE p_depth END, 1000)
    ORDER BY l.side, l.level;
$$;
