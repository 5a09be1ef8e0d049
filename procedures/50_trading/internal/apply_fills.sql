-- vb.apply_fills(p_taker_order_id, p_taker_side, p_taker_owner, p_makers, p_prices, p_quantities,
--     p_trade_ids, p_buyer_fees, p_seller_fees, p_symbol, p_now, p_transfer_key) → json[]
--
-- Internal. After the settlement transfers of an incoming order went into the ledger (same
-- transaction): records the trades, advances each maker (filled quantity and notional, status,
-- its new reservation) and keeps the security's last trade price. p_makers are the resting
-- orders as matching read them, fees as settlement computed them. Returns the events to write —
-- each maker's order event and trade.executed per trade — for the caller's single outbox row.
-- A maker's next reservation id derives from p_transfer_key (vb.keyed_id), as trade_transfers'.
-- The makers need no row lock: every change to a symbol's orders holds the security's row lock.
CREATE OR REPLACE FUNCTION vb.apply_fills(
    p_taker_order_id uuid, p_taker_side text, p_taker_owner uuid, p_makers vb.orders [], p_prices bigint [],
    p_quantities bigint [], p_trade_ids bigint [], p_buyer_fees bigint [], p_seller_fees bigint [], p_symbol text,
    p_now timestamptz, p_transfer_key bytea
) RETURNS json []
LANGUAGE plpgsql
AS $$
DECLARE
    i integer;
    v_maker vb.orders;
    v_notional bigint;
    v_events json [] := '{}';
BEGIN
    FOR i IN 1..cardinality(p_makers) LOOP
        v_maker := p_makers[i];
        v_notional := p_prices[i] * p_quantities[i];
        INSERT INTO vb.trades (
            trade_id, executed_at, symbol, price, quantity, buy_order_id, sell_order_id, maker_order_id, taker_side,
            buyer_id, seller_id, buyer_fee, seller_fee
        ) VALUES (
            p_trade_ids[i], p_now, p_symbol, p_prices[i], p_quantities[i],
            CASE WHEN p_taker_side = 'buy' THEN p_taker_order_id ELSE v_maker.order_id END,
            CASE WHEN p_taker_side = 'sell' THEN p_taker_order_id ELSE v_maker.order_id END,
            v_maker.order_id, p_taker_side,
            CASE WHEN p_taker_side = 'buy' THEN p_taker_owner ELSE v_maker.owner_id END,
            CASE WHEN p_taker_side = 'sell' THEN p_taker_owner ELSE v_maker.owner_id END,
            p_buyer_fees[i], p_seller_fees[i]
        );
        UPDATE vb.orders AS o
        SET filled_quantity = o.filled_quantity + p_quantities[i],
            filled_notional = o.filled_notional + v_notional,
            order_status = CASE WHEN o.filled_quantity + p_quantities[i] = o.quantity THEN 'filled'
                ELSE 'partially_filled' END,
            reservation_id = CASE WHEN o.filled_quantity + p_quantities[i] = o.quantity THEN NULL
                ELSE vb.keyed_id(p_transfer_key, 'reserve', o.order_id::text, (o.reservation_count + 1)::text) END,
            reservation_count = o.reservation_count + 1,
            updated_at = p_now
        WHERE o.order_id = v_maker.order_id
        RETURNING * INTO v_maker;
        v_events := v_events || vb.order_event(v_maker, CASE v_maker.order_status
            WHEN 'filled' THEN 'order.filled' ELSE 'order.partially_filled' END);
        v_events := v_events || vb.trade_executed_event(
            p_trade_ids[i], p_symbol, p_prices[i], p_quantities[i],
            CASE WHEN p_taker_side = 'buy' THEN p_taker_order_id ELSE v_maker.order_id END,
            CASE WHEN p_taker_side = 'sell' THEN p_taker_order_id ELSE v_maker.order_id END,
            v_maker.order_id, p_taker_side, p_buyer_fees[i], p_seller_fees[i]
        );
    END LOOP;
    UPDATE vb.securities AS s
    SET last_trade_price = p_prices[cardinality(p_prices)], last_trade_at = p_now
    WHERE s.symbol = p_symbol;
    RETURN v_events;
END
$$;
