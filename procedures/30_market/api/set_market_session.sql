-- vb_api.set_market_session(p_date date, p_open_at timestamptz, p_close_at timestamptz) → text
--
-- Defines (or replaces) the trading session of a date; with both times null, removes it. When
-- the calendar is enforced (vb_api.set_calendar_enforced), orders outside every session are
-- rejected with 'market_closed' and day orders expire after the close.
-- Returns: 'set' | 'removed' | 'not_found' (removing a date without a session).
-- Raises: VB001 when p_date is null, only one time is given, or p_open_at >= p_close_at.
CREATE OR REPLACE FUNCTION vb_api.set_market_session(p_date date, p_open_at timestamptz, p_close_at timestamptz)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old jsonb;
    v_arguments jsonb;
BEGIN
    IF p_date IS NULL OR (p_open_at IS NULL) <> (p_close_at IS NULL) OR p_open_at >= p_close_at THEN
        RAISE EXCEPTION 'a session needs a date and an open time before its close time' USING ERRCODE = 'VB001';
    END IF;
    SELECT jsonb_build_object('open_at', m.open_at, 'close_at', m.close_at) INTO v_old
    FROM vb.market_sessions AS m WHERE m.session_date = p_date FOR UPDATE;
    v_arguments := jsonb_build_object('date', p_date, 'session', jsonb_build_object(
        'old', v_old, 'new', CASE WHEN p_open_at IS NOT NULL THEN jsonb_build_object('open_at', p_open_at, 'close_at', p_close_at) END
    ));
    IF p_open_at IS NULL THEN
        DELETE FROM vb.market_sessions AS m WHERE m.session_date = p_date;
        RETURN vb.audited('vb_api.set_market_session', v_arguments, CASE WHEN FOUND THEN 'removed' ELSE 'not_found' END);
    END IF;
    INSERT INTO vb.market_sessions (session_date, open_at, close_at) VALUES (p_date, p_open_at, p_close_at)
    ON CONFLICT (session_date) DO UPDATE SET open_at = excluded.open_at, close_at = excluded.close_at;
    RETURN vb.audited('vb_api.set_market_session', v_arguments, 'set');
END
$$;
