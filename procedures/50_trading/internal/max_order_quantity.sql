-- vb.max_order_quantity() → bigint
--
-- Internal. The largest quantity an order may have (shares): 10^9. With vb.max_price_minor()
-- it bounds every notional at 10^18 and every notional plus fee (fee rates ≤ 100%) at 2·10^18,
-- inside bigint, so no product or sum the trading path computes can overflow.
CREATE OR REPLACE FUNCTION vb.max_order_quantity()
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT 1000000000::bigint;
$$;
