-- vb.max_price_minor() → bigint
--
-- Internal. The largest price an order or a quote may carry, in minor units of the currency:
-- 10^9 (10,000,000.00 at two decimals). See vb.max_order_quantity for why.
CREATE OR REPLACE FUNCTION vb.max_price_minor()
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT 1000000000::bigint;
$$;
