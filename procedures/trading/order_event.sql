-- vb.order_event(p_order_id uuid, p_event_type text) → json
--
-- Internal. An order.* element of a vb.outbox row (keyed by symbol) carrying the order's
-- current state; callers put it in their call's outbox row.
CREATE OR REPLACE FUNCTION vb.order_event(p_order_id uuid, p_event_type text)
RETURNS json
LANGUAGE plpgsql
STABLE
AS $$
-- plpgsql so that this file does not depend on being deployed after vb.order_state
BEGIN
    RETURN (
        SELECT vb.outbox_event(p_event_type, 'order', o.symbol, json_build_object(
            'order_id', o.order_id, 'account_id', o.account_id, 'owner_id', o.owner_id, 'symbol', o.symbol,
            'side', o.side, 'order_type', o.order_type, 'limit_price', o.limit_price,
            'time_in_force', o.time_in_force, 'quantity', o.quantity, 'filled_quantity', s.filled_quantity,
            'remaining_quantity', s.remaining_quantity, 'avg_fill_price', s.avg_fill_price, 'status', s.status,
            'reject_reason', s.reject_reason
        ))
        FROM vb.orders AS o
        CROSS JOIN LATERAL vb.order_state(o.order_id) AS s
        WHERE o.order_id = p_order_id
    );
END
$$;
