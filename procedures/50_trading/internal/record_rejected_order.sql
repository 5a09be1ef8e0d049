-- vb.record_rejected_order(...) → the order's state
--
-- Internal. Records a rejected order (so a replay returns the rejection, found by its id and
-- request digest) and its order.rejected event. Values out of their documented range are not
-- stored as given: a quantity or price outside 1..10^9 is stored null, a symbol beyond 12
-- characters cut to 12 (it keys the event), so no hostile value breaks the row's checks, the
-- book's generated columns or a Kafka key. The orders' key decides between callers with the same
-- id: the second waits for the first's transaction and, once it committed, reports its order.
CREATE OR REPLACE FUNCTION vb.record_rejected_order(
    p_order_id uuid, p_digest uuid, p_account_id uuid, p_owner_id uuid, p_symbol text, p_side text,
    p_order_type text, p_time_in_force text, p_quantity bigint, p_limit_price bigint, p_reason text,
    p_now timestamptz
) RETURNS TABLE (
    order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint, avg_fill_price bigint,
    reject_reason text
)
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    v_order vb.orders;
BEGIN
    INSERT INTO vb.orders (
        order_id, request_digest, account_id, owner_id, symbol, side, order_type, time_in_force, quantity,
        limit_price, order_status, reject_reason, created_at, updated_at
    ) VALUES (
        p_order_id, p_digest, p_account_id, p_owner_id, left(p_symbol, 12), left(p_side, 12), left(p_order_type, 12),
        left(p_time_in_force, 12),
        CASE WHEN p_quantity BETWEEN 1 AND vb.max_order_quantity() THEN p_quantity END,
        CASE WHEN p_limit_price BETWEEN 1 AND vb.max_price_minor() THEN p_limit_price END,
        'rejected', p_reason, p_now, p_now
    )
    ON CONFLICT (order_id) DO NOTHING
    RETURNING * INTO v_order;
    IF NOT FOUND THEN
        -- a caller with the same id committed while this one waited on the key: its order
        RETURN QUERY SELECT * FROM vb.replayed_order(p_order_id, p_digest);
        RETURN;
    END IF;
    PERFORM vb.write_events(json_build_array(vb.order_event(v_order, 'order.rejected')));
    RETURN QUERY SELECT * FROM vb.order_state(p_order_id);
END
$$;
