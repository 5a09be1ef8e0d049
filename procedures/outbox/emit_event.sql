-- vb.emit_event(p_aggregate, p_aggregate_id, p_event_type, p_payload) → void
--
-- Internal. Appends one domain event to vb.outbox in the caller's transaction; the relay
-- delivers it after commit. Functions that emit many events at once insert into vb.outbox
-- set-based instead.
CREATE OR REPLACE FUNCTION vb.emit_event(
    p_aggregate text, p_aggregate_id text, p_event_type text, p_payload jsonb
) RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO vb.outbox (aggregate, aggregate_id, event_type, payload)
    VALUES (p_aggregate, p_aggregate_id, p_event_type, p_payload);
$$;
