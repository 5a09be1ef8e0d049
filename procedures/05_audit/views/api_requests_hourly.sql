-- vb_report.api_requests_hourly: the middleware's requests per route and hour (contract
-- audit.md): how many, how many failed (status 500 and above) and the error rate, and latency
-- percentiles p50, p95, p99 in milliseconds. Over vb.api_logs (30 days kept).
CREATE OR REPLACE VIEW vb_report.api_requests_hourly AS
SELECT
    l.route,
    date_trunc('hour', l.requested_at) AS hour,
    count(*) AS requests,
    count(*) FILTER (WHERE l.http_status >= 500) AS errors,
    round(count(*) FILTER (WHERE l.http_status >= 500)::numeric / count(*), 4) AS error_rate,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY l.latency_ms) AS p50_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY l.latency_ms) AS p95_ms,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY l.latency_ms) AS p99_ms
FROM vb.api_logs AS l
GROUP BY l.route, date_trunc('hour', l.requested_at);
