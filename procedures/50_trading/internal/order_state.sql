-- vb.order_state(p_order_id uuid)
--   → table (order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Internal. The caller-facing state of an order (the columns of place_order and get_order):
-- remaining_quantity is what still rests (0 unless new / partially_filled); avg_fill_price is the
-- volume-weighted fill price rounded down, null when nothing filled (vb.order_remaining_quantity,
-- vb.order_avg_fill_price).
CREATE OR REPLACE FUNCTION vb.order_state(p_order_id uuid)
RETURNS TABLE (
    order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint, avg_fill_price bigint,
    reject_reason text
)
LANGUAGE sql
STABLE
ROWS 1
AS $$
    SELECT o.order_id, o.order_status, o.filled_quantity, vb.order_remaining_quantity(o), vb.order_avg_fill_price(o),
        o.reject_reason
    FROM vb.orders AS o
    WHERE o.order_id = p_order_id;
$$;
