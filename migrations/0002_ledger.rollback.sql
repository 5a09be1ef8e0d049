-- CASCADE: views and functions of the repeatable files depend on these; the next migrate
-- re-applies every repeatable file after a rollback.
DROP TYPE vb_api.transfer_request CASCADE;
DROP TABLE vb.outbox CASCADE;
DROP TABLE vb.unfolded_entries CASCADE;
DROP TABLE vb.entries CASCADE;
DROP TABLE vb.pending_transfers CASCADE;
DROP TABLE vb.transfers CASCADE;
DROP TABLE vb.transfer_ids CASCADE;
DROP TABLE vb.accounts CASCADE;
DROP TABLE vb.users CASCADE;
DROP TABLE vb.assets CASCADE;
