-- vb_api.set_trading_state(p_scope text, p_scope_key text, p_state text) → text
--
-- Sets the trading state of everything (global, key null), a security (its symbol) or an
-- account (its id as text): 'halted' rejects new orders ('trading_halted'); 'reduce_only'
-- accepts only orders that shrink an existing position (with long-only positions: sells; buys
-- are rejected 'reduce_only'); 'active' lifts the state. The most restrictive state among the
-- three scopes applies. Cancels are always allowed.
-- Returns: 'set' | 'invalid_scope' | 'invalid_state' | 'unknown_symbol'.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.set_trading_state(p_scope text, p_scope_key text, p_state text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_check text := vb.check_risk_scope(p_scope, p_scope_key);
    v_arguments jsonb := jsonb_build_object('scope', vb.audit_text(p_scope), 'scope_key', vb.audit_text(p_scope_key), 'state', vb.audit_text(p_state));
    v_old text;
BEGIN
    IF v_check IS NOT NULL THEN
        RETURN vb.audited('vb_api.set_trading_state', v_arguments, v_check);
    END IF;
    IF p_state IS NULL OR p_state NOT IN ('active', 'reduce_only', 'halted') THEN
        RETURN vb.audited('vb_api.set_trading_state', v_arguments, 'invalid_state');
    END IF;
    SELECT t.trading_state INTO v_old FROM vb.trading_states AS t
    WHERE t.scope = p_scope AND t.scope_key = vb.risk_scope_key(p_scope, p_scope_key) FOR UPDATE;
    v_arguments := v_arguments || jsonb_build_object('state', jsonb_build_object('old', coalesce(v_old, 'active'), 'new', p_state));
    IF p_state = 'active' THEN
        DELETE FROM vb.trading_states AS t WHERE t.scope = p_scope AND t.scope_key = vb.risk_scope_key(p_scope, p_scope_key);
    ELSE
        INSERT INTO vb.trading_states (scope, scope_key, trading_state)
        VALUES (p_scope, vb.risk_scope_key(p_scope, p_scope_key), p_state)
        ON CONFLICT (scope, scope_key) DO UPDATE SET trading_state = excluded.trading_state, updated_at = now();
    END IF;
    RETURN vb.audited('vb_api.set_trading_state', v_arguments, 'set');
END
$$;
