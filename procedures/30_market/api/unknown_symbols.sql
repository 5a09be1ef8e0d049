-- vb_api.unknown_symbols(p_symbols text[]) → text[]
--
-- Which of p_symbols name no security: each once, in the order of its first appearance; nulls
-- are skipped. For the market feed (vb_feed), which sets aside a quote for an unknown symbol as a
-- dead letter with its reason (vb_api.ingest_quotes skips such quotes without a word: the
-- contract's count of applied quotes cannot say which were skipped).
-- Parameters: p_symbols at most 10,000 elements (vb.size_limit 'ids_per_call').
-- Returns: the unknown symbols ('{}' when every symbol is known).
-- Raises: VB001 when p_symbols is null or holds more than 10,000 elements.
CREATE OR REPLACE FUNCTION vb_api.unknown_symbols(p_symbols text [])
RETURNS text []
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_symbols IS NULL OR cardinality(p_symbols) > vb.size_limit('ids_per_call') THEN
        RAISE EXCEPTION 'p_symbols must be an array of at most % symbols', vb.size_limit('ids_per_call')
            USING ERRCODE = 'VB001';
    END IF;
    RETURN ARRAY(
        SELECT u.symbol
        FROM unnest(p_symbols) WITH ORDINALITY AS u (symbol, position)
        WHERE u.symbol IS NOT NULL
            AND NOT EXISTS (SELECT FROM vb.securities AS s WHERE s.symbol = u.symbol)
        GROUP BY u.symbol
        ORDER BY min(u.position)
    );
END
$$;
