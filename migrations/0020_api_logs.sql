-- API logs (contract audit.md): the middleware's request log, written in batches by
-- vb_api.log_api_requests, kept 30 days (daily partitions under the partition policies, dropped
-- when they leave: a log, not a ledger), read through vb_report's hourly views.
CREATE TABLE vb.api_logs (
    request_id text NOT NULL,
    requested_at timestamptz NOT NULL,
    route text NOT NULL,
    http_method text NOT NULL,
    http_status smallint NOT NULL,
    latency_ms double precision NOT NULL,
    user_id uuid,
    session_id uuid,
    bytes_in bigint,
    bytes_out bigint
) PARTITION BY RANGE (requested_at);
CREATE TABLE vb.api_logs_default PARTITION OF vb.api_logs DEFAULT;
CREATE INDEX api_logs_by_route ON vb.api_logs (route, requested_at);
INSERT INTO vb.partition_policies (parent, period, premake, retention, archive, queue)
VALUES ('vb.api_logs', 'day', 14, interval '30 days', FALSE, FALSE);
