-- Back to the release before the layout step: drop what its repeatable files cannot replace (two
-- vb_ops functions whose results gained a column) and the functions that release does not have;
-- the deploy applies every repeatable file again after a rollback, restoring the rest.
DROP FUNCTION IF EXISTS vb_ops.detachable_partitions();
DROP FUNCTION IF EXISTS vb_ops.relay_status();
DROP FUNCTION IF EXISTS vb_ops.detached_partitions();
DROP FUNCTION IF EXISTS vb_ops.record_partition_archived(regclass, timestamptz, text, text, bigint);
DROP FUNCTION IF EXISTS vb_ops.drop_detached_partition(regclass, timestamptz);
DROP FUNCTION IF EXISTS vb_ops.start_maintenance_run(text);
DROP FUNCTION IF EXISTS vb_ops.finish_maintenance_run(bigint, text, jsonb);
DROP FUNCTION IF EXISTS vb_ops.last_maintenance_run();
DROP FUNCTION IF EXISTS vb.write_events(json, timestamptz);
DROP FUNCTION IF EXISTS vb.ledger_events(json [], vb.accounts []);
DROP FUNCTION IF EXISTS vb.trade_executed_event(bigint, text, bigint, bigint, uuid, uuid, uuid, text, bigint, bigint);
DROP FUNCTION IF EXISTS vb.breach_recorded_event(bigint, text, uuid, text, jsonb, timestamptz);
DROP FUNCTION IF EXISTS vb.alert_raised_event(bigint, bigint, uuid, text, text, jsonb);
DROP FUNCTION IF EXISTS vb.account_opened_event(uuid, text, uuid, text, bigint, jsonb);
DROP FUNCTION IF EXISTS vb.quote_updated_event(text, bigint, bigint, bigint, bigint, timestamptz);
DROP FUNCTION IF EXISTS vb.order_event(vb.orders, text);
DROP FUNCTION IF EXISTS vb.check_order(
    vb.securities, vb.accounts, text, text, text, bigint, bigint, bigint, boolean, boolean
);
DROP FUNCTION IF EXISTS vb.match_order(text, text, text, bigint, bigint, uuid);
DROP FUNCTION IF EXISTS vb.settle_order(
    uuid, text, uuid, uuid, vb.securities, vb.orders [], bigint [], bigint [], bigint [], bigint, bigint, integer,
    integer, uuid, uuid, uuid, uuid, uuid []
);
