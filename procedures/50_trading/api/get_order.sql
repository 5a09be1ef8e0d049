-- vb_api.get_order(p_order_id uuid)
--   → table (order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- An order's current state, the columns of vb_api.place_order; no row for an unknown id.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.get_order(p_order_id uuid)
RETURNS TABLE (
    order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint, avg_fill_price bigint,
    reject_reason text
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM vb.order_state(p_order_id);
END
$$;
