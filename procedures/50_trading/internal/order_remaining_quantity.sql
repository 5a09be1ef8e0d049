-- vb.order_remaining_quantity(p_order vb.orders) → bigint
--
-- Internal. What of an order still rests: quantity − filled while it is new or partially filled,
-- else 0. The one place of this rule (vb.order_state, vb.order_event_of); IMMUTABLE like its
-- body, so it inlines.
CREATE OR REPLACE FUNCTION vb.order_remaining_quantity(p_order vb.orders)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN (p_order).order_status IN ('new', 'partially_filled')
        THEN (p_order).quantity - (p_order).filled_quantity ELSE 0 END;
$$;
