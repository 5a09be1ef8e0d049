-- vb.emit_event(p_aggregate, p_aggregate_id, p_event_type, p_payload) → void
--
-- Internal. Appends a vb.outbox row holding one domain event, in the caller's transaction; the
-- relay delivers it after commit. Functions that emit several events per call write one row
-- with all of them instead (see vb.outbox).
CREATE OR REPLACE FUNCTION vb.emit_event(
    p_aggregate text, p_aggregate_id text, p_event_type text, p_payload json
) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO vb.outbox (events)
    VALUES (json_build_array(vb.outbox_event(p_event_type, p_aggregate, p_aggregate_id, p_payload)));
END
$$;
