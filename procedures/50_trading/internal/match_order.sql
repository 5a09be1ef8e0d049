-- vb.match_order(p_symbol, p_side, p_order_type, p_limit_price, p_quantity, p_owner_id)
--   → table (makers vb.orders[], prices bigint[], quantities bigint[], rests bigint[], remaining bigint,
--            self_trade boolean), one row
--
-- Internal. The matching plan of an incoming order: the resting orders of the other side that
-- cross its limit (any price for a market order), best price first, then oldest (price-time
-- priority), each filled as far as the order's quantity goes, at the resting order's price. Stops
-- before a resting order of the same owner (self_trade: self-trade prevention, the incoming
-- order's rest is then cancelled). makers are the resting orders as read, prices and quantities
-- the fills, rests what each maker keeps open; remaining is what the order did not fill. Changes
-- nothing: vb.settle_order settles the plan and vb.apply_fills books it. The caller holds the
-- security's row lock, so the book cannot change under the plan.
CREATE OR REPLACE FUNCTION vb.match_order(
    p_symbol text, p_side text, p_order_type text, p_limit_price bigint, p_quantity bigint, p_owner_id uuid
) RETURNS TABLE (
    makers vb.orders [], prices bigint [], quantities bigint [], rests bigint [], remaining bigint,
    self_trade boolean
)
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_fill bigint;
    -- the resting orders of the other side that cross, best first: a bound cursor is planned for
    -- its first rows, so the scan walks the book index in order and stops when the order is
    -- filled (a plan for all rows would collect every crossing entry, dead ones included, and sort)
    c_book CURSOR (c_side text, c_worst_priority bigint) FOR
        SELECT o AS maker, o.owner_id, o.limit_price, o.quantity - o.filled_quantity AS open_quantity
        FROM vb.orders AS o
        WHERE o.symbol = p_symbol AND o.side = c_side AND o.order_status IN ('new', 'partially_filled')
            AND o.priority_price <= c_worst_priority
        ORDER BY o.priority_price, o.book_seq;
BEGIN
    makers := '{}';
    prices := '{}';
    quantities := '{}';
    rests := '{}';
    remaining := p_quantity;
    self_trade := false;
    FOR v_resting IN c_book(
        CASE p_side WHEN 'buy' THEN 'sell' ELSE 'buy' END,
        CASE WHEN p_order_type = 'market' THEN 9223372036854775807
            WHEN p_side = 'buy' THEN p_limit_price ELSE -p_limit_price END
    ) LOOP
        IF v_resting.owner_id = p_owner_id THEN
            self_trade := true;  -- self-trade prevention: stop before our own resting order
            EXIT;
        END IF;
        v_fill := least(remaining, v_resting.open_quantity);
        makers := makers || v_resting.maker;
        prices := prices || v_resting.limit_price;
        quantities := quantities || v_fill;
        rests := rests || (v_resting.open_quantity - v_fill);
        remaining := remaining - v_fill;
        EXIT WHEN remaining = 0;
    END LOOP;
    RETURN NEXT;
END
$$;
