-- vb.trade_transfers(p_trade_id, p_price, p_quantity, p_taker_side, p_taker_owner, p_taker_cash,
--     p_taker_shares, p_maker vb.orders, p_maker_rest, p_taker_fee_bps, p_fee_account, p_currency,
--     p_symbol, p_lot_size, p_transfer_key, p_account_key)
--   → table (requests vb_api.transfer_request[], debits text[], buyer_fee bigint, seller_fee bigint)
--
-- Internal. The ledger requests that settle one trade, in order, with what a failure of each
-- would mean ('cash' / 'shares': the taker lacks funds or shares; 'other': cannot fail unless
-- there is a bug), and the trade's two fees (the trade row records them). Transfer ids derive
-- from the trade id and leg (vb.keyed_id with p_transfer_key), so they are unique; the maker's
-- escrow and share accounts from its owner (with p_account_key).
--   cash:   buyer pays notional + buyer fee; seller gets notional − seller fee; the fee account
--           gets both fees. A maker buyer pays from its escrow after its reservation is posted
--           for exactly this cost; a taker buyer pays from its cash account.
--   shares: a maker seller's reservation is posted and its escrow delivers; a taker seller
--           delivers from its share account.
--   a maker with a rest reserves it anew (the post released more than the rest needs).
-- Opens the maker buyer's share account if needed.
CREATE OR REPLACE FUNCTION vb.trade_transfers(
    p_trade_id bigint,
    p_price bigint,
    p_quantity bigint,
    p_taker_side text,
    p_taker_owner uuid,
    p_taker_cash uuid,
    p_taker_shares uuid,
    p_maker vb.orders,
    p_maker_rest bigint,
    p_taker_fee_bps integer,
    p_fee_account uuid,
    p_currency text,
    p_symbol text,
    p_lot_size bigint,
    p_transfer_key bytea,
    p_account_key bytea
) RETURNS TABLE (requests vb_api.transfer_request [], debits text [], buyer_fee bigint, seller_fee bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    v_notional bigint := p_price * p_quantity;
    v_maker_buys boolean := p_taker_side = 'sell';
    v_buyer_fee bigint;
    v_seller_fee bigint;
    v_maker_cash_escrow uuid := vb.keyed_id(p_account_key, 'escrow', p_maker.owner_id::text, p_currency);
    v_maker_share_escrow uuid := vb.keyed_id(p_account_key, 'escrow', p_maker.owner_id::text, p_symbol);
    v_maker_shares uuid := vb.share_account_uuid(p_account_key, p_maker.owner_id, p_symbol);
    v_buyer_shares uuid;
    v_seller_cash uuid;
    v_cash_payer uuid;
    v_share_payer uuid;
    v_requests vb_api.transfer_request [] := '{}';
    v_debits text [] := '{}';
    v_next_reservation uuid;
BEGIN
    v_buyer_fee := vb.trade_fee(v_notional, CASE WHEN v_maker_buys THEN p_maker.maker_fee_bps ELSE p_taker_fee_bps END);
    v_seller_fee := vb.trade_fee(v_notional, CASE WHEN v_maker_buys THEN p_taker_fee_bps ELSE p_maker.maker_fee_bps END);
    v_buyer_shares := CASE WHEN v_maker_buys THEN v_maker_shares ELSE p_taker_shares END;
    v_seller_cash := CASE WHEN v_maker_buys THEN p_taker_cash ELSE p_maker.account_id END;
    IF v_maker_buys THEN
        PERFORM vb.ensure_account(v_maker_shares, p_symbol, p_maker.owner_id, 'customer');
        v_requests := v_requests || ROW(vb.keyed_id(p_transfer_key, 'trade', p_trade_id::text, 'cash-post'), NULL, NULL,
            v_notional + v_buyer_fee, NULL, '{post_pending}', p_maker.reservation_id, NULL, NULL)::vb_api.transfer_request;
        v_debits := v_debits || 'other'::text;
        v_cash_payer := v_maker_cash_escrow;
        v_share_payer := p_taker_shares;
    ELSE
        v_requests := v_requests || ROW(vb.keyed_id(p_transfer_key, 'trade', p_trade_id::text, 'share-post'), NULL, NULL,
            p_quantity, NULL, '{post_pending}', p_maker.reservation_id, NULL, NULL)::vb_api.transfer_request;
        v_debits := v_debits || 'other'::text;
        v_cash_payer := p_taker_cash;
        v_share_payer := v_maker_share_escrow;
    END IF;
    IF v_notional - v_seller_fee > 0 THEN
        v_requests := v_requests || ROW(vb.keyed_id(p_transfer_key, 'trade', p_trade_id::text, 'proceeds'), v_cash_payer,
            v_seller_cash, v_notional - v_seller_fee, 'trade', '{}', NULL, NULL,
            jsonb_build_object('trade_id', p_trade_id))::vb_api.transfer_request;
        v_debits := v_debits || CASE WHEN v_maker_buys THEN 'other' ELSE 'cash' END;
    END IF;
    IF v_buyer_fee + v_seller_fee > 0 THEN
        v_requests := v_requests || ROW(vb.keyed_id(p_transfer_key, 'trade', p_trade_id::text, 'fees'), v_cash_payer,
            p_fee_account, v_buyer_fee + v_seller_fee, 'fee', '{}', NULL, NULL,
            jsonb_build_object('trade_id', p_trade_id))::vb_api.transfer_request;
        v_debits := v_debits || CASE WHEN v_maker_buys THEN 'other' ELSE 'cash' END;
    END IF;
    v_requests := v_requests || ROW(vb.keyed_id(p_transfer_key, 'trade', p_trade_id::text, 'shares'), v_share_payer,
        v_buyer_shares, p_quantity, 'trade', '{}', NULL, NULL,
        jsonb_build_object('trade_id', p_trade_id))::vb_api.transfer_request;
    v_debits := v_debits || CASE WHEN v_maker_buys THEN 'shares' ELSE 'other' END;
    IF p_maker_rest > 0 THEN
        v_next_reservation := vb.keyed_id(p_transfer_key, 'reserve', p_maker.order_id::text, (p_maker.reservation_count + 1)::text);
        v_requests := v_requests || CASE WHEN v_maker_buys
            THEN ROW(v_next_reservation, p_maker.account_id, v_maker_cash_escrow,
                vb.buy_reservation(p_maker_rest, p_maker.limit_price, p_maker.maker_fee_bps, p_lot_size),
                'reserve', '{pending}', NULL, NULL, NULL)::vb_api.transfer_request
            ELSE ROW(v_next_reservation, v_maker_shares, v_maker_share_escrow, p_maker_rest, 'reserve', '{pending}',
                NULL, NULL, NULL)::vb_api.transfer_request END;
        v_debits := v_debits || 'other'::text;
    END IF;
    RETURN QUERY SELECT v_requests, v_debits, v_buyer_fee, v_seller_fee;
END
$$;
