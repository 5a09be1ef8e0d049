-- vb_ops.relay_read_events(p_after_event_id bigint, p_max_rows integer default 1000)
--   → table (first_event_id bigint, event_count integer, outbox_id bigint,
--            occurred_at timestamptz, events text)
--
-- The numbered event log after p_after_event_id, one row per outbox row (its events as the
-- json text array of {type, aggregate, key, payload}; the n-th has event id
-- first_event_id + n - 1), in event id order, at most p_max_rows rows.
-- Why text: the relay parses and validates each event itself, so one event that cannot be
-- serialised goes to the dead-letter table instead of failing the whole read.
-- Raises: nothing (a null argument returns no rows).
CREATE OR REPLACE FUNCTION vb_ops.relay_read_events(p_after_event_id bigint, p_max_rows integer DEFAULT 1000)
RETURNS TABLE (first_event_id bigint, event_count integer, outbox_id bigint, occurred_at timestamptz, events text)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.first_event_id, l.event_count, l.outbox_id, l.occurred_at, l.events::text
    FROM vb.event_log AS l
    WHERE l.first_event_id > p_after_event_id
    ORDER BY l.first_event_id
    LIMIT p_max_rows;
$$;
