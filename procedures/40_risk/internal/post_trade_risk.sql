-- vb.post_trade_risk(p_order_id uuid) → integer
--
-- Internal. After an order's trades (same transaction): every applicable soft limit the
-- account's exposure now exceeds raises a breach (vb.raise_breach: breach event, alert unless
-- one is open for that kind, events). order_notional is measured on the order itself. Returns
-- how many breaches were recorded.
CREATE OR REPLACE FUNCTION vb.post_trade_risk(p_order_id uuid)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_order vb.orders;
    v_limit record;
    v_count integer := 0;
BEGIN
    SELECT * INTO v_order FROM vb.orders AS o WHERE o.order_id = p_order_id;
    FOR v_limit IN
        SELECT l.scope, l.scope_key, l.metric, l.soft_limit, e.value
        FROM vb.applicable_limits(v_order.account_id, v_order.symbol) AS l
        JOIN vb.risk_exposure(v_order.account_id, v_order.owner_id, v_order.symbol, v_order.side, 0, NULL,
            0) AS e ON e.metric = l.metric
        WHERE l.soft_limit IS NOT NULL
        ORDER BY l.metric, l.scope
    LOOP
        IF (CASE WHEN v_limit.metric = 'order_notional' THEN v_order.filled_notional ELSE v_limit.value END)
            > v_limit.soft_limit THEN
            PERFORM vb.raise_breach('place_order', v_order.account_id, 'soft_limit:' || v_limit.metric,
                jsonb_build_object('order_id', p_order_id, 'symbol', v_order.symbol, 'metric', v_limit.metric,
                    'scope', v_limit.scope, 'scope_key', nullif(v_limit.scope_key, ''), 'soft_limit', v_limit.soft_limit,
                    'value', CASE WHEN v_limit.metric = 'order_notional' THEN v_order.filled_notional ELSE v_limit.value END),
                'warning');
            v_count := v_count + 1;
        END IF;
    END LOOP;
    RETURN v_count;
END
$$;
