-- Read models for analytics and reporting (vb_report; vb_readonly may SELECT them).
-- Views run with their owner's rights, so vb_readonly needs no access to vb.

-- Holdings: one row per owner and security (the balances of share accounts).
CREATE OR REPLACE VIEW vb_report.positions AS
SELECT
    a.owner_id,
    a.asset_code AS symbol,
    a.balance AS quantity,
    a.balance - a.pending_out AS available_quantity,
    s.last_trade_price AS last_price,
    a.balance * s.last_trade_price AS market_value
FROM vb.accounts AS a
INNER JOIN vb.securities AS s ON a.asset_code = s.symbol
WHERE a.account_kind = 'customer' AND a.owner_id IS NOT NULL;

-- The trade tape.
CREATE OR REPLACE VIEW vb_report.trade_tape AS
SELECT
    t.trade_id,
    t.executed_at,
    t.symbol,
    t.price,
    t.quantity,
    t.price * t.quantity AS notional,
    t.taker_side,
    t.buyer_id,
    t.seller_id,
    t.buyer_fee,
    t.seller_fee
FROM vb.trades AS t;

-- Book depth: every resting price level.
CREATE OR REPLACE VIEW vb_report.book_depth AS
SELECT
    o.symbol,
    o.side,
    o.limit_price AS price,
    sum(o.quantity - o.filled_quantity) AS quantity,
    count(*) AS orders
FROM vb.orders AS o
WHERE o.order_status IN ('new', 'partially_filled')
GROUP BY o.symbol, o.side, o.limit_price;

-- Daily P&L per owner and symbol, of the day's trades marked at the day's last price:
-- net cash flow (sells − fees − buys − fees) + net shares bought × the day's close.
CREATE OR REPLACE VIEW vb_report.daily_pnl AS
WITH legs AS (
    SELECT
        t.executed_at,
        t.symbol,
        t.trade_id,
        t.price,
        t.buyer_id AS owner_id,
        t.quantity AS shares,
        -(t.price * t.quantity + t.buyer_fee) AS cash,
        t.buyer_fee AS fee
    FROM vb.trades AS t
    UNION ALL
    SELECT
        t.executed_at,
        t.symbol,
        t.trade_id,
        t.price,
        t.seller_id AS owner_id,
        -t.quantity AS shares,
        t.price * t.quantity - t.seller_fee AS cash,
        t.seller_fee AS fee
    FROM vb.trades AS t
),

closes AS (
    SELECT DISTINCT ON (date_trunc('day', t.executed_at, 'UTC'), t.symbol)
        date_trunc('day', t.executed_at, 'UTC') AS trade_day,
        t.symbol,
        t.price AS close_price
    FROM vb.trades AS t
    ORDER BY date_trunc('day', t.executed_at, 'UTC') ASC, t.symbol ASC, t.executed_at DESC, t.trade_id DESC
)

SELECT
    l.owner_id,
    c.trade_day::date AS trade_date,
    l.symbol,
    sum(l.shares) AS net_quantity,
    sum(l.cash) AS net_cash,
    sum(l.fee) AS fees,
    c.close_price,
    sum(l.cash) + sum(l.shares) * c.close_price AS pnl
FROM legs AS l
INNER JOIN closes AS c ON date_trunc('day', l.executed_at, 'UTC') = c.trade_day AND l.symbol = c.symbol
GROUP BY l.owner_id, c.trade_day, l.symbol, c.close_price;
