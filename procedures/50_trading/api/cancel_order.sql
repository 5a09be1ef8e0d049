-- vb_api.cancel_order(p_order_id uuid)
--   → table (order_id, status, filled_quantity, remaining_quantity)
--
-- Cancels a resting order: its reservation is voided (cash or shares released) and its status
-- becomes 'cancelled' with remaining_quantity 0. A filled, cancelled or rejected order is left
-- as it is and its state returned; an unknown id returns no row. Cancels are always allowed
-- (also when trading is halted).
-- Locks the security's row first, like place_order, so a cancel never races a fill.
-- Events: order.cancelled. Raises: VB999 if the reservation cannot be voided (a bug).
CREATE OR REPLACE FUNCTION vb_api.cancel_order(p_order_id uuid)
RETURNS TABLE (order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint)
LANGUAGE plpgsql
SECURITY DEFINER
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
        v_status := vb_api.create_transfer(
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
