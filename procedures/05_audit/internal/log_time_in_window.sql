-- vb.log_time_in_window(p_at text) → boolean
--
-- Internal. Whether an API log entry's time (an ISO 8601 text of the right shape) is a real
-- instant within the last 30 days and the next hour — the range vb.api_logs keeps partitions for;
-- false for an impossible date (2026-02-30) rather than an error.
CREATE OR REPLACE FUNCTION vb.log_time_in_window(p_at text)
RETURNS boolean
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_at timestamptz;
BEGIN
    v_at := p_at::timestamptz;
    RETURN v_at >= now() - interval '30 days' AND v_at < now() + interval '1 hour';
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
    RETURN FALSE;
END
$$;
