-- vb.order_event(p_order vb.orders, p_event_type text) → json
--
-- Internal. An order.* event (order.accepted | order.filled | order.partially_filled |
-- order.cancelled | order.rejected), keyed by symbol, carrying the state of the order row given:
-- callers hold the row they just wrote (INSERT / UPDATE … RETURNING), so no query reads it back.
-- plpgsql, not sql: inlined, a sql body evaluates its row argument once per field it reads, which
-- measured 0.3 ms more per order (in-transaction loop of 1,500 orders, old vs new side by side).
CREATE OR REPLACE FUNCTION vb.order_event(p_order vb.orders, p_event_type text)
RETURNS json
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN vb.outbox_event(p_event_type, 'order', p_order.symbol, json_build_object(
        'order_id', p_order.order_id, 'account_id', p_order.account_id, 'owner_id', p_order.owner_id,
        'symbol', p_order.symbol, 'side', p_order.side, 'order_type', p_order.order_type,
        'limit_price', p_order.limit_price, 'time_in_force', p_order.time_in_force, 'quantity', p_order.quantity,
        'filled_quantity', p_order.filled_quantity, 'remaining_quantity', vb.order_remaining_quantity(p_order),
        'avg_fill_price', vb.order_avg_fill_price(p_order), 'status', p_order.order_status,
        'reject_reason', p_order.reject_reason
    ));
END
$$;
