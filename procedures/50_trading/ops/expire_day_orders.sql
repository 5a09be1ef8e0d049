-- vb_ops.expire_day_orders() → integer
--
-- Cancels resting 'day' orders whose day is over: the market session they were placed in has
-- closed, or, for an order placed outside any session (calendar not enforced), its UTC day has
-- ended. Each is cancelled as vb_api.cancel_order does (reservation voided, order.cancelled).
-- Returns how many expired.
-- Locks: every affected security's row first, in symbol order, then the cancels; holding the
-- symbol locks before any account lock keeps the lock order of place_order, so no deadlock.
-- Raises: nothing of its own.
CREATE OR REPLACE FUNCTION vb_ops.expire_day_orders()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_ids uuid [];
    v_order_id uuid;
BEGIN
    SELECT array_agg(o.order_id ORDER BY o.symbol, o.book_seq) INTO v_ids
    FROM vb.orders AS o
    LEFT JOIN LATERAL (
        SELECT m.close_at FROM vb.market_sessions AS m
        WHERE m.open_at <= o.created_at AND o.created_at < m.close_at
        LIMIT 1
    ) AS s ON TRUE
    WHERE o.time_in_force = 'day' AND o.order_status IN ('new', 'partially_filled')
        AND coalesce(s.close_at, date_trunc('day', o.created_at, 'UTC') + INTERVAL '1 day') <= v_now;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM FROM vb.securities AS sec
    WHERE sec.symbol IN (SELECT o.symbol FROM vb.orders AS o WHERE o.order_id = ANY (v_ids))
    ORDER BY sec.symbol
    FOR UPDATE;
    FOREACH v_order_id IN ARRAY v_ids LOOP
        PERFORM vb.cancel_order(v_order_id);
    END LOOP;
    PERFORM vb.audit('vb_ops.expire_day_orders', '{}', jsonb_build_object('cancelled', cardinality(v_ids)));
    RETURN cardinality(v_ids);
END
$$;
