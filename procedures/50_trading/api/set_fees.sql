-- vb_api.set_fees(p_symbol text, p_maker_fee_bps integer, p_taker_fee_bps integer) → text
--
-- Sets a security's maker and taker fees in basis points (0–10000), or with p_symbol null the
-- defaults for securities without their own (both start at 0). A fee is charged per trade side
-- in the settlement currency: ceil(price × quantity × bps / 10000).
-- Returns: 'set' | 'unknown_symbol'.
-- Raises: VB001 when a fee is null or outside 0–10000 (rebates are not supported).
CREATE OR REPLACE FUNCTION vb_api.set_fees(p_symbol text, p_maker_fee_bps integer, p_taker_fee_bps integer)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old jsonb;
BEGIN
    IF p_maker_fee_bps IS NULL OR p_taker_fee_bps IS NULL
        OR p_maker_fee_bps NOT BETWEEN 0 AND 10000 OR p_taker_fee_bps NOT BETWEEN 0 AND 10000 THEN
        RAISE EXCEPTION 'fees must be 0-10000 bps' USING ERRCODE = 'VB001';
    END IF;
    IF p_symbol IS NULL THEN
        SELECT jsonb_build_object('maker_fee_bps', d.maker_fee_bps, 'taker_fee_bps', d.taker_fee_bps) INTO v_old
        FROM vb.fee_defaults AS d FOR UPDATE;
        UPDATE vb.fee_defaults
        SET maker_fee_bps = p_maker_fee_bps, taker_fee_bps = p_taker_fee_bps, updated_at = now();
    ELSE
        SELECT jsonb_build_object('maker_fee_bps', s.maker_fee_bps, 'taker_fee_bps', s.taker_fee_bps) INTO v_old
        FROM vb.securities AS s WHERE s.symbol = p_symbol FOR UPDATE;
        UPDATE vb.securities AS s
        SET maker_fee_bps = p_maker_fee_bps, taker_fee_bps = p_taker_fee_bps
        WHERE s.symbol = p_symbol;
    END IF;
    RETURN vb.audited(
        'vb_api.set_fees',
        jsonb_build_object('symbol', vb.audit_text(p_symbol), 'fees', jsonb_build_object(
            'old', v_old, 'new', jsonb_build_object('maker_fee_bps', p_maker_fee_bps, 'taker_fee_bps', p_taker_fee_bps)
        )),
        CASE WHEN p_symbol IS NULL OR v_old IS NOT NULL THEN 'set' ELSE 'unknown_symbol' END
    );
END
$$;
