-- vb_ops.relay_prune(p_retention interval default '7 days') → bigint
--
-- Deletes event-log rows that every registered sink has delivered and that were logged
-- longer ago than p_retention (kept that long for audits and re-delivery by hand).
-- Returns: how many event-log rows were deleted. With no sink registered nothing is deleted.
-- Raises: VB001 when p_retention is null or negative.
CREATE OR REPLACE FUNCTION vb_ops.relay_prune(p_retention interval DEFAULT '7 days')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_delivered_by_all bigint;
    v_deleted bigint;
BEGIN
    IF p_retention IS NULL OR p_retention < INTERVAL '0' THEN
        RAISE EXCEPTION 'p_retention must be >= 0' USING ERRCODE = 'VB001';
    END IF;
    SELECT min(p.last_event_id) INTO v_delivered_by_all FROM vb.relay_progress AS p;
    IF v_delivered_by_all IS NULL THEN
        RETURN 0;
    END IF;
    DELETE FROM vb.event_log AS l
    WHERE l.first_event_id + l.event_count - 1 <= v_delivered_by_all
        AND l.logged_at < now() - p_retention;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    IF v_deleted > 0 THEN
        PERFORM vb.audit(
            'vb_ops.relay_prune', jsonb_build_object('retention', p_retention::text),
            jsonb_build_object('deleted', v_deleted, 'delivered_by_all', v_delivered_by_all)
        );
    END IF;
    RETURN v_deleted;
END
$$;
