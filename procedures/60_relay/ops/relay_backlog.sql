-- vb_ops.relay_backlog() → table (waiting_events bigint, oldest_waiting_s double precision,
--                                 numbered_events bigint)
--
-- What the relay has not taken yet, whether or not any sink is registered: events committed to
-- the outbox and not numbered (waiting_events; oldest_waiting_s the age of the oldest, 0 when
-- none) and how many events it numbered so far (numbered_events). For `pyvb relay status`, which
-- on a database no relay ever ran against has no sink to show.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_ops.relay_backlog()
RETURNS TABLE (waiting_events bigint, oldest_waiting_s double precision, numbered_events bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT
        coalesce(sum(json_array_length(o.events)), 0)::bigint,
        coalesce(extract(EPOCH FROM clock_timestamp() - min(o.occurred_at))::double precision, 0),
        (SELECT s.next_event_id - 1 FROM vb.event_sequence AS s)
    FROM vb.outbox AS o;
$$;
