-- vb_api.place_order(p_order_id, p_account_id, p_symbol, p_side, p_quantity,
--     p_order_type default 'limit', p_limit_price default null, p_time_in_force default 'gtc')
--   → table (order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Places an order and matches it at once against the resting book of its symbol (price-time
-- priority, trades at the resting order's price, partial fills), settling every trade through the
-- ledger in the same transaction: cash buyer → seller, shares seller → buyer, maker/taker fees
-- ceil(price × quantity × bps / 10000) per side to the currency's house fee account.
--
-- Parameters: p_order_id chosen by the caller (idempotency key); p_account_id the trader's cash
-- account (its asset is the security's currency; its owner's share account settles the shares);
-- p_side 'buy' | 'sell'; p_quantity 1..10^9 (vb.max_order_quantity), a multiple of the lot
-- size; p_order_type 'limit' | 'market'; p_limit_price required for limit (1..10^9 minor units,
-- vb.max_price_minor, a multiple of the tick size), null for market; p_time_in_force 'gtc' | 'day' | 'ioc' | 'fok'.
-- Returns the order's state: status new | partially_filled (resting) | filled | cancelled |
-- rejected; filled_quantity; remaining_quantity (0 unless resting); avg_fill_price
-- (volume-weighted, rounded down; null if nothing filled); reject_reason on rejected (or
-- 'self_trade_prevented' on a cancelled rest): unknown_symbol, account_not_found,
-- asset_mismatch, invalid_side, invalid_order_type, invalid_time_in_force, invalid_quantity,
-- invalid_price, price_band, market_closed, insufficient_position (no share account),
-- trading_halted, reduce_only, risk_limit:<metric>, then insufficient_funds /
-- insufficient_position from settlement, exists_with_different_fields. Trading states and hard
-- limits are checked before funds: funds are known only when the ledger settles. A market order
-- never rests: with gtc or day (the default included) it behaves, and is recorded, as ioc
-- (trading contract 1.1); it is never rejected for its time in force. A replay with identical parameters returns the current state; with other
-- parameters 'rejected' / 'exists_with_different_fields' and changes nothing.
-- Raises: VB001 for a null p_order_id; VB999 if a settlement transfer fails for another reason
-- than funds (a bug).
--
-- Reservations: a resting buy holds a pending transfer cash → the owner's escrow account for its
-- rest at its limit price plus the maker fee plus one minor unit per lot (vb.buy_reservation);
-- a resting sell holds its shares the same way. A
-- fill posts the reservation for what the fill costs and reserves the rest anew; a cancel voids
-- it. The incoming order pays directly from its accounts, so a market buy can never overdraw:
-- the ledger checks every transfer, and if the cash does not cover all fills (plus the
-- reservation of a resting rest) the order is rejected with insufficient_funds and nothing
-- trades. Fee rates are fixed on the order when it is placed.
-- Self-trade prevention: matching stops before a resting order of the same owner and the
-- incoming order's rest is cancelled. FOK trades only if the whole quantity fills.
-- Locks: the security's row, once the checks that do not depend on the book have passed (orders
-- of one symbol serialise, other symbols run in parallel), then, in one ledger call
-- (vb_api.create_transfers, or create_transfer for a lone request), the accounts in the ledger's
-- global order, so orders and plain transfers cannot deadlock.
-- Risk: after its trades, soft limits the account now exceeds raise breach events and alerts
-- (vb.post_trade_risk), in the same transaction.
-- Events: order.accepted | order.filled | order.partially_filled | order.cancelled |
-- order.rejected for the incoming order, order.filled / order.partially_filled for the makers,
-- trade.executed per trade (all keyed by symbol), in one vb.outbox row.
CREATE OR REPLACE FUNCTION vb_api.place_order(
    p_order_id uuid,
    p_account_id uuid,
    p_symbol text,
    p_side text,
    p_quantity bigint,
    p_order_type text DEFAULT 'limit',
    p_limit_price bigint DEFAULT NULL,
    p_time_in_force text DEFAULT 'gtc'
) RETURNS TABLE (
    order_id uuid, status text, filled_quantity bigint, remaining_quantity bigint, avg_fill_price bigint,
    reject_reason text
)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Generic plans: every statement here (and in the ledger calls it makes) looks rows up by key or
-- walks the book index; custom plans were re-planned on every call (the book cursor's estimate
-- depends on its price, so the plan cache kept choosing them: 0.08 ms an order).
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_digest uuid := md5(row(p_account_id, p_symbol, p_side, p_quantity, p_order_type, p_limit_price,
        p_time_in_force)::text)::uuid;
    -- the time in force that applies: a market order's gtc or day is ioc
    v_time_in_force text := CASE
        WHEN p_order_type = 'market' AND p_time_in_force IN ('gtc', 'day') THEN 'ioc' ELSE p_time_in_force END;
    v_existing vb.orders;
    v_order vb.orders;  -- the incoming order as written
    v_security vb.securities;
    v_account vb.accounts;
    v_maker_fee_bps integer;
    v_taker_fee_bps integer;
    v_open_accounts uuid [];  -- which of the owner's accounts below (and the fee account) are open
    v_reference bigint;
    v_reason text;
    v_now timestamptz := clock_timestamp();
    v_market_open boolean;
    v_owner uuid;
    v_shares uuid;
    v_cash_escrow uuid;
    v_share_escrow uuid;
    v_fee_account uuid;
    v_remaining bigint := p_quantity;
    v_fill bigint;
    v_stp boolean := false;
    -- fills: resting order (as matching read it), price, quantity, rest, trade id, fees
    m_maker vb.orders [] := '{}';
    m_price bigint [] := '{}';
    m_quantity bigint [] := '{}';
    m_trade bigint [] := '{}';
    m_rest bigint [] := '{}';
    m_buyer_fee bigint [] := '{}';
    m_seller_fee bigint [] := '{}';
    -- ledger requests of the whole order, applied as one linked chain
    v_requests vb_api.transfer_request [] := '{}';
    v_debits text [] := '{}';  -- what a failure of each request means: 'cash' | 'shares' | 'other'
    v_result record;
    v_request vb_api.transfer_request;
    v_failed_idx integer;  -- the first settlement request that failed, and how
    v_failed_status text;
    v_status text;
    v_filled bigint;
    v_notional numeric := 0;
    v_reservation uuid;
    v_events json [] := '{}';
    i integer;
    -- the resting orders of the other side that cross, best first: a bound cursor is planned for
    -- its first rows, so the scan walks the book index in order and stops when the order is
    -- filled (a plan for all rows would collect every crossing entry, dead ones included, and sort)
    c_book CURSOR (c_side text, c_worst_priority bigint) FOR
        SELECT o AS maker, o.owner_id, o.limit_price, o.quantity - o.filled_quantity AS open_quantity
        FROM vb.orders AS o
        WHERE o.symbol = p_symbol AND o.side = c_side AND o.order_status IN ('new', 'partially_filled')
            AND o.priority_price <= c_worst_priority
        ORDER BY o.priority_price, o.book_seq;
BEGIN
    -- idempotency: one caller at a time per order id
    PERFORM pg_advisory_xact_lock(hashtextextended(p_order_id::text, 7301));
    SELECT * INTO v_existing FROM vb.orders AS o WHERE o.order_id = p_order_id;
    IF FOUND THEN
        IF v_existing.request_digest = v_digest THEN
            RETURN QUERY SELECT * FROM vb.order_state(p_order_id);
        ELSE
            RETURN QUERY SELECT p_order_id, 'rejected'::text, 0::bigint, 0::bigint, NULL::bigint,
                'exists_with_different_fields'::text;
        END IF;
        RETURN;
    END IF;
    IF p_order_id IS NULL THEN
        RAISE EXCEPTION 'p_order_id must not be null' USING ERRCODE = 'VB001';
    END IF;

    -- What does not depend on the book is read and checked before the security's lock, to hold
    -- it shorter: the account, the calendar, the security's terms (currency, lot and tick never
    -- change; fee rates are taken as the order arrives), which of the accounts exist.
    SELECT * INTO v_account FROM vb.accounts AS a WHERE a.account_id = p_account_id;
    v_market_open := vb.market_is_open(v_now);
    SELECT * INTO v_security FROM vb.securities AS s WHERE s.symbol = p_symbol;
    v_owner := v_account.owner_id;
    -- validation, in the contract's order of reject reasons
    v_reason := CASE
        WHEN v_security.symbol IS NULL THEN 'unknown_symbol'
        WHEN v_account.account_id IS NULL OR v_owner IS NULL OR v_account.account_kind <> 'customer'
            THEN 'account_not_found'
        WHEN v_account.asset_code <> v_security.currency THEN 'asset_mismatch'
        WHEN p_side IS NULL OR p_side NOT IN ('buy', 'sell') THEN 'invalid_side'
        WHEN p_order_type IS NULL OR p_order_type NOT IN ('limit', 'market') THEN 'invalid_order_type'
        WHEN p_time_in_force IS NULL OR p_time_in_force NOT IN ('gtc', 'day', 'ioc', 'fok')
            THEN 'invalid_time_in_force'
        WHEN p_quantity IS NULL OR p_quantity <= 0 OR p_quantity > vb.max_order_quantity()
            OR p_quantity % v_security.lot_size <> 0 THEN 'invalid_quantity'
        WHEN (p_order_type = 'limit' AND (p_limit_price IS NULL OR p_limit_price <= 0
                OR p_limit_price > vb.max_price_minor() OR p_limit_price % v_security.tick_size <> 0))
            OR (p_order_type = 'market' AND p_limit_price IS NOT NULL) THEN 'invalid_price'
    END;
    IF v_reason IS NULL THEN
        -- the fee rates, and which accounts settlement may need are open (one statement)
        v_shares := vb.share_account_uuid(v_owner, p_symbol);
        v_cash_escrow := vb.derived_id('escrow', v_owner::text, v_security.currency);
        v_share_escrow := vb.derived_id('escrow', v_owner::text, p_symbol);
        v_fee_account := vb.derived_id('fees', v_security.currency);
        SELECT coalesce(v_security.maker_fee_bps, d.maker_fee_bps), coalesce(v_security.taker_fee_bps, d.taker_fee_bps),
            ARRAY(
                SELECT a.account_id FROM vb.accounts AS a
                WHERE a.account_id IN (v_shares, v_cash_escrow, v_share_escrow, v_fee_account)
            )
        INTO v_maker_fee_bps, v_taker_fee_bps, v_open_accounts
        FROM vb.fee_defaults AS d;
        -- the book's lock: from here the orders of this symbol serialise
        PERFORM FROM vb.securities AS s WHERE s.symbol = p_symbol FOR UPDATE;
    END IF;
    IF v_reason IS NULL AND p_order_type = 'limit' AND v_security.price_band_bps IS NOT NULL THEN
        -- under the lock: the reference price moves with this symbol's trades
        SELECT r.price INTO v_reference FROM vb.reference_price(p_symbol) AS r;
        IF v_reference IS NOT NULL
            AND abs(p_limit_price - v_reference)::numeric * 10000 > v_security.price_band_bps::numeric * v_reference THEN
            v_reason := 'price_band';
        END IF;
    END IF;
    IF v_reason IS NULL AND NOT v_market_open THEN
        v_reason := 'market_closed';
    END IF;
    IF v_reason IS NULL AND p_side = 'sell' AND NOT v_shares = ANY (v_open_accounts) THEN
        v_reason := 'insufficient_position';  -- no short selling: a seller without shares
    END IF;
    IF v_reason IS NOT NULL THEN
        RETURN QUERY SELECT * FROM vb.record_rejected_order(
            p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force, p_quantity,
            p_limit_price, v_reason, v_now);
        RETURN;
    END IF;

    -- the matching plan: resting orders of the other side that cross, best first (v_resting is
    -- the loop's record)
    FOR v_resting IN c_book(
        CASE p_side WHEN 'buy' THEN 'sell' ELSE 'buy' END,
        CASE WHEN p_order_type = 'market' THEN 9223372036854775807
            WHEN p_side = 'buy' THEN p_limit_price ELSE -p_limit_price END
    ) LOOP
        IF v_resting.owner_id = v_owner THEN
            v_stp := true;  -- self-trade prevention: stop before our own resting order
            EXIT;
        END IF;
        v_fill := least(v_remaining, v_resting.open_quantity);
        m_maker := m_maker || v_resting.maker;
        m_price := m_price || v_resting.limit_price;
        m_quantity := m_quantity || v_fill;
        m_rest := m_rest || (v_resting.open_quantity - v_fill);
        v_remaining := v_remaining - v_fill;
        EXIT WHEN v_remaining = 0;
    END LOOP;
    -- trading states and hard risk limits (checked before funds, which settlement checks)
    v_reason := vb.pre_trade_risk(
        p_account_id, v_owner, p_symbol, p_side, p_quantity, p_limit_price,
        CASE WHEN p_order_type = 'limit' THEN p_limit_price::numeric * p_quantity
            ELSE (SELECT coalesce(sum(x.price::numeric * x.quantity), 0) FROM unnest(m_price, m_quantity) AS x (price, quantity))
        END
    );
    IF v_reason IS NOT NULL THEN
        RETURN QUERY SELECT * FROM vb.record_rejected_order(
            p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force, p_quantity,
            p_limit_price, v_reason, v_now);
        RETURN;
    END IF;
    IF v_time_in_force = 'fok' AND v_remaining > 0 THEN
        -- fill or kill: nothing trades
        m_maker := '{}'; m_price := '{}'; m_quantity := '{}'; m_rest := '{}';
        v_remaining := p_quantity;
    END IF;

    -- accounts settlement needs (idempotent; opened before the single ledger call)
    IF cardinality(m_maker) > 0 THEN
        IF NOT v_fee_account = ANY (v_open_accounts) THEN
            PERFORM vb.ensure_account(v_fee_account, v_security.currency, NULL, 'fee');
        END IF;
    END IF;
    IF p_side = 'buy' THEN
        IF NOT v_shares = ANY (v_open_accounts) THEN
            PERFORM vb.ensure_account(v_shares, p_symbol, v_owner, 'customer');
        END IF;
    END IF;

    -- ledger requests, one per leg, in order
    FOR i IN 1..cardinality(m_maker) LOOP
        m_trade := m_trade || nextval('vb.trades_trade_id_seq');
        SELECT r.requests, r.debits, r.buyer_fee, r.seller_fee INTO v_result
        FROM vb.trade_transfers(
            m_trade[i], m_price[i], m_quantity[i], p_side, v_owner, p_account_id, v_shares, m_maker[i], m_rest[i],
            v_taker_fee_bps, v_fee_account, v_security.currency, p_symbol, v_security.lot_size
        ) AS r;
        v_requests := v_requests || v_result.requests;
        v_debits := v_debits || v_result.debits;
        m_buyer_fee := m_buyer_fee || v_result.buyer_fee;
        m_seller_fee := m_seller_fee || v_result.seller_fee;
        v_notional := v_notional + m_price[i]::numeric * m_quantity[i];
    END LOOP;
    v_filled := p_quantity - v_remaining;

    -- a limit gtc/day order rests with what is left, reserved
    IF v_remaining > 0 AND p_order_type = 'limit' AND v_time_in_force IN ('gtc', 'day') AND NOT v_stp THEN
        v_reservation := vb.derived_id('reserve', p_order_id::text, '1');
        IF p_side = 'buy' THEN
            IF NOT v_cash_escrow = ANY (v_open_accounts) THEN
                PERFORM vb.ensure_account(v_cash_escrow, v_security.currency, v_owner, 'clearing');
            END IF;
            v_requests := v_requests || ROW(v_reservation, p_account_id, v_cash_escrow,
                vb.buy_reservation(v_remaining, p_limit_price, v_maker_fee_bps, v_security.lot_size), 'reserve', '{pending}',
                NULL, NULL, NULL)::vb_api.transfer_request;
            v_debits := v_debits || 'cash'::text;
        ELSE
            IF NOT v_share_escrow = ANY (v_open_accounts) THEN
                PERFORM vb.ensure_account(v_share_escrow, p_symbol, v_owner, 'clearing');
            END IF;
            v_requests := v_requests || ROW(v_reservation, v_shares, v_share_escrow, v_remaining, 'reserve',
                '{pending}', NULL, NULL, NULL)::vb_api.transfer_request;
            v_debits := v_debits || 'shares'::text;
        END IF;
    END IF;

    -- one linked chain: all of it or nothing. A lone request (a rest's reservation, no trade) goes
    -- to the ledger's scalar call, as create_transfers would send it, without the batch wrapper.
    IF cardinality(v_requests) = 1 THEN
        v_request := v_requests[1];
        v_failed_status := vb_api.create_transfer(
            v_request.transfer_id, v_request.from_account_id, v_request.to_account_id, v_request.amount,
            v_request.code, v_request.flags, v_request.pending_id, v_request.timeout_s, v_request.metadata
        );
        v_failed_idx := CASE WHEN v_failed_status <> 'created' THEN 1 END;
    ELSIF cardinality(v_requests) > 1 THEN
        FOR i IN 1..cardinality(v_requests) - 1 LOOP
            v_requests[i].flags := v_requests[i].flags || 'linked'::text;
        END LOOP;
        SELECT r.idx, r.status INTO v_failed_idx, v_failed_status
        FROM vb_api.create_transfers(v_requests) AS r
        WHERE r.status NOT IN ('created', 'linked_event_failed')
        ORDER BY r.idx
        LIMIT 1;
    END IF;
    IF v_failed_idx IS NOT NULL THEN
        IF v_failed_status = 'insufficient_funds' AND v_debits[v_failed_idx] IN ('cash', 'shares') THEN
            RETURN QUERY SELECT * FROM vb.record_rejected_order(
                p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force,
                p_quantity, p_limit_price,
                CASE v_debits[v_failed_idx] WHEN 'cash' THEN 'insufficient_funds' ELSE 'insufficient_position' END,
                v_now);
            RETURN;
        END IF;
        RAISE EXCEPTION 'invariant: settlement transfer % of order % failed with %', v_failed_idx, p_order_id,
            v_failed_status USING ERRCODE = 'VB999';
    END IF;

    -- the incoming order
    v_status := CASE
        WHEN v_filled = p_quantity THEN 'filled'
        WHEN v_reservation IS NOT NULL THEN CASE WHEN v_filled > 0 THEN 'partially_filled' ELSE 'new' END
        ELSE 'cancelled' END;
    INSERT INTO vb.orders (
        order_id, request_digest, account_id, owner_id, symbol, side, order_type, time_in_force, quantity,
        limit_price, maker_fee_bps, taker_fee_bps, filled_quantity, filled_notional, order_status, reject_reason,
        reservation_id, reservation_count, book_seq, created_at, updated_at
    ) VALUES (
        p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force, p_quantity,
        p_limit_price, v_maker_fee_bps, v_taker_fee_bps, v_filled, v_notional, v_status,
        CASE WHEN v_stp AND v_status = 'cancelled' THEN 'self_trade_prevented' END,
        v_reservation, CASE WHEN v_reservation IS NULL THEN 0 ELSE 1 END,
        CASE WHEN v_reservation IS NOT NULL THEN nextval('vb.order_book_seq') END, v_now, v_now
    )
    RETURNING * INTO v_order;

    -- the makers and the trades
    IF cardinality(m_maker) > 0 THEN
        v_events := vb.apply_fills(
            p_order_id, p_side, v_owner, m_maker, m_price, m_quantity, m_trade, m_buyer_fee, m_seller_fee, p_symbol,
            v_now
        );
    END IF;
    IF cardinality(m_maker) > 0 AND EXISTS (SELECT FROM vb.exposure_limits AS l WHERE l.soft_limit IS NOT NULL) THEN
        PERFORM vb.post_trade_risk(p_order_id);
    END IF;
    -- one outbox row for the order: the makers' events and trades, then the incoming order's
    v_events := v_events || vb.order_event(v_order, CASE v_status
        WHEN 'new' THEN 'order.accepted' WHEN 'partially_filled' THEN 'order.partially_filled'
        WHEN 'filled' THEN 'order.filled' ELSE 'order.cancelled' END);
    PERFORM vb.write_events(array_to_json(v_events), v_now);
    RETURN QUERY SELECT * FROM vb.order_state(p_order_id);
END
$$;
