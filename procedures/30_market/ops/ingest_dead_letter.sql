-- vb_ops.ingest_dead_letter(p_source text, p_message_key text, p_message_text text, p_reason text)
--   → boolean
--
-- Sets aside one inbound message `pyvb ingest` cannot apply, with the reason. p_source names
-- the message uniquely (topic/partition/offset), so a redelivery records nothing twice.
-- Returns: true when recorded, false when already recorded.
-- Also granted to vb_feed (the feed records what it could not apply), so every argument is
-- bounded: p_source and p_message_key at most 1,000 characters, p_message_text and p_reason at
-- most 10,000 (pyvb ingest cuts a message's text there).
-- Raises: VB001 when p_source, p_message_text or p_reason is null, or an argument is too long.
CREATE OR REPLACE FUNCTION vb_ops.ingest_dead_letter(
    p_source text, p_message_key text, p_message_text text, p_reason text
) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_source IS NULL OR p_message_text IS NULL OR p_reason IS NULL THEN
        RAISE EXCEPTION 'p_source, p_message_text and p_reason are required' USING ERRCODE = 'VB001';
    END IF;
    IF length(p_source) > 1000 OR length(p_message_key) > 1000 OR length(p_message_text) > 10000
        OR length(p_reason) > 10000 THEN
        RAISE EXCEPTION 'dead letter too long: source and key at most 1000 characters, text and reason 10000'
            USING ERRCODE = 'VB001';
    END IF;
    INSERT INTO vb.ingest_dead_letters (source, message_key, message_text, reason)
    VALUES (p_source, p_message_key, p_message_text, p_reason)
    ON CONFLICT (source) DO NOTHING;
    RETURN vb.audited(
        'vb_ops.ingest_dead_letter',
        jsonb_build_object('source', vb.audit_text(p_source), 'reason', vb.audit_text(p_reason)),
        CASE WHEN found THEN 'recorded' ELSE 'duplicate' END
    ) = 'recorded';
END
$$;
