-- vb.check_order(p_security, p_account, p_side, p_order_type, p_time_in_force, p_quantity,
--     p_limit_price, p_reference_price, p_market_open, p_holds_shares) → text
--
-- Internal. The checks of an order that do not depend on the book, in the trading contract's
-- order of reject reasons (unknown_symbol … insufficient_position), against the state the caller
-- read: the security (null row = unknown) with its row lock held, the trader's cash account (null
-- row = not found), the symbol's reference price (null = none: no band applies), whether the
-- market is open and whether the owner holds a share account of the symbol (no short selling).
-- Returns the first reject reason, or null. Trading states and risk limits come after matching
-- (vb.pre_trade_risk: a market order's notional is known only then), funds at settlement.
-- vb_api.place_order calls it twice: first with a market open, no reference price and shares held
-- (only the reasons up to invalid_price can fire, before it takes the security's lock), then
-- with the real state under the lock. One SQL CASE with no SET clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.check_order(
    p_security vb.securities,
    p_account vb.accounts,
    p_side text,
    p_order_type text,
    p_time_in_force text,
    p_quantity bigint,
    p_limit_price bigint,
    p_reference_price bigint,
    p_market_open boolean,
    p_holds_shares boolean
) RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT CASE
        WHEN p_security.symbol IS NULL THEN 'unknown_symbol'
        WHEN p_account.account_id IS NULL OR p_account.owner_id IS NULL OR p_account.account_kind <> 'customer'
            THEN 'account_not_found'
        WHEN p_account.asset_code <> p_security.currency THEN 'asset_mismatch'
        WHEN p_side IS NULL OR p_side NOT IN ('buy', 'sell') THEN 'invalid_side'
        WHEN p_order_type IS NULL OR p_order_type NOT IN ('limit', 'market') THEN 'invalid_order_type'
        WHEN p_time_in_force IS NULL OR p_time_in_force NOT IN ('gtc', 'day', 'ioc', 'fok')
            THEN 'invalid_time_in_force'
        WHEN p_quantity IS NULL OR p_quantity <= 0 OR p_quantity > vb.max_order_quantity()
            OR p_quantity % p_security.lot_size <> 0 THEN 'invalid_quantity'
        WHEN (p_order_type = 'limit' AND (p_limit_price IS NULL OR p_limit_price <= 0
                OR p_limit_price > vb.max_price_minor() OR p_limit_price % p_security.tick_size <> 0))
            OR (p_order_type = 'market' AND p_limit_price IS NOT NULL) THEN 'invalid_price'
        WHEN p_order_type = 'limit' AND p_security.price_band_bps IS NOT NULL AND p_reference_price IS NOT NULL
            AND abs(p_limit_price - p_reference_price)::numeric * 10000
            > p_security.price_band_bps::numeric * p_reference_price THEN 'price_band'
        WHEN NOT p_market_open THEN 'market_closed'
        WHEN p_side = 'sell' AND NOT p_holds_shares THEN 'insufficient_position'
    END;
$$;
