-- vb_api.create_security(p_symbol, p_name, p_currency, p_tick_size default 1, p_lot_size default 1,
--     p_price_band_bps default 1000) → text
--
-- Lists a security: registers its ledger asset (scale 0, kind 'security') and opens its issuer
-- account (kind 'issuer': shares enter circulation only from it, so the holdings of a symbol
-- always sum to zero with the issuer's balance), whose overdraft limit is the most shares that may
-- be outstanding, vb.max_shares_outstanding() = 9·10^9 (so no holding's value overflows; an
-- issue beyond it is insufficient_funds). Idempotent by symbol.
--
-- Parameters: p_symbol 1–12 characters [A-Z0-9._-]; p_name; p_currency an existing currency
-- asset (prices are in its minor units); p_tick_size > 0 (prices are multiples);
-- p_lot_size > 0 (quantities are multiples); p_price_band_bps > 0, or null for no band.
-- Returns: 'created' | 'exists' (same fields) | 'exists_with_different_fields' (including a
--   symbol already used by another asset) | 'currency_not_found'.
-- Raises: VB001 for a null or malformed symbol, a null, empty or over-200-character name, a tick or lot size < 1, a band < 1.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.create_security(
    p_symbol text,
    p_name text,
    p_currency text,
    p_tick_size bigint DEFAULT 1,
    p_lot_size bigint DEFAULT 1,
    p_price_band_bps integer DEFAULT 1000
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('symbol', vb.audit_text(p_symbol), 'currency', vb.audit_text(p_currency), 'tick_size', p_tick_size, 'lot_size', p_lot_size, 'price_band_bps', p_price_band_bps);
    v_existing vb.securities;
    v_issuer_id uuid := vb.derived_id('issuer', p_symbol);
BEGIN
    IF p_symbol IS NULL OR p_symbol !~ '^[A-Z0-9._-]{1,12}$' THEN
        RAISE EXCEPTION 'symbol must be 1-12 characters [A-Z0-9._-], got %', vb.short_quote(p_symbol)
            USING ERRCODE = 'VB001';
    END IF;
    IF p_name IS NULL OR p_name = '' THEN
        RAISE EXCEPTION 'a security needs a name' USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_name', length(p_name), 'name_chars');
    IF p_tick_size IS NULL OR p_tick_size < 1 OR p_lot_size IS NULL OR p_lot_size < 1 OR p_price_band_bps < 1 THEN
        RAISE EXCEPTION 'tick size and lot size must be >= 1 and a price band >= 1 bps' USING ERRCODE = 'VB001';
    END IF;
    SELECT * INTO v_existing FROM vb.securities AS s WHERE s.symbol = p_symbol;
    IF FOUND THEN
        RETURN vb.audited('vb_api.create_security', v_audit_arguments, CASE WHEN (v_existing.security_name, v_existing.currency, v_existing.tick_size, v_existing.lot_size)
                IS NOT DISTINCT FROM (p_name, p_currency, p_tick_size, p_lot_size)
                AND v_existing.price_band_bps IS NOT DISTINCT FROM p_price_band_bps
            THEN 'exists' ELSE 'exists_with_different_fields' END);
    END IF;
    IF NOT EXISTS (SELECT FROM vb.assets AS a WHERE a.asset_code = p_currency AND a.asset_kind = 'currency') THEN
        RETURN vb.audited('vb_api.create_security', v_audit_arguments, 'currency_not_found');
    END IF;
    IF vb.create_asset(p_symbol, 0::smallint, 'security') <> 'created' THEN
        RETURN vb.audited('vb_api.create_security', v_audit_arguments, 'exists_with_different_fields');  -- the symbol names an asset that is not this security
    END IF;
    PERFORM vb.open_account(
        v_issuer_id, p_symbol, NULL, 'issuer', vb.max_shares_outstanding(), json_build_object('symbol', p_symbol)::jsonb
    );
    INSERT INTO vb.securities (
        symbol, security_name, currency, tick_size, lot_size, price_band_bps, issuer_account_id
    ) VALUES (p_symbol, p_name, p_currency, p_tick_size, p_lot_size, p_price_band_bps, v_issuer_id);
    RETURN vb.audited('vb_api.create_security', v_audit_arguments, 'created');
END
$$;
