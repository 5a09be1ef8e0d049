-- vb_api.order_book(p_symbol text, p_depth integer default 10)
--   → table (side, price, quantity, orders)
--
-- The resting book of a symbol aggregated by price level: the best p_depth levels of each side
-- (bids highest first, then asks lowest first), with the remaining quantity and the number of
-- orders at each level. p_depth is capped at 1000 (null or < 1 means 10).
-- Raises: nothing.
-- Why the recursion: the levels are found one at a time in the book index (each the next price
-- after the last), so a call reads only the levels it returns — aggregating the whole book
-- first cost 550 ms on 200,000 resting orders.
CREATE OR REPLACE FUNCTION vb_api.order_book(p_symbol text, p_depth integer DEFAULT 10)
RETURNS TABLE (side text, price bigint, quantity bigint, orders integer)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE levels (side, priority_price, level) AS (
        SELECT
            s.side,
            (
                SELECT min(o.priority_price) FROM vb.orders AS o
                WHERE o.symbol = p_symbol AND o.side = s.side AND o.order_status IN ('new', 'partially_filled')
            ),
            1
        FROM (VALUES ('buy'), ('sell')) AS s (side)
        UNION ALL
        SELECT
            l.side,
            (
                SELECT min(o.priority_price) FROM vb.orders AS o
                WHERE o.symbol = p_symbol AND o.side = l.side AND o.order_status IN ('new', 'partially_filled')
                    AND o.priority_price > l.priority_price
            ),
            l.level + 1
        FROM levels AS l
        WHERE l.priority_price IS NOT NULL
            AND l.level < least(CASE WHEN p_depth IS NULL OR p_depth < 1 THEN 10 ELSE p_depth END, vb.size_limit('rows_per_page'))
    )
    SELECT l.side, abs(l.priority_price), sum(o.quantity - o.filled_quantity)::bigint, count(*)::integer
    FROM levels AS l
    JOIN vb.orders AS o
        ON o.symbol = p_symbol AND o.side = l.side AND o.priority_price = l.priority_price
            AND o.order_status IN ('new', 'partially_filled')
    GROUP BY l.side, l.level, l.priority_price
    ORDER BY l.side, l.level;
$$;
