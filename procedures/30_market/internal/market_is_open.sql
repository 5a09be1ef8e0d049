-- vb.market_is_open(p_at timestamptz) → boolean
--
-- Internal. True when the calendar is not enforced, or p_at falls inside a session
-- (open_at <= p_at < close_at) of any date. plpgsql, not sql: a sql function with a FROM clause
-- is not inlined and would be parsed again on every order.
CREATE OR REPLACE FUNCTION vb.market_is_open(p_at timestamptz)
RETURNS boolean
LANGUAGE plpgsql
STABLE
AS $$
BEGIN
    RETURN (
        SELECT NOT c.calendar_enforced OR EXISTS (
            SELECT FROM vb.market_sessions AS m
            WHERE m.session_date BETWEEN (p_at - INTERVAL '2 days')::date AND (p_at + INTERVAL '1 day')::date
                AND m.open_at <= p_at AND p_at < m.close_at
        )
        FROM vb.trading_config AS c
    );
END
$$;
