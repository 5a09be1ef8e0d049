-- vb_ops.ledger_holds_rows() → boolean
--
-- Whether the ledger holds any transfer or entry (attached partitions; an archived month counts
-- too, through its recorded closing balances). `pyvb db rollback` refuses to drop a ledger that
-- holds rows unless told --force: a rollback drops what the migrations made, data included.
-- Raises: nothing.
-- Why SECURITY DEFINER: the tables belong to vb_owner; the deploying login need not read them.
CREATE OR REPLACE FUNCTION vb_ops.ledger_holds_rows()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM vb.transfers) OR EXISTS (SELECT FROM vb.entries)
        OR EXISTS (
            SELECT FROM vb.archived_periods AS ap WHERE ap.parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)
        );
$$;
