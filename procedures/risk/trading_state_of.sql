-- vb.trading_state_of(p_account_id uuid, p_symbol text) → text
--
-- Internal. The trading state an order of this account on this symbol is under: the most
-- restrictive of the global, security and account states ('halted' > 'reduce_only' > 'active').
-- plpgsql, not sql: a sql function whose body needs a subquery is not inlined and would be
-- parsed again on every order.
CREATE OR REPLACE FUNCTION vb.trading_state_of(p_account_id uuid, p_symbol text)
RETURNS text
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN coalesce((
        SELECT s.trading_state
        FROM vb.trading_states AS s
        WHERE (s.scope = 'global' AND s.scope_key = '')
            OR (s.scope = 'security' AND s.scope_key = p_symbol)
            OR (s.scope = 'account' AND s.scope_key = p_account_id::text)
        ORDER BY s.trading_state = 'halted' DESC
        LIMIT 1
    ), 'active');
END
$$;
