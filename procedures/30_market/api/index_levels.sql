-- vb_api.index_levels() → table (code text, level numeric, as_of timestamptz)
--
-- Every index's level: Σ weight × reference price of each constituent (prices in minor units of
-- their currency; constituents without a reference price are skipped). as_of is the newest
-- price used; an index none of whose constituents has a price has a null level.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.index_levels()
RETURNS TABLE (code text, level numeric, as_of timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT i.index_code, sum(c.weight * r.price), max(r.as_of)
    FROM vb.stock_indices AS i
    LEFT JOIN vb.index_constituents AS c ON c.index_code = i.index_code
    LEFT JOIN LATERAL vb.reference_price(c.symbol) AS r ON TRUE
    GROUP BY i.index_code
    ORDER BY i.index_code;
$$;
