-- vb_api.candles(p_symbol text, p_interval interval, p_from timestamptz, p_to timestamptz)
--   → table (bucket, open, high, low, close, volume)
--
-- OHLCV candles of a symbol's trades (the exchange's own prints): buckets of p_interval aligned
-- on 2000-01-01 00:00 UTC, from p_from (inclusive) to p_to (exclusive); open/close are the
-- first/last trade price of the bucket, volume the traded quantity. Buckets without trades are
-- absent.
-- Raises: VB001 for a null or infinite argument, an interval that is not a positive fixed
-- length (months and years vary), p_to before p_from, or more than 100,000 buckets.
CREATE OR REPLACE FUNCTION vb_api.candles(p_symbol text, p_interval interval, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (bucket timestamptz, open bigint, high bigint, low bigint, close bigint, volume bigint)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_symbol IS NULL OR p_interval IS NULL OR p_from IS NULL OR p_to IS NULL OR p_to < p_from
        OR NOT isfinite(p_from) OR NOT isfinite(p_to) OR NOT isfinite(p_interval)
        OR extract(MONTH FROM p_interval) <> 0 OR extract(YEAR FROM p_interval) <> 0
        OR p_interval <= INTERVAL '0' OR extract(EPOCH FROM p_to - p_from) / extract(EPOCH FROM p_interval) > vb.size_limit('candles_per_call') THEN
        RAISE EXCEPTION 'candles need a symbol, a positive fixed interval and a range of at most % buckets',
            vb.size_limit('candles_per_call') USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    SELECT c.bucket,
        (array_agg(c.price ORDER BY c.executed_at, c.trade_id))[1],
        max(c.price), min(c.price),
        (array_agg(c.price ORDER BY c.executed_at DESC, c.trade_id DESC))[1],
        sum(c.quantity)::bigint
    FROM (
        SELECT date_bin(p_interval, t.executed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket, t.executed_at,
            t.trade_id, t.price, t.quantity
        FROM vb.trades AS t
        WHERE t.symbol = p_symbol AND t.executed_at >= p_from AND t.executed_at < p_to
    ) AS c
    GROUP BY c.bucket
    ORDER BY c.bucket;
END
$$;
