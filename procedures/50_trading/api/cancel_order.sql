-- vb_api.cancel_order(p_order_id uuid)
--   → table (order_id, status, filled_quantity, remaining_quantity)
--
-- Cancels a resting order: its reservation is voided (cash or shares released) and its status
-- becomes 'cancelled' with remaining_quantity 0. A filled, cancelled or rejected order is left
-- as it is and its state returned; an unknown id returns no row. Cancels are always allowed
-- (also when trading is halted).
-- Locks the security's row first, like place_order, so a cancel never races a fill.
-- Events: order.cancelled. Raises: VB999 if the reservation cannot be voided (a bug).
-- Audited (contract audit.md): one vb.event_audit record per call; the work is vb.cancel_order.
CREATE OR REPLACE FUNCTION vb_api.cancel_order(p_order_id uuid)
RETURNS TABLE (order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    SELECT * INTO order_id, status, filled_quantity, remaining_quantity FROM vb.cancel_order(p_order_id);
    v_found := FOUND;
    PERFORM vb.audit(
        'vb_api.cancel_order', jsonb_build_object('order_id', p_order_id),
        jsonb_build_object('status', CASE WHEN v_found THEN status ELSE 'unknown_order' END)
    );
    IF v_found THEN  -- an unknown order: no row, as before
        RETURN NEXT;
    END IF;
END
$$;
