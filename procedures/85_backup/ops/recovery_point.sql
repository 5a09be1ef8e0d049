-- vb_ops.recovery_point(p_at timestamptz)
--   → table (last_change_at timestamptz, changes bigint, transfers bigint, last_transfer_at timestamptz)
--
-- What the database holds up to p_at, for the restore drill's RPO: the last state change recorded
-- at or before p_at (every state-changing call leaves an audit record) and how many, and the
-- transfers created at or before p_at with the last one's time. On a copy restored to p_at the
-- figures equal the live database's when nothing committed before p_at was lost.
-- Read-only. Raises: VB001 when p_at is null.
CREATE OR REPLACE FUNCTION vb_ops.recovery_point(p_at timestamptz)
RETURNS TABLE (last_change_at timestamptz, changes bigint, transfers bigint, last_transfer_at timestamptz)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'p_at must not be null' USING ERRCODE = 'VB001';
    END IF;
    RETURN QUERY
    SELECT a.last_at, a.changes, t.transfers, t.last_at
    FROM (SELECT max(e.recorded_at) AS last_at, count(*) AS changes FROM vb.event_audit AS e WHERE e.recorded_at <= p_at) AS a
    CROSS JOIN (SELECT count(*) AS transfers, max(x.created_at) AS last_at FROM vb.transfers AS x WHERE x.created_at <= p_at) AS t;
END
$$;
