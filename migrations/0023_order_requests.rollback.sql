DROP FUNCTION IF EXISTS vb_api.place_orders(vb_api.order_request []);
DROP TYPE vb_api.order_request;
