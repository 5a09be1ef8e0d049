-- vb_report.audit_trail: the audit trail for analytics and reports (contract audit.md), with each
-- record's link in the hash chain (null until vb_ops.chain_audit reaches it). Read-only, for
-- vb_readonly; the back office reads the same through vb_api.audit_trail.
CREATE OR REPLACE VIEW vb_report.audit_trail AS
SELECT
    a.audit_id,
    a.recorded_at,
    a.db_role,
    a.application_name,
    a.request_id,
    a.actor_user_id,
    a.session_id,
    a.metadata,
    a.function_name,
    a.arguments,
    a.outcome,
    c.seq AS chain_seq
FROM vb.event_audit AS a
LEFT JOIN vb.audit_chain AS c ON a.audit_id = c.audit_id AND a.recorded_at = c.recorded_at;
