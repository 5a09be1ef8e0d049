-- vb_ops.relay_record_progress(p_sink text, p_last_event_id bigint, p_delivered_events integer)
--   → bigint
--
-- Records that sink p_sink ('kafka', 'redis', …) has delivered every event up to
-- p_last_event_id (p_delivered_events of them in this step). Creates the sink's row on first
-- use (with p_last_event_id 0 to register a sink without delivering). Progress never moves
-- backwards: an older relay finishing late cannot undo a newer one's progress.
-- Audited (contract audit.md) when it registers a sink or when the events it passes differ from the
-- count it says were delivered (events dead-lettered, skipped by hand, or a count overstated to
-- hide a skip); a plain delivery step — passing exactly the events delivered — is recorded by the
-- progress row itself (its count of delivered events), not once more per batch.
-- Returns: the sink's recorded last_event_id.
-- Raises: VB001 on a null or malformed sink name, a negative event id, or one beyond the last
-- numbered event (a sink cannot be made to skip events not yet delivered).
CREATE OR REPLACE FUNCTION vb_ops.relay_record_progress(
    p_sink text, p_last_event_id bigint, p_delivered_events integer DEFAULT 0
) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_before bigint;
    v_last_event_id bigint;
BEGIN
    IF p_sink IS NULL OR p_sink !~ '^[a-z][a-z0-9_]{0,30}$' OR p_last_event_id IS NULL OR p_last_event_id < 0
        OR p_delivered_events < 0 THEN
        RAISE EXCEPTION 'a sink name (lowercase word), an event id >= 0 and a delivered count >= 0 are required' USING ERRCODE = 'VB001';
    END IF;
    IF p_last_event_id >= (SELECT s.next_event_id FROM vb.event_sequence AS s) THEN
        RAISE EXCEPTION 'event % is not numbered yet', p_last_event_id USING ERRCODE = 'VB001';
    END IF;
    SELECT p.last_event_id INTO v_before FROM vb.relay_progress AS p WHERE p.sink = p_sink FOR UPDATE;
    INSERT INTO vb.relay_progress AS p (sink, last_event_id, delivered_events)
    VALUES (p_sink, p_last_event_id, coalesce(p_delivered_events, 0))
    ON CONFLICT (sink) DO UPDATE
    SET last_event_id = greatest(p.last_event_id, excluded.last_event_id),
        delivered_events = p.delivered_events + excluded.delivered_events,
        updated_at = now()
    RETURNING p.last_event_id INTO v_last_event_id;
    IF v_before IS NULL OR v_last_event_id - v_before <> coalesce(p_delivered_events, 0) THEN
        PERFORM vb.audit(
            'vb_ops.relay_record_progress',
            jsonb_build_object('sink', p_sink, 'last_event_id', p_last_event_id, 'delivered_events', p_delivered_events),
            jsonb_build_object(
                'status', CASE WHEN v_before IS NULL THEN 'registered' ELSE 'count_differs' END,
                'from_event_id', v_before, 'to_event_id', v_last_event_id
            )
        );
    END IF;
    RETURN v_last_event_id;
END
$$;
