-- vb_api.list_alerts(p_account_id uuid default null, p_open_only boolean default true)
--   → table (alert_id, account_id, kind, severity, detail, created_at, acknowledged_at)
--
-- Alerts, newest first: of one account (or all with null), only unacknowledged ones unless
-- p_open_only is false. At most 1000 rows. Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.list_alerts(p_account_id uuid DEFAULT NULL, p_open_only boolean DEFAULT TRUE)
RETURNS TABLE (
    alert_id bigint, account_id uuid, kind text, severity text, detail jsonb, created_at timestamptz,
    acknowledged_at timestamptz
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.alert_id, a.account_id, a.kind, a.severity, a.detail, a.created_at, a.acknowledged_at
    FROM vb.alerts AS a
    WHERE (p_account_id IS NULL OR a.account_id = p_account_id)
        AND (NOT coalesce(p_open_only, TRUE) OR a.acknowledged_at IS NULL)
    ORDER BY a.alert_id DESC
    LIMIT 1000;
$$;
