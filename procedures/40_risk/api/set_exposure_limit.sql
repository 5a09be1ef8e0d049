-- vb_api.set_exposure_limit(p_scope, p_scope_key, p_metric, p_hard_limit, p_soft_limit default null) → text
--
-- Sets (or with both limits null removes) an exposure limit. Every order is checked against all
-- limits that apply to it — global, its security's, its account's — and a hard breach rejects it
-- with 'risk_limit:<metric>'; after its trades, a soft breach writes a breach event, an alert
-- (one open alert per account and kind) and their events, in the same transaction.
--
-- Parameters: p_scope 'global' (p_scope_key null) | 'security' (a symbol) | 'account' (an
-- account id as text); p_metric, each measured for the order's account and symbol as if the
-- order filled completely:
--   order_notional     quantity × price (the limit price; a market order: what it would trade)
--   position_quantity  shares held + resting buys + this buy
--   position_notional  position_quantity × price (limit price, else the reference price)
--   daily_turnover     notional the account traded today (UTC) + this order's notional
--   open_orders        the account's resting orders + 1
-- p_hard_limit / p_soft_limit ≥ 0, null for none.
-- Returns: 'set' | 'removed' | 'invalid_scope' (unknown scope, a key on global, no key
--   otherwise, or an account that does not exist) | 'invalid_metric' | 'unknown_symbol'.
-- Raises: VB001 for a negative limit.
CREATE OR REPLACE FUNCTION vb_api.set_exposure_limit(
    p_scope text, p_scope_key text, p_metric text, p_hard_limit bigint, p_soft_limit bigint DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_check text := vb.check_risk_scope(p_scope, p_scope_key);
    v_arguments jsonb := jsonb_build_object(
        'scope', vb.audit_text(p_scope), 'scope_key', vb.audit_text(p_scope_key), 'metric', vb.audit_text(p_metric)
    );
    v_old jsonb;
BEGIN
    IF p_hard_limit < 0 OR p_soft_limit < 0 THEN
        RAISE EXCEPTION 'limits must be >= 0' USING ERRCODE = 'VB001';
    END IF;
    IF v_check IS NOT NULL THEN
        RETURN vb.audited('vb_api.set_exposure_limit', v_arguments, v_check);
    END IF;
    IF p_metric IS NULL
        OR p_metric NOT IN ('order_notional', 'position_quantity', 'position_notional', 'daily_turnover', 'open_orders') THEN
        RETURN vb.audited('vb_api.set_exposure_limit', v_arguments, 'invalid_metric');
    END IF;
    SELECT jsonb_build_object('hard_limit', l.hard_limit, 'soft_limit', l.soft_limit) INTO v_old
    FROM vb.exposure_limits AS l
    WHERE l.scope = p_scope AND l.scope_key = vb.risk_scope_key(p_scope, p_scope_key) AND l.metric = p_metric
    FOR UPDATE;
    v_arguments := v_arguments || jsonb_build_object('limits', jsonb_build_object(
        'old', v_old, 'new', jsonb_build_object('hard_limit', p_hard_limit, 'soft_limit', p_soft_limit)
    ));
    IF p_hard_limit IS NULL AND p_soft_limit IS NULL THEN
        DELETE FROM vb.exposure_limits AS l
        WHERE l.scope = p_scope AND l.scope_key = vb.risk_scope_key(p_scope, p_scope_key) AND l.metric = p_metric;
        RETURN vb.audited('vb_api.set_exposure_limit', v_arguments, 'removed');
    END IF;
    INSERT INTO vb.exposure_limits (scope, scope_key, metric, hard_limit, soft_limit)
    VALUES (p_scope, vb.risk_scope_key(p_scope, p_scope_key), p_metric, p_hard_limit, p_soft_limit)
    ON CONFLICT (scope, scope_key, metric) DO UPDATE
    SET hard_limit = excluded.hard_limit, soft_limit = excluded.soft_limit, updated_at = now();
    RETURN vb.audited('vb_api.set_exposure_limit', v_arguments, 'set');
END
$$;
