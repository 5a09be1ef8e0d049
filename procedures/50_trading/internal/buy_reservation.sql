-- vb.buy_reservation(p_quantity bigint, p_limit_price bigint, p_fee_bps integer, p_lot_size bigint) → bigint
--
-- Internal. Cash a resting buy of p_quantity at p_limit_price reserves: its notional, the fee on
-- it, and one minor unit per possible fill (each fill rounds its fee up on its own, so fills of
-- n lots can cost up to n − 1 units more than one fee on the whole). With that margin a fill's
-- cost never exceeds the reservation, and the rest's new reservation never exceeds what the fill
-- released.
CREATE OR REPLACE FUNCTION vb.buy_reservation(
    p_quantity bigint, p_limit_price bigint, p_fee_bps integer, p_lot_size bigint
) RETURNS bigint
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT (p_quantity::numeric * p_limit_price
        + ceil(p_quantity::numeric * p_limit_price * p_fee_bps / 10000)
        + CASE WHEN p_fee_bps > 0 THEN p_quantity / p_lot_size ELSE 0 END)::bigint;
$$;
