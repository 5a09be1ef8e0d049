-- vb_api.place_orders(p_orders vb_api.order_request[])
--   → table (idx, order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Places many orders in one call and one transaction (trading contract 1.1): for the market
-- simulator, bots and market makers. Each element is processed exactly as vb_api.place_order
-- would process it, in array order — an element sees the book, balances and positions the
-- elements before it left — with the same statuses, reject reasons, idempotency (a replayed
-- order id reports the order) and events; a rejected element does not stop the others.
-- Parameters: p_orders, 1-based, at most 1,000 elements (vb.size_limit 'orders_per_call'); each
-- element's fields are place_order's parameters in the same order (vb_api.order_request), a null
-- order_type meaning 'limit' and a null time_in_force 'gtc' as place_order's defaults do.
-- Returns: one row per element, idx its position in p_orders, then place_order's row.
-- Raises: VB001 when p_orders is null, empty, holds more than 1,000 elements, is not a
-- one-dimensional array from index 1, or an element or its order_id is null (nothing is done);
-- place_order's 40001 and VB999, and 40P01 (below): the whole call is then undone, and may be
-- retried as it was.
-- Locks, held to the end of the call: the books of every element's symbol in symbol order (even
-- of an element that will be rejected; two batches over the same symbols queue), then the
-- elements' own cash and share accounts in the ledger's order, before the first element; then,
-- as elements trade, their counterparties' accounts. A caller whose transaction touches a
-- counterparty's account while the batch holds accounts it needs may therefore be ended by
-- PostgreSQL with 40P01 (a deadlock; retry), which a single place_order never causes: send one
-- stream of batches (a simulator, a market maker), and retry 40P01.
-- Speed: the elements share the call's round trip, commit and audit record; the batch's books
-- stay locked for the whole call (pyvb bench trading: docs/performance.md).
-- Audited (contract audit.md): one vb.event_audit record per call: the accounts and symbols of the
-- batch, and how many elements got each status.
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
    IF p_orders IS NULL OR cardinality(p_orders) NOT BETWEEN 1 AND vb.size_limit('orders_per_call')
        OR array_ndims(p_orders) <> 1 OR array_lower(p_orders, 1) <> 1 THEN
        RAISE EXCEPTION 'p_orders must be a one-dimensional array of 1 to % orders, from index 1',
            vb.size_limit('orders_per_call') USING ERRCODE = 'VB001';
    END IF;
    IF EXISTS (SELECT FROM unnest(p_orders) AS o WHERE o IS NULL OR o.order_id IS NULL) THEN
        RAISE EXCEPTION 'every order of p_orders needs an order_id' USING ERRCODE = 'VB001';
    END IF;
    -- the batch's books, in one order for every caller; then the traders' own cash and share
    -- accounts in the ledger's order (non-deferred, by id), so that the batch takes them as any
    -- single ledger call would, not element by element
    PERFORM FROM vb.securities AS s
    WHERE s.symbol IN (SELECT o.symbol FROM unnest(p_orders) AS o)
    ORDER BY s.symbol
    FOR UPDATE;
    PERFORM FROM vb.accounts AS a
    WHERE NOT a.is_deferred AND a.account_id IN (
        SELECT o.account_id FROM unnest(p_orders) AS o
        UNION
        SELECT vb.share_account_uuid(k.derivation_key, c.owner_id, o.symbol)
        FROM unnest(p_orders) AS o
        JOIN vb.accounts AS c ON c.account_id = o.account_id
        CROSS JOIN vb.derivation_keys AS k
        WHERE k.purpose = 'account' AND c.owner_id IS NOT NULL AND o.symbol IS NOT NULL
    )
    ORDER BY a.account_id
    FOR NO KEY UPDATE;
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
        jsonb_build_object(
            'orders', cardinality(p_orders),
            'accounts', (SELECT jsonb_agg(DISTINCT o.account_id) FROM unnest(p_orders) AS o),
            'symbols', (SELECT jsonb_agg(DISTINCT vb.audit_text(o.symbol)) FROM unnest(p_orders) AS o)
        ),
        jsonb_build_object('statuses', (
            SELECT jsonb_object_agg(c.status, c.orders)
            FROM (SELECT s.status, count(*) AS orders FROM unnest(v_statuses) AS s (status) GROUP BY s.status) AS c
        ))
    );
END
$$;
