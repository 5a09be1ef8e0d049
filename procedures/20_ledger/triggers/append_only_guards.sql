-- Append-only guards on the ledger's history tables (vb.guard_append_only raises VB002).
CREATE OR REPLACE TRIGGER transfers_append_only
BEFORE UPDATE OR DELETE ON vb.transfers
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER transfers_no_truncate
BEFORE TRUNCATE ON vb.transfers
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER entries_append_only
BEFORE UPDATE OR DELETE ON vb.entries
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER entries_no_truncate
BEFORE TRUNCATE ON vb.entries
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER transfer_ids_append_only
BEFORE UPDATE OR DELETE ON vb.transfer_ids
FOR EACH ROW EXECUTE FUNCTION vb.guard_append_only();

CREATE OR REPLACE TRIGGER transfer_ids_no_truncate
BEFORE TRUNCATE ON vb.transfer_ids
FOR EACH STATEMENT EXECUTE FUNCTION vb.guard_append_only();
