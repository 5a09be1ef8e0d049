-- API logs (contract audit.md): a batch is stored whole, each malformed element fails the call
-- with VB001 naming its index and field and stores nothing, at most 5,000 per call, and the hourly
-- view counts requests, errors and latency percentiles per route.
BEGIN;
SELECT plan(19);

CREATE FUNCTION pg_temp.entry(p_changes jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'request_id', 'req-1', 'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'route', '/orders', 'method', 'POST', 'status', 200, 'latency_ms', 12.5
    ) || p_changes;
$$;
GRANT EXECUTE ON FUNCTION pg_temp.entry(jsonb) TO vb_app;

SET LOCAL ROLE vb_app;
SELECT is(
    vb_api.log_api_requests((
        SELECT jsonb_agg(pg_temp.entry(jsonb_build_object('latency_ms', g, 'status', CASE WHEN g > 90 THEN 503 ELSE 200 END)))
        FROM generate_series(1, 100) AS g
    )),
    100, 'a batch of 100 is stored'
);
SELECT is(vb_api.log_api_requests('[]'), 0, 'an empty batch stores nothing');
SELECT is(
    vb_api.log_api_requests(jsonb_build_array(pg_temp.entry('{"user_id": null, "bytes_in": 10, "bytes_out": 2048}'))),
    1, 'optional fields may be null or given'
);
SELECT throws_ok($$SELECT vb_api.log_api_requests('{}')$$, 'VB001', 'p_entries must be a JSON array', 'not an array');
SELECT throws_ok(
    $$SELECT vb_api.log_api_requests((SELECT jsonb_agg(pg_temp.entry()) FROM generate_series(1, 5001)))$$,
    'VB001', NULL, 'more than 5,000 elements'
);
SELECT throws_ok(
    format($$SELECT vb_api.log_api_requests(%L)$$, jsonb_build_array(pg_temp.entry(), pg_temp.entry(), pg_temp.entry(c.change))),
    'VB001', 'p_entries[3]: ' || c.field, 'element 3 with a bad ' || c.field || ' is named'
)
FROM (VALUES
    ('request_id', '{"request_id": ""}'::jsonb),
    ('at', '{"at": "2026-02-30T00:00:00Z"}'),
    ('at', '{"at": "1999-01-01T00:00:00Z"}'),
    ('route', '{"route": 5}'),
    ('method', '{"method": "BREW"}'),
    ('status', '{"status": 700}'),
    ('latency_ms', '{"latency_ms": -1}'),
    ('latency_ms', '{"latency_ms": "fast"}'),
    ('user_id', '{"user_id": "nobody"}'),
    ('bytes_out', '{"bytes_out": 1.5}')
) AS c (field, change);
SELECT throws_ok($$SELECT vb_api.log_api_requests('[1]')$$, 'VB001', 'p_entries[1]: not an object', 'an element that is not an object');
RESET ROLE;
SELECT is((SELECT count(*) FROM vb.api_logs), 101::bigint, 'the failed calls stored nothing');
SELECT results_eq(
    $$SELECT requests, errors, error_rate, p50_ms FROM vb_report.api_requests_hourly WHERE route = '/orders'$$,
    $$VALUES (101::bigint, 10::bigint, 0.0990::numeric, 50::double precision)$$,
    'the hourly view: requests, errors (5xx), error rate, median latency'
);
SET LOCAL ROLE vb_readonly;
SELECT lives_ok($$SELECT * FROM vb_report.api_requests_hourly$$, 'vb_readonly reads the hourly view');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
