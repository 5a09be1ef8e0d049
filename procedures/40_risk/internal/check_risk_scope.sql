-- vb.check_risk_scope(p_scope text, p_scope_key text) → text
--
-- Internal. Null when the scope and key name something that exists; else 'invalid_scope' or
-- 'unknown_symbol' (shared by set_exposure_limit and set_trading_state).
CREATE OR REPLACE FUNCTION vb.check_risk_scope(p_scope text, p_scope_key text)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    IF p_scope IS NULL OR p_scope NOT IN ('global', 'security', 'account')
        OR (p_scope = 'global') <> (p_scope_key IS NULL) THEN
        RETURN 'invalid_scope';
    END IF;
    IF p_scope = 'security' AND NOT EXISTS (SELECT FROM vb.securities AS s WHERE s.symbol = p_scope_key) THEN
        RETURN 'unknown_symbol';
    END IF;
    IF p_scope = 'account' AND (p_scope_key !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
        OR NOT EXISTS (SELECT FROM vb.accounts AS a WHERE a.account_id = p_scope_key::uuid)) THEN
        RETURN 'invalid_scope';
    END IF;
    RETURN NULL;
END
$$;
