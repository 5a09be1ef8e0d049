-- vb_api.create_transfer(p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code,
--     p_flags default '{}', p_pending_id default null, p_timeout_s default null,
--     p_metadata default null) → text
--
-- One transfer request as parameters; returns its status. Exactly the semantics of
-- vb_api.create_transfers with a one-element array (see that function for statuses; 'linked'
-- on a lone request reports linked_event_chain_open).
-- This is the scalar one-request path (vb_api.create_transfers uses it for one-element
-- arrays): the checks are shared with the batch engine through vb.check_transfer, but state is
-- held in scalars and written with one statement, because a single transfer is the middleware's
-- hottest call. Steps: registry lookup (a replay returns at once, locking nothing); lock customer
-- accounts (sorted), then the deferred accounts that must be read (sorted); checks; register the
-- id with its status; writes.
-- Two callers with the same id never both apply it, and take no per-id lock (a lock per id that
-- lives to the end of the caller's transaction would let one caller fill the server's lock table):
-- the registry's unique key decides. The second caller's insert of the id waits for the first's
-- transaction; if it commits, the second reports the recorded outcome (exists,
-- exists_with_different_fields or id_already_failed) and writes nothing; if it rolls back, the
-- second goes on. Raises: 40001 only when the caller's transaction is REPEATABLE READ or
-- SERIALIZABLE and the winner committed after its snapshot (the winner cannot be read then);
-- retrying reports its outcome. 40P01 is possible if two transactions use the same id with
-- different accounts and each goes on to touch the other's accounts (README, SQLSTATEs).
-- Audited (contract audit.md): one vb.event_audit record per call (flags as given when at most 8 of
-- at most 256 bytes in all, else a note saying so); the work is vb.create_transfer.
CREATE OR REPLACE FUNCTION vb_api.create_transfer(
    p_transfer_id uuid,
    p_from_account_id uuid,
    p_to_account_id uuid,
    p_amount bigint,
    p_code text,
    p_flags text [] DEFAULT '{}',
    p_pending_id uuid DEFAULT NULL,
    p_timeout_s integer DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    v_status := vb.create_transfer(
        p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code, p_flags, p_pending_id, p_timeout_s,
        p_metadata
    );
    -- vb.audit directly, and only simple expressions: this is the hottest call
    PERFORM vb.audit(
        'vb_api.create_transfer',
        jsonb_build_object(
            'transfer_id', p_transfer_id, 'from', p_from_account_id, 'to', p_to_account_id, 'amount', p_amount,
            'code', vb.audit_text(p_code), 'pending_id', p_pending_id,
            'flags', CASE WHEN cardinality(p_flags) <= 8 AND octet_length(array_to_string(p_flags, '')) <= 256
                THEN to_jsonb(p_flags) ELSE '"(over 8 flags or 256 bytes)"'::jsonb END
        ),
        jsonb_build_object('status', v_status)
    );
    RETURN v_status;
END
$$;
