-- vb.trade_fee(p_notional numeric, p_bps integer) → bigint
--
-- Internal. The fee of one trade side (trading contract): ceil(price × quantity × bps / 10000).
CREATE OR REPLACE FUNCTION vb.trade_fee(p_notional numeric, p_bps integer)
RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT ceil(p_notional * p_bps / 10000)::bigint;
$$;
