-- vb.audit_record_sha256(p_record vb.event_audit) → bytea
--
-- Internal. The sha256 of an audit record's every column, in a text form that no session setting
-- changes (time as epoch seconds, jsonb in its canonical text, each value quoted so that no two
-- records share a text): what vb_ops.chain_audit stores and vb_ops.verify_audit recomputes.
CREATE OR REPLACE FUNCTION vb.audit_record_sha256(p_record vb.event_audit)
RETURNS bytea
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT sha256(convert_to(format(
        '%s|%L|%s|%L|%L|%L|%L|%L|%L|%L|%L|%L',
        p_record.audit_id, extract(EPOCH FROM p_record.recorded_at)::text, p_record.txid, p_record.db_role,
        p_record.application_name, p_record.request_id, p_record.actor_user_id, p_record.session_id,
        p_record.metadata::text, p_record.function_name, p_record.arguments::text, p_record.outcome::text
    ), 'UTF8'));
$$;
