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
-- Raises: VB001 for a null p_order_id; 40001 when the same order id was placed on another symbol
-- by a transaction that committed while this call ran (nothing of this call stands; retrying
-- reports exists_with_different_fields); VB999 if a settlement transfer fails for another reason
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
-- global order, so orders and plain transfers cannot deadlock. No lock on the order id (a lock
-- per id held to the end of the caller's transaction would let one caller fill the server's lock
-- table): a replay is looked for before the checks and again under the book's lock, and the
-- orders' key decides the rest.
-- Risk: after its trades, soft limits the account now exceeds raise breach events and alerts
-- (vb.post_trade_risk), in the same transaction.
-- Events: order.accepted | order.filled | order.partially_filled | order.cancelled |
-- order.rejected for the incoming order, order.filled / order.partially_filled for the makers,
-- trade.executed per trade (all keyed by symbol), in one vb.outbox row.
-- Steps, each a function with one job: check (vb.check_order), match (vb.match_order), risk
-- (vb.pre_trade_risk), settle (vb.settle_order), book (the order row, then vb.apply_fills and
-- vb.post_trade_risk), emit (vb.write_events).
-- Audited (contract audit.md): one vb.event_audit record per call; the work is vb.place_order.
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
AS $$
DECLARE
    v_found boolean;
BEGIN
    SELECT * INTO order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason
    FROM vb.place_order(
        p_order_id, p_account_id, p_symbol, p_side, p_quantity, p_order_type, p_limit_price, p_time_in_force
    );
    v_found := FOUND;
    PERFORM vb.audit(
        'vb_api.place_order',
        jsonb_build_object(
            'order_id', p_order_id, 'account_id', p_account_id, 'symbol', vb.audit_text(p_symbol),
            'side', vb.audit_text(p_side), 'quantity', p_quantity, 'order_type', vb.audit_text(p_order_type),
            'limit_price', p_limit_price, 'time_in_force', vb.audit_text(p_time_in_force)
        ),
        jsonb_build_object('status', status, 'reject_reason', reject_reason, 'filled_quantity', filled_quantity)
    );
    IF v_found THEN
        RETURN NEXT;
    END IF;
END
$$;
