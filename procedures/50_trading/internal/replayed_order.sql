-- vb.replayed_order(p_order_id uuid, p_digest uuid)
--   → table (order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Internal. What an order request whose id is already taken reports (trading contract,
-- idempotency): with the same parameters (the same request digest) the order's current state;
-- with other parameters 'rejected' / 'exists_with_different_fields', the order untouched. No row
-- when the id is free. place_order asks before its checks and again once it holds the book's
-- lock (a caller with the same id may have committed meanwhile): the order id needs no lock of
-- its own.
CREATE OR REPLACE FUNCTION vb.replayed_order(p_order_id uuid, p_digest uuid)
RETURNS TABLE (
    order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint, avg_fill_price bigint,
    reject_reason text
)
LANGUAGE sql
STABLE
ROWS 1
AS $$
    SELECT o.order_id,
        CASE WHEN o.request_digest = p_digest THEN o.order_status ELSE 'rejected' END,
        CASE WHEN o.request_digest = p_digest THEN o.filled_quantity ELSE 0 END,
        CASE WHEN o.request_digest = p_digest THEN vb.order_remaining_quantity(o) ELSE 0 END,
        CASE WHEN o.request_digest = p_digest THEN vb.order_avg_fill_price(o) END,
        CASE WHEN o.request_digest = p_digest THEN o.reject_reason ELSE 'exists_with_different_fields' END
    FROM vb.orders AS o
    WHERE o.order_id = p_order_id;
$$;
