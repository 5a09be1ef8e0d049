-- vb.emit_order_event(p_order_id uuid, p_event_type text) → void
--
-- Internal. Writes a vb.outbox row holding one order.* event (vb.order_event), for calls that
-- emit nothing else (a cancel, a rejection).
CREATE OR REPLACE FUNCTION vb.emit_order_event(p_order_id uuid, p_event_type text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO vb.outbox (events) VALUES (json_build_array(vb.order_event(p_order_id, p_event_type)));
END
$$;
