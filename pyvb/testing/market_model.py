"""A reference matching engine in plain Python: what ``vb_api.place_order`` and
``vb_api.cancel_order`` must do, written from the trading contract, so that a model test can
compare the database with it trade by trade and order state by order state.

It knows: validation of side, type, time in force, lot and tick; price bands around the
reference price (last trade, else the last quote's mid); trading halts and reduce-only; the
hard ``order_notional`` limit; price-time priority, trades at the resting order's price, partial
fills, IOC, FOK and market orders; self-trade prevention (stop before one's own resting order,
cancel the rest); maker/taker fees ``ceil(notional × bps / 10000)`` per side; funds and shares
checked for the whole order (fills plus the reservation of a resting rest) with nothing traded
on a shortfall; a resting buy's reservation ``rest × price + ceil(rest × price × maker_bps /
10000) + one minor unit per lot when a fee applies``; replays by order id.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field

RESTING = ("new", "partially_filled")
MAX_ORDER_QUANTITY = 10**9  # vb.max_order_quantity()
MAX_PRICE_MINOR = 10**9  # vb.max_price_minor()


def trade_fee(notional: int, bps: int) -> int:
    return -(-notional * bps // 10_000)


def buy_reservation(quantity: int, price: int, fee_bps: int, lot_size: int) -> int:
    notional = quantity * price
    return notional + trade_fee(notional, fee_bps) + (quantity // lot_size if fee_bps > 0 else 0)


@dataclass
class Security:
    symbol: str
    lot_size: int
    tick_size: int
    maker_fee_bps: int
    taker_fee_bps: int
    price_band_bps: int | None = None
    last_trade_price: int | None = None
    quote_mid: int | None = None

    @property
    def reference_price(self) -> int | None:
        return self.last_trade_price if self.last_trade_price is not None else self.quote_mid


@dataclass
class Order:
    order_id: uuid.UUID
    digest: tuple
    owner: uuid.UUID
    symbol: str
    side: str
    order_type: str
    time_in_force: str
    quantity: int
    limit_price: int | None
    maker_fee_bps: int = 0
    filled: int = 0
    filled_notional: int = 0
    status: str = "incoming"  # until placing it decides
    reject_reason: str | None = None
    book_seq: int | None = None

    @property
    def open_quantity(self) -> int:
        return self.quantity - self.filled

    def state(self) -> tuple:
        """(status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason) as
        vb_api.place_order / get_order / cancel_order return them."""
        remaining = self.open_quantity if self.status in RESTING else 0
        average = self.filled_notional // self.filled if self.filled else None
        return (self.status, self.filled, remaining, average, self.reject_reason)


@dataclass(frozen=True)
class Fill:
    maker_order_id: uuid.UUID
    price: int
    quantity: int
    buyer_fee: int
    seller_fee: int


@dataclass
class Market:
    securities: dict[str, Security] = field(default_factory=dict)
    #: posted cash balance per owner (one cash account each)
    cash: dict[uuid.UUID, int] = field(default_factory=dict)
    #: shares held per (owner, symbol)
    shares: dict[tuple[uuid.UUID, str], int] = field(default_factory=dict)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)
    #: trading states: ('global', None) | ('security', symbol) | ('account', owner) → state
    states: dict[tuple[str, object], str] = field(default_factory=dict)
    #: hard order_notional limit per owner
    order_notional_limit: dict[uuid.UUID, int] = field(default_factory=dict)
    fees_collected: int = 0
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))

    # -- derived state ---------------------------------------------------------------------------
    def book(self, symbol: str, side: str) -> list[Order]:
        """Resting orders of one side, best first (price, then time)."""
        resting = [
            o for o in self.orders.values() if o.symbol == symbol and o.side == side and o.status in RESTING
        ]
        sign = 1 if side == "sell" else -1
        return sorted(resting, key=lambda o: (sign * o.limit_price, o.book_seq))

    def reserved_cash(self, owner: uuid.UUID) -> int:
        return sum(
            buy_reservation(
                o.open_quantity, o.limit_price, o.maker_fee_bps, self.securities[o.symbol].lot_size
            )
            for o in self.orders.values()
            if o.owner == owner and o.side == "buy" and o.status in RESTING
        )

    def reserved_shares(self, owner: uuid.UUID, symbol: str) -> int:
        return sum(
            o.open_quantity
            for o in self.orders.values()
            if o.owner == owner and o.symbol == symbol and o.side == "sell" and o.status in RESTING
        )

    def trading_state(self, owner: uuid.UUID, symbol: str) -> str:
        found = {self.states.get(key) for key in (("global", None), ("security", symbol), ("account", owner))}
        for state in ("halted", "reduce_only"):
            if state in found:
                return state
        return "active"

    # -- the calls -------------------------------------------------------------------------------
    def place(
        self,
        order_id,
        owner,
        symbol,
        side,
        quantity,
        order_type="limit",
        limit_price=None,
        time_in_force="gtc",
    ) -> tuple[tuple, list[Fill]]:
        """The order's state and its trades, as vb_api.place_order must produce them."""
        digest = (owner, symbol, side, quantity, order_type, limit_price, time_in_force)
        if order_id in self.orders:
            existing = self.orders[order_id]
            if existing.digest == digest:
                return existing.state(), []
            return ("rejected", 0, 0, None, "exists_with_different_fields"), []
        security = self.securities.get(symbol)
        order = Order(order_id, digest, owner, symbol, side, order_type, time_in_force, quantity, limit_price)
        self.orders[order_id] = order
        reason = self._invalid(security, owner, side, quantity, order_type, limit_price, time_in_force)
        if reason:
            return self._reject(order, reason)
        if order_type == "market" and time_in_force in ("gtc", "day"):
            order.time_in_force = time_in_force = "ioc"  # contract 1.1: a market order never rests
        order.maker_fee_bps = security.maker_fee_bps
        taker_bps = security.taker_fee_bps
        # the matching plan: crossing resting orders, best first; stop before one's own
        plan: list[tuple[Order, int]] = []
        remaining = quantity
        self_trade = False
        for maker in self.book(symbol, "sell" if side == "buy" else "buy"):
            if order_type == "limit" and (
                maker.limit_price > limit_price if side == "buy" else maker.limit_price < limit_price
            ):
                break
            if maker.owner == owner:
                self_trade = True
                break
            fill = min(remaining, maker.open_quantity)
            plan.append((maker, fill))
            remaining -= fill
            if remaining == 0:
                break
        notional_for_risk = (
            limit_price * quantity if order_type == "limit" else sum(m.limit_price * q for m, q in plan)
        )
        state = self.trading_state(owner, symbol)
        if state == "halted":
            return self._reject(order, "trading_halted")
        if state == "reduce_only" and side == "buy":
            return self._reject(order, "reduce_only")
        limit = self.order_notional_limit.get(owner)
        if limit is not None and notional_for_risk > limit:
            return self._reject(order, "risk_limit:order_notional")
        if time_in_force == "fok" and remaining > 0:
            plan, remaining = [], quantity
        rests = remaining > 0 and order_type == "limit" and time_in_force in ("gtc", "day") and not self_trade
        fills = []
        for maker, fill in plan:
            notional = maker.limit_price * fill
            maker_buys = side == "sell"
            buyer_bps, seller_bps = (
                (maker.maker_fee_bps, taker_bps) if maker_buys else (taker_bps, maker.maker_fee_bps)
            )
            fills.append(
                Fill(
                    maker.order_id,
                    maker.limit_price,
                    fill,
                    trade_fee(notional, buyer_bps),
                    trade_fee(notional, seller_bps),
                )
            )
        # funds: the taker pays every fill and reserves its rest in one chain; all or nothing
        if side == "buy":
            needed = sum(f.price * f.quantity + f.buyer_fee for f in fills)
            if rests:
                needed += buy_reservation(remaining, limit_price, order.maker_fee_bps, security.lot_size)
            if needed > self.cash[owner] - self.reserved_cash(owner):
                return self._reject(order, "insufficient_funds")
        else:
            needed = sum(f.quantity for f in fills) + (remaining if rests else 0)
            if needed > self.shares.get((owner, symbol), 0) - self.reserved_shares(owner, symbol):
                return self._reject(order, "insufficient_position")
        for (maker, _), fill in zip(plan, fills, strict=True):
            self._settle(order, maker, fill)
        if fills:
            security.last_trade_price = fills[-1].price
        if order.filled == quantity:
            order.status = "filled"
        elif rests:
            order.status = "partially_filled" if order.filled else "new"
            order.book_seq = next(self._seq)
        else:
            order.status = "cancelled"
            order.reject_reason = "self_trade_prevented" if self_trade else None
        return order.state(), fills

    def cancel(self, order_id) -> tuple | None:
        order = self.orders.get(order_id)
        if order is None:
            return None
        if order.status in RESTING:
            order.status = "cancelled"
        return order.state()

    def expire_day_orders(self) -> int:
        """Every resting day order's day is over (what vb_ops.expire_day_orders does then)."""
        expired = [o for o in self.orders.values() if o.time_in_force == "day" and o.status in RESTING]
        for order in expired:
            order.status = "cancelled"
        return len(expired)

    # -- internals -------------------------------------------------------------------------------
    def _invalid(self, security, owner, side, quantity, order_type, limit_price, time_in_force) -> str | None:
        if security is None:
            return "unknown_symbol"
        if owner not in self.cash:
            return "account_not_found"
        if side not in ("buy", "sell"):
            return "invalid_side"
        if order_type not in ("limit", "market"):
            return "invalid_order_type"
        if time_in_force not in ("gtc", "day", "ioc", "fok"):
            return "invalid_time_in_force"
        if quantity is None or not 0 < quantity <= MAX_ORDER_QUANTITY or quantity % security.lot_size:
            return "invalid_quantity"
        if order_type == "limit" and (
            limit_price is None or not 0 < limit_price <= MAX_PRICE_MINOR or limit_price % security.tick_size
        ):
            return "invalid_price"
        if order_type == "market" and limit_price is not None:
            return "invalid_price"
        reference = security.reference_price
        if (
            order_type == "limit"
            and security.price_band_bps is not None
            and reference is not None
            and abs(limit_price - reference) * 10_000 > security.price_band_bps * reference
        ):
            return "price_band"
        if side == "sell" and (owner, security.symbol) not in self.shares:
            return "insufficient_position"
        return None

    @staticmethod
    def _reject(order: Order, reason: str) -> tuple[tuple, list[Fill]]:
        order.status, order.reject_reason = "rejected", reason
        return order.state(), []

    def _settle(self, taker: Order, maker: Order, fill: Fill) -> None:
        notional = fill.price * fill.quantity
        buyer, seller = (taker, maker) if taker.side == "buy" else (maker, taker)
        self.cash[buyer.owner] -= notional + fill.buyer_fee
        self.cash[seller.owner] += notional - fill.seller_fee
        self.fees_collected += fill.buyer_fee + fill.seller_fee
        self.shares[(buyer.owner, taker.symbol)] = (
            self.shares.get((buyer.owner, taker.symbol), 0) + fill.quantity
        )
        self.shares[(seller.owner, taker.symbol)] -= fill.quantity
        for order in (taker, maker):
            order.filled += fill.quantity
            order.filled_notional += notional
        if maker.open_quantity == 0:
            maker.status = "filled"
        else:
            maker.status = "partially_filled"
