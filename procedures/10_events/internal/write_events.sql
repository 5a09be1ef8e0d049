-- vb.write_events(p_events json, p_occurred_at timestamptz default clock_timestamp()) → integer
--
-- Internal. The one writer of vb.outbox: appends one row holding the call's events (a JSON array
-- of elements built by the *_event functions of this folder), in the caller's transaction; the
-- relay numbers and delivers them after commit. Writes nothing for a null or empty array.
-- Returns how many events it wrote.
-- p_occurred_at defaults to clock_timestamp(), as vb.outbox's column does: the time the events
-- were written, not the start of the caller's transaction.
-- Why one row per call: the relay delivers a row's events in order and a statement-level
-- trigger wakes it once per row written (see vb.wake_relay), so each call writes at most one.
CREATE OR REPLACE FUNCTION vb.write_events(p_events json, p_occurred_at timestamptz DEFAULT clock_timestamp())
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    v_count integer := coalesce(json_array_length(p_events), 0);
BEGIN
    IF v_count > 0 THEN
        INSERT INTO vb.outbox (occurred_at, events) VALUES (p_occurred_at, p_events);
    END IF;
    RETURN v_count;
END
$$;
