-- Read models of what happened, for reports and the demo's summary (vb_report; vb_readonly
-- may SELECT them). Internal bookkeeping (request digests, reservations, book sequence) stays
-- out of them.

-- Every order as placed, with its outcome.
CREATE OR REPLACE VIEW vb_report.order_flow AS
SELECT
    o.order_id,
    o.created_at,
    o.owner_id,
    o.account_id,
    o.symbol,
    o.side,
    o.order_type,
    o.time_in_force,
    o.quantity,
    o.limit_price,
    o.filled_quantity,
    o.order_status,
    o.reject_reason
FROM vb.orders AS o;

-- Every risk breach recorded (the alerts raised for them: vb_api.list_alerts).
CREATE OR REPLACE VIEW vb_report.risk_breaches AS
SELECT
    b.breach_id,
    b.created_at,
    b.source,
    b.account_id,
    b.kind,
    b.detail
FROM vb.breach_events AS b;

-- Every account: who owns it and what it holds (balances through vb_api.get_balances, which
-- counts a deferred account's movements not yet folded).
CREATE OR REPLACE VIEW vb_report.accounts AS
SELECT
    a.account_id,
    a.asset_code,
    a.account_kind,
    a.owner_id,
    a.created_at
FROM vb.accounts AS a;
