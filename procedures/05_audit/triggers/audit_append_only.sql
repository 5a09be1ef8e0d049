-- Append-only guards on the audit trail, its chain and the chain's closing hashes
-- (vb.guard_append_only raises VB002, for every role, the owner included): records and links
-- leave only by detaching and archiving a partition (both partitioned by month since 0021).
CREATE OR REPLACE TRIGGER event_audit_append_only
BEFORE UPDATE OR DELETE ON vb.event_audit
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER event_audit_no_truncate
BEFORE TRUNCATE ON vb.event_audit
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER audit_chain_append_only
BEFORE UPDATE OR DELETE ON vb.audit_chain
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER audit_chain_no_truncate
BEFORE TRUNCATE ON vb.audit_chain
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER audit_chain_closings_append_only
BEFORE UPDATE OR DELETE ON vb.audit_chain_closings
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER audit_chain_closings_no_truncate
BEFORE TRUNCATE ON vb.audit_chain_closings
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();
