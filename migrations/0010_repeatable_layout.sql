-- The repeatable files moved to procedures/NN_domain/<layer>/ and no longer drop anything
-- themselves: the drops they held, and the functions the layout step removed, are here. The
-- deploy applies every repeatable file again after a migration, so what is dropped here and
-- still defined by a file is made again in the same transaction.

-- Signatures of earlier releases (the repeatable files used to drop them).
DROP FUNCTION IF EXISTS vb.check_transfer(
    vb_api.transfer_request, uuid, uuid, text, bigint, bigint, bigint, text, bigint, bigint, text, uuid, uuid, bigint,
    timestamptz, timestamptz
);
DROP FUNCTION IF EXISTS vb.make_partition(regclass, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS vb.apply_fills(uuid, text, uuid, uuid [], bigint [], bigint [], bigint [], text, timestamptz);
DROP FUNCTION IF EXISTS vb.apply_fills(
    uuid, text, uuid, vb.orders [], bigint [], bigint [], bigint [], bigint [], bigint [], text, timestamptz
);
-- Their return types changed in earlier releases: dropped so that CREATE OR REPLACE may define them.
DROP FUNCTION IF EXISTS vb.trade_transfers(
    bigint, bigint, bigint, text, uuid, uuid, uuid, vb.orders, bigint, integer, uuid, text, text, bigint
);
DROP FUNCTION IF EXISTS vb.trading_state_of(uuid, text);

-- Events are built by one function per event type and written by vb.write_events only.
DROP FUNCTION IF EXISTS vb.emit_event(text, text, text, json);
DROP FUNCTION IF EXISTS vb.emit_order_event(uuid, text);
DROP FUNCTION IF EXISTS vb.order_event(uuid, text);
DROP FUNCTION IF EXISTS vb.order_event_of(vb.orders, text);

-- Their results gained a column, so that pyvb reads only vb_ops functions: needs_archive (the
-- archive rule moved from pyvb maintain into vb_ops) and dead_letters (pyvb relay status).
DROP FUNCTION IF EXISTS vb_ops.detachable_partitions();
DROP FUNCTION IF EXISTS vb_ops.relay_status();
