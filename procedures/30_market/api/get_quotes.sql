-- vb_api.get_quotes(p_symbols text[])
--   → table (symbol, bid, ask, last, volume, ts)
--
-- The latest quote of each symbol asked for; symbols without a quote are absent.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.get_quotes(p_symbols text [])
RETURNS TABLE (symbol text, bid bigint, ask bigint, last bigint, volume bigint, ts timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT q.symbol, q.bid, q.ask, q.last_price, q.volume, q.quoted_at
    FROM vb.quotes AS q
    WHERE q.symbol = ANY (p_symbols)
    ORDER BY q.symbol;
$$;
