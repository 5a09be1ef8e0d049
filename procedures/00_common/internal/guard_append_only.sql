-- vb.guard_append_only() → trigger
--
-- Internal. Rejects UPDATE, DELETE and TRUNCATE on append-only ledger tables (vb.transfers,
-- vb.entries, vb.transfer_ids) for every role, owner included: the ledger functions only ever
-- insert into them. Raises VB002. Old history leaves by detaching partitions, never by DELETE.
-- One exception: vb.make_partition deletes rows from a default partition to insert them again
-- into their new partition; it sets vb.partition_maintenance for its own transaction only.
CREATE OR REPLACE FUNCTION vb.guard_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- partition maintenance moves rows out of a default partition into their new partition
    -- (vb.make_partition sets this for its own transaction only)
    IF tg_op = 'DELETE' AND current_setting('vb.partition_maintenance', true) = 'on' THEN
        RETURN old;
    END IF;
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', tg_op, tg_table_schema, tg_table_name
        USING ERRCODE = 'VB002';
END
$$;
