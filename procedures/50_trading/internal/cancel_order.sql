-- vb.cancel_order(p_order_id uuid)
--   → table (order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint)
--
-- Internal. The body of vb_api.cancel_order without its audit record, for the core's own callers
-- (vb_ops.expire_day_orders), so that one API call leaves exactly one record; statuses, events
-- and SQLSTATEs are vb_api.cancel_order's (its header).
CREATE OR REPLACE FUNCTION vb.cancel_order(p_order_id uuid)
RETURNS TABLE (order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_order vb.orders;
    v_status text;
BEGIN
    SELECT * INTO v_order FROM vb.orders AS o WHERE o.order_id = p_order_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM FROM vb.securities AS s WHERE s.symbol = v_order.symbol FOR UPDATE;
    SELECT * INTO v_order FROM vb.orders AS o WHERE o.order_id = p_order_id FOR UPDATE;
    IF v_order.order_status IN ('new', 'partially_filled') THEN
        v_status := vb.create_transfer(
            vb.derived_id('release', v_order.reservation_id::text), NULL, NULL, NULL, NULL, '{void_pending}',
            v_order.reservation_id
        );
        IF v_status <> 'created' THEN
            RAISE EXCEPTION 'invariant: reservation of order % could not be voided: %', p_order_id, v_status
                USING ERRCODE = 'VB999';
        END IF;
        UPDATE vb.orders AS o
        SET order_status = 'cancelled', reservation_id = NULL, updated_at = clock_timestamp()
        WHERE o.order_id = p_order_id
        RETURNING * INTO v_order;
        PERFORM vb.write_events(json_build_array(vb.order_event(v_order, 'order.cancelled')));
    END IF;
    RETURN QUERY SELECT s.order_id, s.status, s.filled_quantity, s.remaining_quantity FROM vb.order_state(p_order_id) AS s;
END
$$;
