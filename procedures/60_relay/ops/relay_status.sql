-- vb_ops.relay_status() → table (sink text, last_event_id bigint, lag_events bigint,
--                                lag_s double precision, delivered_events bigint,
--                                updated_at timestamptz, dead_letters bigint)
--
-- Where each registered sink stands. lag_events counts numbered events it has not delivered
-- plus events still waiting in the outbox; lag_s is the age of the oldest of them (0 when
-- none); dead_letters counts the events set aside for it. For `pyvb relay status` and the relay's
-- metrics.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_ops.relay_status()
RETURNS TABLE (
    sink text, last_event_id bigint, lag_events bigint, lag_s double precision, delivered_events bigint,
    updated_at timestamptz, dead_letters bigint
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_next_event_id bigint;
    v_waiting_events bigint;
    v_oldest_waiting timestamptz;
BEGIN
    SELECT s.next_event_id INTO v_next_event_id FROM vb.event_sequence AS s;
    SELECT coalesce(sum(json_array_length(o.events)), 0), min(o.occurred_at)
    INTO v_waiting_events, v_oldest_waiting
    FROM vb.outbox AS o;
    RETURN QUERY
    SELECT
        p.sink,
        p.last_event_id,
        v_next_event_id - 1 - p.last_event_id + v_waiting_events,
        coalesce(extract(EPOCH FROM clock_timestamp() - least(
            (
                SELECT l.occurred_at FROM vb.event_log AS l
                WHERE l.first_event_id > p.last_event_id ORDER BY l.first_event_id LIMIT 1
            ),
            v_oldest_waiting
        ))::double precision, 0),
        p.delivered_events,
        p.updated_at,
        (SELECT count(*) FROM vb.relay_dead_letters AS d WHERE d.sink = p.sink)
    FROM vb.relay_progress AS p
    ORDER BY p.sink;
END
$$;
