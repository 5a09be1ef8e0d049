-- vb.settle_order(p_order_id, p_side, p_owner_id, p_account_id, p_security, p_makers, p_prices,
--     p_quantities, p_rests, p_rest_quantity, p_rest_limit_price, p_maker_fee_bps, p_taker_fee_bps,
--     p_shares_id, p_cash_escrow_id, p_share_escrow_id, p_fee_account_id, p_open_accounts,
--     p_transfer_key, p_account_key)
--   → table (trade_ids bigint[], buyer_fees bigint[], seller_fees bigint[], filled_notional numeric,
--            reservation_id uuid, reject_reason text), one row
--
-- Internal. Settles a matching plan (vb.match_order) through the ledger as one linked chain, all
-- of it or nothing: per fill, cash buyer → seller, shares seller → buyer and the fees
-- (vb.trade_transfers, with a trade id from vb.trades_trade_id_seq each); then, when
-- p_rest_quantity > 0, the reservation of the rest that will rest at p_rest_limit_price (a buy
-- reserves cash for vb.buy_reservation, a sell its shares, into the owner's escrow). Opens the
-- accounts settlement needs that p_open_accounts does not list (fee account, the buyer's share
-- account, the escrow). A lone request goes to vb_api.create_transfer, as create_transfers would
-- send it, without the batch wrapper. The keys derive the settlement's ids (vb.keyed_id).
-- Returns the trade ids, each trade's fees, the filled notional and the reservation's id; or,
-- when the trader's cash or shares do not cover the chain, reject_reason insufficient_funds /
-- insufficient_position (the chain then applied nothing).
-- Raises: VB999 when a settlement transfer fails for another reason (a bug).
CREATE OR REPLACE FUNCTION vb.settle_order(
    p_order_id uuid,
    p_side text,
    p_owner_id uuid,
    p_account_id uuid,
    p_security vb.securities,
    p_makers vb.orders [],
    p_prices bigint [],
    p_quantities bigint [],
    p_rests bigint [],
    p_rest_quantity bigint,
    p_rest_limit_price bigint,
    p_maker_fee_bps integer,
    p_taker_fee_bps integer,
    p_shares_id uuid,
    p_cash_escrow_id uuid,
    p_share_escrow_id uuid,
    p_fee_account_id uuid,
    p_open_accounts uuid [],
    p_transfer_key bytea,
    p_account_key bytea
) RETURNS TABLE (
    trade_ids bigint [], buyer_fees bigint [], seller_fees bigint [], filled_notional numeric, reservation_id uuid,
    reject_reason text
)
LANGUAGE plpgsql
AS $$
DECLARE
    -- ledger requests of the whole order, applied as one linked chain
    v_requests vb_api.transfer_request [] := '{}';
    v_debits text [] := '{}';  -- what a failure of each request means: 'cash' | 'shares' | 'other'
    v_result record;
    v_request vb_api.transfer_request;
    v_failed_idx integer;  -- the first settlement request that failed, and how
    v_failed_status text;
    i integer;
BEGIN
    trade_ids := '{}';
    buyer_fees := '{}';
    seller_fees := '{}';
    filled_notional := 0;
    -- accounts settlement needs (idempotent; opened before the single ledger call)
    IF cardinality(p_makers) > 0 AND NOT p_fee_account_id = ANY (p_open_accounts) THEN
        PERFORM vb.ensure_account(p_fee_account_id, p_security.currency, NULL, 'fee');
    END IF;
    IF p_side = 'buy' AND NOT p_shares_id = ANY (p_open_accounts) THEN
        PERFORM vb.ensure_account(p_shares_id, p_security.symbol, p_owner_id, 'customer');
    END IF;

    -- ledger requests, one per leg, in order
    FOR i IN 1..cardinality(p_makers) LOOP
        trade_ids := trade_ids || nextval('vb.trades_trade_id_seq');
        SELECT r.requests, r.debits, r.buyer_fee, r.seller_fee INTO v_result
        FROM vb.trade_transfers(
            trade_ids[i], p_prices[i], p_quantities[i], p_side, p_owner_id, p_account_id, p_shares_id, p_makers[i],
            p_rests[i], p_taker_fee_bps, p_fee_account_id, p_security.currency, p_security.symbol,
            p_security.lot_size, p_transfer_key, p_account_key
        ) AS r;
        v_requests := v_requests || v_result.requests;
        v_debits := v_debits || v_result.debits;
        buyer_fees := buyer_fees || v_result.buyer_fee;
        seller_fees := seller_fees || v_result.seller_fee;
        filled_notional := filled_notional + p_prices[i]::numeric * p_quantities[i];
    END LOOP;

    -- a rest that rests is reserved
    IF p_rest_quantity > 0 THEN
        reservation_id := vb.keyed_id(p_transfer_key, 'reserve', p_order_id::text, '1');
        IF p_side = 'buy' THEN
            IF NOT p_cash_escrow_id = ANY (p_open_accounts) THEN
                PERFORM vb.ensure_account(p_cash_escrow_id, p_security.currency, p_owner_id, 'clearing');
            END IF;
            v_requests := v_requests || ROW(reservation_id, p_account_id, p_cash_escrow_id,
                vb.buy_reservation(p_rest_quantity, p_rest_limit_price, p_maker_fee_bps, p_security.lot_size),
                'reserve', '{pending}', NULL, NULL, NULL)::vb_api.transfer_request;
            v_debits := v_debits || 'cash'::text;
        ELSE
            IF NOT p_share_escrow_id = ANY (p_open_accounts) THEN
                PERFORM vb.ensure_account(p_share_escrow_id, p_security.symbol, p_owner_id, 'clearing');
            END IF;
            v_requests := v_requests || ROW(reservation_id, p_shares_id, p_share_escrow_id, p_rest_quantity, 'reserve',
                '{pending}', NULL, NULL, NULL)::vb_api.transfer_request;
            v_debits := v_debits || 'shares'::text;
        END IF;
    END IF;

    -- one linked chain: all of it or nothing
    IF cardinality(v_requests) = 1 THEN
        v_request := v_requests[1];
        v_failed_status := vb.create_transfer(
            v_request.transfer_id, v_request.from_account_id, v_request.to_account_id, v_request.amount,
            v_request.code, v_request.flags, v_request.pending_id, v_request.timeout_s, v_request.metadata
        );
        v_failed_idx := CASE WHEN v_failed_status <> 'created' THEN 1 END;
    ELSIF cardinality(v_requests) > 1 THEN
        FOR i IN 1..cardinality(v_requests) - 1 LOOP
            v_requests[i].flags := v_requests[i].flags || 'linked'::text;
        END LOOP;
        SELECT r.idx, r.status INTO v_failed_idx, v_failed_status
        FROM vb.create_transfers(v_requests) AS r
        WHERE r.status NOT IN ('created', 'linked_event_failed')
        ORDER BY r.idx
        LIMIT 1;
    END IF;
    IF v_failed_idx IS NOT NULL THEN
        IF v_failed_status = 'insufficient_funds' AND v_debits[v_failed_idx] IN ('cash', 'shares') THEN
            reject_reason := CASE v_debits[v_failed_idx] WHEN 'cash' THEN 'insufficient_funds'
                ELSE 'insufficient_position' END;
        ELSIF v_failed_status IN ('exists', 'exists_with_different_fields', 'id_already_failed')
            AND EXISTS (SELECT FROM vb.orders AS o WHERE o.order_id = p_order_id) THEN
            -- the order's reservation id (derived from the order id) was registered by a caller
            -- that placed the same order id on another symbol and committed meanwhile (any other
            -- taken id is not retryable: VB999 below)
            RAISE EXCEPTION 'order id % was placed concurrently; retry', p_order_id USING ERRCODE = '40001';
        ELSE
            RAISE EXCEPTION 'invariant: settlement transfer % of order % failed with %', v_failed_idx, p_order_id,
                v_failed_status USING ERRCODE = 'VB999';
        END IF;
    END IF;
    RETURN NEXT;
END
$$;
