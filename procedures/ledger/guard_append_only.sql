-- vb.guard_append_only() → trigger
--
-- Internal. Rejects UPDATE, DELETE and TRUNCATE on append-only ledger tables (vb.transfers,
-- vb.entries, vb.transfer_ids) for every role, owner included: the ledger functions only ever
-- insert into them. Raises VB002. Old history leaves by detaching partitions, never by DELETE.
CREATE OR REPLACE FUNCTION vb.guard_append_only()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% on %.% is not allowed: the table is append-only', tg_op, tg_table_schema, tg_table_name
        USING ERRCODE = 'VB002';
END
$$;
