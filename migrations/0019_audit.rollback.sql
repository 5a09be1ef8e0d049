-- The audit functions go with their tables (the release before validates every function).
DROP FUNCTION IF EXISTS vb_api.set_request_context(text, uuid, uuid, jsonb);
DROP FUNCTION IF EXISTS vb_api.audit_trail(uuid, text, timestamptz, integer);
DROP FUNCTION IF EXISTS vb_ops.chain_audit();
DROP FUNCTION IF EXISTS vb_ops.verify_audit();
DROP FUNCTION IF EXISTS vb_ops.set_audit_policy(boolean);
DROP FUNCTION IF EXISTS vb.audited(text, jsonb, text);
DROP FUNCTION IF EXISTS vb.audit(text, jsonb, jsonb);
DROP FUNCTION IF EXISTS vb.audit_text(text);
DROP FUNCTION IF EXISTS vb.check_request_context(text, jsonb);
-- the internal twins of the audited API functions (the release before has the bodies in vb_api)
DROP FUNCTION IF EXISTS vb.create_transfer(uuid, uuid, uuid, bigint, text, text [], uuid, integer, jsonb);
DROP FUNCTION IF EXISTS vb.create_transfers(vb_api.transfer_request []);
DROP FUNCTION IF EXISTS vb.create_asset(text, smallint, text);
DROP FUNCTION IF EXISTS vb.cancel_order(uuid);
DROP FUNCTION IF EXISTS vb.place_order(uuid, uuid, text, text, bigint, text, bigint, text);
DROP FUNCTION IF EXISTS vb.start_session(uuid, integer, jsonb);
DROP FUNCTION IF EXISTS vb.audit_record_sha256(vb.event_audit);
DROP VIEW IF EXISTS vb_report.audit_trail;
DROP FUNCTION IF EXISTS vb.request_context_stamp(text, text, text, text);
DELETE FROM vb.derivation_keys WHERE purpose = 'context';
ALTER TABLE vb.derivation_keys DROP CONSTRAINT derivation_keys_purpose_check;
ALTER TABLE vb.derivation_keys ADD CONSTRAINT derivation_keys_purpose_check CHECK (purpose IN ('transfer', 'account'));
DELETE FROM vb.partition_policies WHERE parent = 'vb.event_audit'::regclass;
DROP TABLE vb.audit_policy;
DROP TABLE vb.audit_chain_head;
DROP TABLE vb.audit_chain;
DROP TABLE vb.event_audit;
DROP SEQUENCE vb.audit_id_seq;
