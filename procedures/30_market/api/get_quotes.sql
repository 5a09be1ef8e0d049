-- vb_api.get_quotes(p_symbols text[])
--   → table (symbol, bid, ask, last, volume, ts)
--
-- The latest quote of each symbol asked for; symbols without a quote are absent.
-- Raises: VB001 when p_symbols holds more than 10,000 symbols (vb.size_limit 'ids_per_call').
CREATE OR REPLACE FUNCTION vb_api.get_quotes(p_symbols text [])
RETURNS TABLE (symbol text, bid bigint, ask bigint, last bigint, volume bigint, ts timestamptz)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM vb.check_size('p_symbols', cardinality(p_symbols), 'ids_per_call');
    RETURN QUERY
    SELECT q.symbol, q.bid, q.ask, q.last_price, q.volume, q.quoted_at
    FROM vb.quotes AS q
    WHERE q.symbol = ANY (p_symbols)
    ORDER BY q.symbol;
END
$$;
