-- vb_api.create_transfers depends on the type; the release before defines it again without.
DROP FUNCTION IF EXISTS vb_api.create_transfers(vb_api.transfer_request []);
DROP TYPE IF EXISTS vb.batch_account;
