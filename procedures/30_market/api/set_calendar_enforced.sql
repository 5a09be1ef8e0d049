-- vb_api.set_calendar_enforced(p_enforced boolean) → text
--
-- Switches market-calendar enforcement (off by default): when on, orders outside a session
-- defined by vb_api.set_market_session are rejected with 'market_closed'.
-- Returns: 'set'. Raises: VB001 when p_enforced is null.
CREATE OR REPLACE FUNCTION vb_api.set_calendar_enforced(p_enforced boolean)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old boolean;
BEGIN
    IF p_enforced IS NULL THEN
        RAISE EXCEPTION 'p_enforced must not be null' USING ERRCODE = 'VB001';
    END IF;
    SELECT c.calendar_enforced INTO v_old FROM vb.trading_config AS c FOR UPDATE;
    UPDATE vb.trading_config SET calendar_enforced = p_enforced, updated_at = now();
    RETURN vb.audited(
        'vb_api.set_calendar_enforced', jsonb_build_object('enforced', jsonb_build_object('old', v_old, 'new', p_enforced)), 'set'
    );
END
$$;
