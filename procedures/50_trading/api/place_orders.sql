-- vb_api.place_orders(p_orders vb_api.order_request[])
--   → table (idx, order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Places many orders in one call and one transaction (trading contract 1.1): for the market
-- simulator, bots and market makers. Each element is processed exactly as vb_api.place_order
-- would process it, in array order — an element sees the book, balances and positions the
-- elements before it left — with the same statuses, reject reasons, idempotency (a replayed
-- order id reports the order) and events; a rejected element does not stop the others.
-- Parameters: p_orders, 1-based, at most 1,000 elements; each element's fields are place_order's
-- parameters in the same order (vb_api.order_request), a null order_type meaning 'limit' and a
-- null time_in_force 'gtc' as place_order's defaults do.
-- Returns: one row per element, idx its position in p_orders, then place_order's row.
-- Raises: VB001 when p_orders is null, empty or holds more than 1,000 elements, or an element or
-- its order_id is null (nothing is done); place_order's 40001 and VB999 (the whole call is then
-- undone).
-- Locks: the securities of the batch in symbol order before the first element (so two batches
-- over the same symbols cannot deadlock on them), then each element's accounts as place_order
-- does; elements of one symbol serialise with other callers' orders of it.
-- Speed: the elements share the call's round trip, commit, audit record and key lookups.
-- Audited (contract audit.md): one vb.event_audit record per call, with how many elements got
-- each status.
CREATE OR REPLACE FUNCTION vb_api.place_orders(p_orders vb_api.order_request [])
RETURNS TABLE (
    idx integer, order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint,
    avg_fill_price bigint, reject_reason text
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_statuses text [] := '{}';
    v_order vb_api.order_request;
    i integer;
BEGIN
    IF p_orders IS NULL OR cardinality(p_orders) NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'p_orders must hold 1 to 1,000 orders' USING ERRCODE = 'VB001';
    END IF;
    IF EXISTS (SELECT FROM unnest(p_orders) AS o WHERE o IS NULL OR o.order_id IS NULL) THEN
        RAISE EXCEPTION 'every order of p_orders needs an order_id' USING ERRCODE = 'VB001';
    END IF;
    -- the batch's books, in one order for every caller
    PERFORM FROM vb.securities AS s
    WHERE s.symbol IN (SELECT o.symbol FROM unnest(p_orders) AS o)
    ORDER BY s.symbol
    FOR UPDATE;
    FOR i IN 1..cardinality(p_orders) LOOP
        idx := i;  -- (a FOR variable named idx would shadow the output column)
        v_order := p_orders[i];
        SELECT p.order_id, p.status, p.filled_quantity, p.remaining_quantity, p.avg_fill_price, p.reject_reason
        INTO order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason
        FROM vb.place_order(
            v_order.order_id, v_order.account_id, v_order.symbol, v_order.side, v_order.quantity,
            coalesce(v_order.order_type, 'limit'), v_order.limit_price, coalesce(v_order.time_in_force, 'gtc')
        ) AS p;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'invariant: order % of the batch left no state', idx USING ERRCODE = 'VB999';
        END IF;
        v_statuses := v_statuses || status;
        RETURN NEXT;
    END LOOP;
    PERFORM vb.audit(
        'vb_api.place_orders',
        jsonb_build_object('orders', cardinality(p_orders)),
        jsonb_build_object('statuses', (
            SELECT jsonb_object_agg(c.status, c.orders)
            FROM (SELECT s.status, count(*) AS orders FROM unnest(v_statuses) AS s (status) GROUP BY s.status) AS c
        ))
    );
END
$$;
