-- vb_api.log_api_requests(p_entries jsonb) → integer
--
-- Stores a batch of the middleware's request log (contract audit.md) and returns how many.
-- p_entries: a JSON array of at most 5,000 objects {"request_id", "at", "route", "method",
-- "status", "latency_ms", "user_id"?, "session_id"?, "bytes_in"?, "bytes_out"?}:
--   request_id  string, 1–128 characters, no control characters
--   at          string, ISO 8601 with a zone (2026-12-06T10:00:00.123Z), within the last 30 days
--               and the next hour (older rows would have no partition left to go to)
--   route       string, 1–200 characters, no control characters
--   method      GET | POST | PUT | PATCH | DELETE | HEAD | OPTIONS
--   status      integer 100–599
--   latency_ms  number 0–3,600,000
--   user_id, session_id  uuid strings or null; bytes_in, bytes_out integers 0–10^15 or null
-- Kept 30 days (daily partitions of vb.api_logs, dropped by `pyvb maintain run`); read through
-- vb_report.api_requests_hourly. Audited: one record per call, with the count.
-- Raises: VB001 when p_entries is not an array or holds more than 5,000 elements, or naming the
-- first malformed element by its index (from 1) and field ("p_entries[3]: status"); nothing is
-- stored then.
CREATE OR REPLACE FUNCTION vb_api.log_api_requests(p_entries jsonb)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad record;
    v_stored integer;
BEGIN
    IF jsonb_typeof(p_entries) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'p_entries must be a JSON array' USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_entries', jsonb_array_length(p_entries), 'api_log_entries');
    SELECT c.idx, c.field INTO v_bad
    FROM (
        SELECT x.idx, vb.api_log_entry_problem(x.entry) AS field
        FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS x (entry, idx)
    ) AS c
    WHERE c.field IS NOT NULL
    ORDER BY c.idx
    LIMIT 1;
    IF found THEN
        RAISE EXCEPTION 'p_entries[%]: %', v_bad.idx, v_bad.field USING ERRCODE = 'VB001';
    END IF;
    INSERT INTO vb.api_logs (
        request_id, requested_at, route, http_method, http_status, latency_ms, user_id, session_id, bytes_in, bytes_out
    )
    SELECT
        x.entry ->> 'request_id', (x.entry ->> 'at')::timestamptz, x.entry ->> 'route', x.entry ->> 'method',
        (x.entry ->> 'status')::smallint, (x.entry ->> 'latency_ms')::double precision,
        (x.entry ->> 'user_id')::uuid, (x.entry ->> 'session_id')::uuid,
        (x.entry ->> 'bytes_in')::bigint, (x.entry ->> 'bytes_out')::bigint
    FROM jsonb_array_elements(p_entries) AS x (entry);
    GET DIAGNOSTICS v_stored = ROW_COUNT;
    PERFORM vb.audit('vb_api.log_api_requests', jsonb_build_object('entries', v_stored), '{}'::jsonb);
    RETURN v_stored;
END
$$;
