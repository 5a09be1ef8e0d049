-- vb.order_event(p_order_id uuid, p_event_type text) → json
--
-- Internal. An order.* element of a vb.outbox row (keyed by symbol) carrying the order's
-- current state, read by id (vb.order_event_of builds it); callers put it in their call's outbox
-- row.
CREATE OR REPLACE FUNCTION vb.order_event(p_order_id uuid, p_event_type text)
RETURNS json
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (SELECT vb.order_event_of(o, p_event_type) FROM vb.orders AS o WHERE o.order_id = p_order_id);
END
$$;
