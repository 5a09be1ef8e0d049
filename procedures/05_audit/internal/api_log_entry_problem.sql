-- vb.api_log_entry_problem(p_entry jsonb) → text
--
-- Internal. The first field of one vb_api.log_api_requests element that breaks its rules (that
-- function's header), or null when it is well-formed; checked without casting anything that
-- could fail ("at" is parsed only once its shape is right, in a function that turns a bad date
-- into the field's name).
CREATE OR REPLACE FUNCTION vb.api_log_entry_problem(p_entry jsonb)
RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT CASE
        WHEN jsonb_typeof(p_entry) IS DISTINCT FROM 'object' THEN 'not an object'
        WHEN jsonb_typeof(p_entry -> 'request_id') IS DISTINCT FROM 'string'
            OR length(p_entry ->> 'request_id') NOT BETWEEN 1 AND 128
            OR p_entry ->> 'request_id' ~ '[\x01-\x1f\x7f-\x9f]' THEN 'request_id'
        WHEN jsonb_typeof(p_entry -> 'at') IS DISTINCT FROM 'string'
            OR p_entry ->> 'at' !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$'
            OR vb.log_time_in_window(p_entry ->> 'at') IS NOT TRUE THEN 'at'
        WHEN jsonb_typeof(p_entry -> 'route') IS DISTINCT FROM 'string'
            OR length(p_entry ->> 'route') NOT BETWEEN 1 AND 200
            OR p_entry ->> 'route' ~ '[\x01-\x1f\x7f-\x9f]' THEN 'route'
        WHEN jsonb_typeof(p_entry -> 'method') IS DISTINCT FROM 'string'
            OR p_entry ->> 'method' NOT IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') THEN 'method'
        WHEN jsonb_typeof(p_entry -> 'status') IS DISTINCT FROM 'number'
            OR p_entry ->> 'status' !~ '^[1-5][0-9]{2}$' THEN 'status'
        WHEN jsonb_typeof(p_entry -> 'latency_ms') IS DISTINCT FROM 'number'
            OR p_entry ->> 'latency_ms' !~ '^[0-9]{1,7}(\.[0-9]{1,9})?$'
            OR (p_entry ->> 'latency_ms')::numeric > 3600000 THEN 'latency_ms'
        WHEN coalesce(jsonb_typeof(p_entry -> 'user_id'), 'null') <> 'null'
            AND (jsonb_typeof(p_entry -> 'user_id') <> 'string'
                OR p_entry ->> 'user_id' !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') THEN 'user_id'
        WHEN coalesce(jsonb_typeof(p_entry -> 'session_id'), 'null') <> 'null'
            AND (jsonb_typeof(p_entry -> 'session_id') <> 'string'
                OR p_entry ->> 'session_id' !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$') THEN 'session_id'
        WHEN coalesce(jsonb_typeof(p_entry -> 'bytes_in'), 'null') <> 'null'
            AND (p_entry ->> 'bytes_in' !~ '^[0-9]{1,15}$' OR jsonb_typeof(p_entry -> 'bytes_in') <> 'number') THEN 'bytes_in'
        WHEN coalesce(jsonb_typeof(p_entry -> 'bytes_out'), 'null') <> 'null'
            AND (p_entry ->> 'bytes_out' !~ '^[0-9]{1,15}$' OR jsonb_typeof(p_entry -> 'bytes_out') <> 'number') THEN 'bytes_out'
    END;
$$;
