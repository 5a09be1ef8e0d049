-- vb.trading_state_of(p_account_id uuid, p_symbol text) → table (trading_state text), one row
--
-- Internal. The trading state an order of this account on this symbol is under: the most
-- restrictive of the global, security and account states ('halted' > 'reduce_only' > 'active').
-- A one-row set-returning sql function, so that a caller's FROM inlines it (vb.pre_trade_risk
-- reads it and the hard limits in one statement): a scalar sql function whose body needs a
-- subquery is not inlined (it would be parsed again on every order), a plpgsql one costs a call
-- and a statement of its own.
CREATE OR REPLACE FUNCTION vb.trading_state_of(p_account_id uuid, p_symbol text)
RETURNS TABLE (trading_state text)
LANGUAGE sql
STABLE
ROWS 1
AS $$
    SELECT coalesce((
        SELECT s.trading_state
        FROM vb.trading_states AS s
        WHERE (s.scope = 'global' AND s.scope_key = '')
            OR (s.scope = 'security' AND s.scope_key = p_symbol)
            OR (s.scope = 'account' AND s.scope_key = p_account_id::text)
        ORDER BY s.trading_state = 'halted' DESC
        LIMIT 1
    ), 'active');
$$;
