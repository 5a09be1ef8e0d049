-- vb.order_avg_fill_price(p_order vb.orders) → bigint
--
-- Internal. An order's volume-weighted fill price, rounded down; null when nothing filled. The
-- one place of this rule (vb.order_state, vb.order_event_of); IMMUTABLE like its body, so it
-- inlines.
CREATE OR REPLACE FUNCTION vb.order_avg_fill_price(p_order vb.orders)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT CASE WHEN (p_order).filled_quantity > 0
        THEN floor((p_order).filled_notional / (p_order).filled_quantity)::bigint END;
$$;
