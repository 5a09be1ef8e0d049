-- vb_api.get_security(p_symbol text)
--   → table (symbol, name, currency, tick_size, lot_size, price_band_bps, issuer_account_id,
--            maker_fee_bps, taker_fee_bps)
--
-- A security's reference data; the fees are the effective ones (its own, else the defaults).
-- An unknown symbol returns no row. Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.get_security(p_symbol text)
RETURNS TABLE (
    symbol text, name text, currency text, tick_size bigint, lot_size bigint, price_band_bps integer,
    issuer_account_id uuid, maker_fee_bps integer, taker_fee_bps integer
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.symbol, s.security_name, s.currency, s.tick_size, s.lot_size, s.price_band_bps, s.issuer_account_id,
        coalesce(s.maker_fee_bps, d.maker_fee_bps), coalesce(s.taker_fee_bps, d.taker_fee_bps)
    FROM vb.securities AS s
    CROSS JOIN vb.fee_defaults AS d
    WHERE s.symbol = p_symbol;
$$;
