-- vb_ops.relay_dead_letter(p_sink text, p_event_id bigint, p_outbox_id bigint, p_reason text,
--                          p_event_text text) → boolean
--
-- Sets aside one event that sink p_sink cannot take (it cannot be serialised, names no topic,
-- is too large for the broker, …) with the reason, so the stream goes on without it.
-- Returns: true when recorded, false when this sink had already set this event aside
-- (a redelivery after a crash).
-- Raises: VB001 when an argument is null.
CREATE OR REPLACE FUNCTION vb_ops.relay_dead_letter(
    p_sink text, p_event_id bigint, p_outbox_id bigint, p_reason text, p_event_text text
) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_sink IS NULL OR p_event_id IS NULL OR p_outbox_id IS NULL OR p_reason IS NULL OR p_event_text IS NULL THEN
        RAISE EXCEPTION 'every argument is required' USING ERRCODE = 'VB001';
    END IF;
    INSERT INTO vb.relay_dead_letters (sink, event_id, outbox_id, reason, event_text)
    VALUES (p_sink, p_event_id, p_outbox_id, p_reason, p_event_text)
    ON CONFLICT (sink, event_id) DO NOTHING;
    RETURN vb.audited(
        'vb_ops.relay_dead_letter',
        jsonb_build_object(
            'sink', vb.audit_text(p_sink), 'event_id', p_event_id, 'outbox_id', p_outbox_id,
            'reason', vb.audit_text(p_reason)
        ),
        CASE WHEN found THEN 'recorded' ELSE 'duplicate' END
    ) = 'recorded';
END
$$;
