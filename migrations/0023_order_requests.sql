-- The element type of vb_api.place_orders (trading contract 1.1): the fields of place_order, in
-- its parameters' order.
CREATE TYPE vb_api.order_request AS (
    order_id uuid,
    account_id uuid,
    symbol text,
    side text,
    quantity bigint,
    order_type text,
    limit_price bigint,
    time_in_force text
);
