-- vb_ops.expire_sessions(p_limit integer default 10000) → integer
--
-- Maintenance (a step of `pyvb maintain run`): ends up to p_limit sessions whose time has passed
-- (reason 'expired', oldest expiry first, skipping rows another transaction holds), and deletes
-- up to p_limit sessions ended more than 90 days ago — kept that long for audit, so the table
-- holds about 90 days of sessions.
-- Returns: how many sessions it expired.
-- Raises: VB001 when p_limit is not between 1 and 100,000.
-- Events: session.ended per session expired, in one outbox row.
CREATE OR REPLACE FUNCTION vb_ops.expire_sessions(p_limit integer DEFAULT 10000)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_events json [];
    v_deleted integer;
BEGIN
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 100000' USING ERRCODE = 'VB001';
    END IF;
    WITH due AS (
        SELECT s.session_id FROM vb.sessions AS s
        WHERE s.ended_at IS NULL AND s.expires_at <= v_now
        ORDER BY s.expires_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), ended AS (
        UPDATE vb.sessions AS s SET ended_at = s.expires_at, end_reason = 'expired'
        FROM due AS d WHERE s.session_id = d.session_id
        RETURNING s.*
    )
    SELECT coalesce(array_agg(vb.session_event('session.ended', e::vb.sessions, 'expired') ORDER BY e.session_id), '{}')
    INTO v_events
    FROM ended AS e;
    PERFORM vb.write_events(array_to_json(v_events), v_now);
    DELETE FROM vb.sessions AS s
    WHERE s.session_id IN (
        SELECT o.session_id FROM vb.sessions AS o
        WHERE o.ended_at < v_now - interval '90 days'
        ORDER BY o.ended_at
        LIMIT p_limit
    );
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    IF cardinality(v_events) + v_deleted > 0 THEN
        PERFORM vb.audit(
            'vb_ops.expire_sessions', jsonb_build_object('limit', p_limit),
            jsonb_build_object('expired', cardinality(v_events), 'deleted', v_deleted)
        );
    END IF;
    RETURN cardinality(v_events);
END
$$;
