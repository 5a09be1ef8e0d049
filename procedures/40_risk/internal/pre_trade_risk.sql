-- vb.pre_trade_risk(p_account_id, p_owner_id, p_symbol, p_side, p_quantity, p_price, p_notional) → text
--
-- Internal. The reject reason an order earns from trading states and hard limits, or null:
-- 'trading_halted'; 'reduce_only' (a buy while reduce-only applies: positions are long only, so
-- only sells shrink them); 'risk_limit:<metric>' for the first breached hard limit (by metric
-- name; position limits apply to buys only, since a sell can only shrink a long position).
CREATE OR REPLACE FUNCTION vb.pre_trade_risk(
    p_account_id uuid, p_owner_id uuid, p_symbol text, p_side text, p_quantity bigint, p_price bigint,
    p_notional numeric
) RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_state text;
    v_limited boolean;  -- whether any hard limit applies
    v_breached text;
BEGIN
    SELECT ts.trading_state, EXISTS (
        SELECT FROM vb.applicable_limits(p_account_id, p_symbol) AS l WHERE l.hard_limit IS NOT NULL
    )
    INTO v_state, v_limited
    FROM vb.trading_state_of(p_account_id, p_symbol) AS ts;
    IF v_state = 'halted' THEN
        RETURN 'trading_halted';
    END IF;
    IF v_state = 'reduce_only' AND p_side = 'buy' THEN
        RETURN 'reduce_only';
    END IF;
    IF NOT v_limited THEN
        RETURN NULL;
    END IF;
    SELECT 'risk_limit:' || l.metric INTO v_breached
    FROM vb.applicable_limits(p_account_id, p_symbol) AS l
    JOIN vb.risk_exposure(p_account_id, p_owner_id, p_symbol, p_side, p_quantity, p_price, p_notional) AS e
        ON e.metric = l.metric
    WHERE e.value > l.hard_limit
        -- positions are long only: a sell can only shrink one, so position limits never stop it
        AND NOT (p_side = 'sell' AND l.metric IN ('position_quantity', 'position_notional'))
    ORDER BY l.metric
    LIMIT 1;
    RETURN v_breached;
END
$$;
