-- vb.trade_executed_event(p_trade_id, p_symbol, p_price, p_quantity, p_buy_order_id, p_sell_order_id,
--     p_maker_order_id, p_taker_side, p_buyer_fee, p_seller_fee) → json
--
-- Internal. The trade.executed event of one trade, keyed by symbol. STABLE SQL without a SET
-- clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.trade_executed_event(
    p_trade_id bigint,
    p_symbol text,
    p_price bigint,
    p_quantity bigint,
    p_buy_order_id uuid,
    p_sell_order_id uuid,
    p_maker_order_id uuid,
    p_taker_side text,
    p_buyer_fee bigint,
    p_seller_fee bigint
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('trade.executed', 'trade', p_symbol, json_build_object(
        'trade_id', p_trade_id, 'symbol', p_symbol, 'price', p_price, 'quantity', p_quantity,
        'buy_order_id', p_buy_order_id, 'sell_order_id', p_sell_order_id, 'maker_order_id', p_maker_order_id,
        'taker_side', p_taker_side, 'buyer_fee', p_buyer_fee, 'seller_fee', p_seller_fee
    ));
$$;
