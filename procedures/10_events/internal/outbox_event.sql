-- vb.outbox_event(p_type text, p_aggregate text, p_key text, p_payload json) → json
--
-- Internal. One element of a vb.outbox row's events array: {type, aggregate, key, payload}.
-- Kept in one place so every writer emits the same shape.
-- No SET clause and STABLE like its body (json_build_object is stable), so the planner inlines
-- it; declared IMMUTABLE it would be called, not inlined, for every event.
CREATE OR REPLACE FUNCTION vb.outbox_event(p_type text, p_aggregate text, p_key text, p_payload json)
RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT json_build_object('type', p_type, 'aggregate', p_aggregate, 'key', p_key, 'payload', p_payload);
$$;
