-- vb.place_order(p_order_id, p_account_id, p_symbol, p_side, p_quantity,
--     p_order_type default 'limit', p_limit_price default null, p_time_in_force default 'gtc')
--   → table (order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason)
--
-- Internal. The body of vb_api.place_order without its audit record (the API wraps it and
-- records the call once; place_orders, when it comes, will call it per order); statuses, events
-- and SQLSTATEs are vb_api.place_order's (its header).
CREATE OR REPLACE FUNCTION vb.place_order(
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
    v_order vb.orders;  -- the incoming order as written
    v_security vb.securities;
    v_account vb.accounts;
    v_maker_fee_bps integer;
    v_taker_fee_bps integer;
    v_open_accounts uuid [] := '{}';  -- which of the owner's accounts below (and the fee account) are open
    v_reference bigint;
    v_reason text;
    v_now timestamptz := clock_timestamp();
    v_owner uuid;
    v_shares uuid;
    v_cash_escrow uuid;
    v_share_escrow uuid;
    v_fee_account uuid;
    v_transfer_key bytea;  -- the secret keys of derived ids (vb.keyed_id), read once
    v_account_key bytea;
    v_plan record;  -- vb.match_order's plan
    v_settled record;  -- vb.settle_order's outcome
    v_rest bigint;  -- what rests in the book, reserved
    v_status text;
    v_events json [] := '{}';
BEGIN
    -- idempotency: a replay reports the order; no lock on the id (see Locks)
    RETURN QUERY SELECT * FROM vb.replayed_order(p_order_id, v_digest);
    IF FOUND THEN
        RETURN;
    END IF;
    IF p_order_id IS NULL THEN
        RAISE EXCEPTION 'p_order_id must not be null' USING ERRCODE = 'VB001';
    END IF;

    -- 1. check: what does not depend on the book is read and checked before the security's lock,
    --    to hold it shorter and never for a malformed order (vb.check_order with a market open, no
    --    reference price and shares held reports only those reasons); then the fee rates, which of
    --    the owner's accounts exist, the book's lock (from here the orders of this symbol
    --    serialise; the reference price moves with its trades) and every check again, in order
    SELECT * INTO v_account FROM vb.accounts AS a WHERE a.account_id = p_account_id;
    SELECT * INTO v_security FROM vb.securities AS s WHERE s.symbol = p_symbol;
    v_owner := v_account.owner_id;
    v_reason := vb.check_order(
        v_security, v_account, p_side, p_order_type, p_time_in_force, p_quantity, p_limit_price, NULL, TRUE, TRUE
    );
    IF v_reason IS NULL THEN
        SELECT t.derivation_key, a.derivation_key INTO v_transfer_key, v_account_key
        FROM vb.derivation_keys AS t, vb.derivation_keys AS a
        WHERE t.purpose = 'transfer' AND a.purpose = 'account';
        v_shares := vb.share_account_uuid(v_account_key, v_owner, p_symbol);
        v_cash_escrow := vb.keyed_id(v_account_key, 'escrow', v_owner::text, v_security.currency);
        v_share_escrow := vb.keyed_id(v_account_key, 'escrow', v_owner::text, p_symbol);
        v_fee_account := vb.keyed_id(v_account_key, 'fees', v_security.currency);
        SELECT coalesce(v_security.maker_fee_bps, d.maker_fee_bps), coalesce(v_security.taker_fee_bps, d.taker_fee_bps),
            ARRAY(
                -- open, and what they should be: where account ids are not keyed (migration 0014),
                -- a caller may have opened one first; settlement then refuses the order (VB999)
                -- rather than reserve into an account of another owner
                SELECT a.account_id FROM vb.accounts AS a
                WHERE a.account_id IN (v_shares, v_cash_escrow, v_share_escrow, v_fee_account)
                    AND a.owner_id IS NOT DISTINCT FROM CASE WHEN a.account_id = v_fee_account THEN NULL ELSE v_owner END
                    AND a.account_kind = CASE WHEN a.account_id = v_fee_account THEN 'fee'
                        WHEN a.account_id = v_shares THEN 'customer' ELSE 'clearing' END
            )
        INTO v_maker_fee_bps, v_taker_fee_bps, v_open_accounts
        FROM vb.fee_defaults AS d;
        PERFORM FROM vb.securities AS s WHERE s.symbol = p_symbol FOR UPDATE;
        -- a caller with the same id that held the book before this one has committed: its order
        RETURN QUERY SELECT * FROM vb.replayed_order(p_order_id, v_digest);
        IF FOUND THEN
            RETURN;
        END IF;
        IF p_order_type = 'limit' AND v_security.price_band_bps IS NOT NULL THEN
            SELECT r.price INTO v_reference FROM vb.reference_price(p_symbol) AS r;
        END IF;
        v_reason := vb.check_order(
            v_security, v_account, p_side, p_order_type, p_time_in_force, p_quantity, p_limit_price, v_reference,
            vb.market_is_open(v_now), v_shares = ANY (v_open_accounts)
        );
    END IF;

    -- 2. match: the plan against the resting book
    IF v_reason IS NULL THEN
        SELECT * INTO v_plan FROM vb.match_order(p_symbol, p_side, p_order_type, p_limit_price, p_quantity, v_owner);
        -- 3. risk: trading states and hard limits (before funds, which settlement checks)
        v_reason := vb.pre_trade_risk(
            p_account_id, v_owner, p_symbol, p_side, p_quantity, p_limit_price,
            CASE WHEN p_order_type = 'limit' THEN p_limit_price::numeric * p_quantity
                ELSE (SELECT coalesce(sum(x.price::numeric * x.quantity), 0)
                    FROM unnest(v_plan.prices, v_plan.quantities) AS x (price, quantity))
            END
        );
        IF v_reason IS NULL AND v_time_in_force = 'fok' AND v_plan.remaining > 0 THEN
            -- fill or kill: nothing trades
            v_plan.makers := '{}'; v_plan.prices := '{}'; v_plan.quantities := '{}'; v_plan.rests := '{}';
            v_plan.remaining := p_quantity;
        END IF;
    END IF;

    -- 4. settle: a limit gtc/day order rests with what is left, reserved; all of it in one chain
    IF v_reason IS NULL THEN
        v_rest := CASE WHEN p_order_type = 'limit' AND v_time_in_force IN ('gtc', 'day') AND NOT v_plan.self_trade
            THEN v_plan.remaining ELSE 0 END;
        SELECT * INTO v_settled FROM vb.settle_order(
            p_order_id, p_side, v_owner, p_account_id, v_security, v_plan.makers, v_plan.prices, v_plan.quantities,
            v_plan.rests, v_rest, p_limit_price, v_maker_fee_bps, v_taker_fee_bps, v_shares, v_cash_escrow,
            v_share_escrow, v_fee_account, v_open_accounts, v_transfer_key, v_account_key
        );
        v_reason := v_settled.reject_reason;
    END IF;
    IF v_reason IS NOT NULL THEN
        RETURN QUERY SELECT * FROM vb.record_rejected_order(
            p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force, p_quantity,
            p_limit_price, v_reason, v_now);
        RETURN;
    END IF;

    -- 5. book: the incoming order, then the makers and the trades
    v_status := CASE
        WHEN v_plan.remaining = 0 THEN 'filled'
        WHEN v_settled.reservation_id IS NOT NULL THEN
            CASE WHEN v_plan.remaining < p_quantity THEN 'partially_filled' ELSE 'new' END
        ELSE 'cancelled' END;
    INSERT INTO vb.orders (
        order_id, request_digest, account_id, owner_id, symbol, side, order_type, time_in_force, quantity,
        limit_price, maker_fee_bps, taker_fee_bps, filled_quantity, filled_notional, order_status, reject_reason,
        reservation_id, reservation_count, book_seq, created_at, updated_at
    ) VALUES (
        p_order_id, v_digest, p_account_id, v_owner, p_symbol, p_side, p_order_type, v_time_in_force, p_quantity,
        p_limit_price, v_maker_fee_bps, v_taker_fee_bps, p_quantity - v_plan.remaining, v_settled.filled_notional,
        v_status, CASE WHEN v_plan.self_trade AND v_status = 'cancelled' THEN 'self_trade_prevented' END,
        v_settled.reservation_id, CASE WHEN v_settled.reservation_id IS NULL THEN 0 ELSE 1 END,
        CASE WHEN v_settled.reservation_id IS NOT NULL THEN nextval('vb.order_book_seq') END, v_now, v_now
    )
    ON CONFLICT (order_id) DO NOTHING
    RETURNING * INTO v_order;
    IF NOT FOUND THEN
        -- the same id placed on another symbol by a transaction that committed while this one
        -- settled: what this call did cannot stand
        RAISE EXCEPTION 'order id % was placed concurrently; retry', p_order_id USING ERRCODE = '40001';
    END IF;
    IF cardinality(v_plan.makers) > 0 THEN
        v_events := vb.apply_fills(
            p_order_id, p_side, v_owner, v_plan.makers, v_plan.prices, v_plan.quantities, v_settled.trade_ids,
            v_settled.buyer_fees, v_settled.seller_fees, p_symbol, v_now, v_transfer_key
        );
        IF EXISTS (SELECT FROM vb.exposure_limits AS l WHERE l.soft_limit IS NOT NULL) THEN
            PERFORM vb.post_trade_risk(p_order_id);
        END IF;
    END IF;

    -- 6. emit: one outbox row for the order: the makers' events and trades, then the incoming order's
    v_events := v_events || vb.order_event(v_order, CASE v_status
        WHEN 'new' THEN 'order.accepted' WHEN 'partially_filled' THEN 'order.partially_filled'
        WHEN 'filled' THEN 'order.filled' ELSE 'order.cancelled' END);
    PERFORM vb.write_events(array_to_json(v_events), v_now);
    RETURN QUERY SELECT * FROM vb.order_state(p_order_id);
END
$$;
