-- vb.reference_price(p_symbol text) → table (price bigint, as_of timestamptz)
--
-- Internal. The reference price of a security (trading contract): its last trade price, else
-- the mid of its last quote ((bid + ask) / 2, rounded down; both sides needed), else no row.
CREATE OR REPLACE FUNCTION vb.reference_price(p_symbol text)
RETURNS TABLE (price bigint, as_of timestamptz)
LANGUAGE sql
STABLE
ROWS 1
AS $$
    -- bid + (ask - bid) / 2: the mid rounded down, without a sum that could leave bigint
    SELECT coalesce(s.last_trade_price, q.bid + (q.ask - q.bid) / 2), coalesce(s.last_trade_at, q.quoted_at)
    FROM vb.securities AS s
    LEFT JOIN vb.quotes AS q ON q.symbol = s.symbol AND q.bid IS NOT NULL AND q.ask IS NOT NULL
    WHERE s.symbol = p_symbol AND (s.last_trade_price IS NOT NULL OR q.symbol IS NOT NULL);
$$;
