-- vb_api.create_transfers(p_transfers vb_api.transfer_request[])
--   → table (idx integer, transfer_id uuid, status text)
--
-- Applies a batch of transfer requests in array order, all in the caller's transaction.
-- One result row per request (idx 1-based). The ledger contract (shared/contract/ledger.md)
-- defines the request fields and the statuses, checked in this order:
--   created | exists | exists_with_different_fields | id_already_failed | linked_event_failed |
--   linked_event_chain_open | flags_are_mutually_exclusive | invalid_request |
--   amount_must_be_positive | accounts_must_be_different | from_account_not_found |
--   to_account_not_found | asset_mismatch | not_permitted | pending_transfer_not_found |
--   pending_transfer_not_pending | pending_transfer_expired |
--   pending_transfer_has_different_accounts | exceeds_pending_amount | insufficient_funds | overflow
--
-- Details this implementation fixes where the contract is silent:
-- * invalid_request: a null transfer_id; a flag other than linked / pending / post_pending /
--   void_pending (or a null flag); null from/to/amount/code on a plain or pending request;
--   pending_id given without post/void, or missing with it; timeout_s < 0, or > 0 without
--   'pending'; an amount on void_pending (a void releases the whole pending amount); a code
--   longer than 64 characters. On post/void, a null code inherits the pending transfer's.
-- * Rejections are recorded in vb.transfer_ids (retrying the id reports id_already_failed);
--   members of a failed or open linked chain that did not fail themselves are not recorded,
--   so they may be retried with the same id. A replay ('exists') inside a chain counts as success.
-- * The idempotency statuses (exists, exists_with_different_fields, id_already_failed) describe
--   the id and always win, as the contract's order says; every other member of a failed chain
--   reports linked_event_failed, of an open chain at the end of the batch
--   linked_event_chain_open.
-- * A pending transfer whose timeout has passed reports pending_transfer_expired until
--   vb_ops.expire_pending_transfers() releases it; then pending_transfer_not_pending.
-- * Overflow of a deferred account credited without being read is caught when it is folded.
-- * not_permitted (contract identity.md): a request debiting an issuer account (money or share
--   creation, or a post/void of a pending one) from a caller that does not hold vb_admin
--   (vb.caller_is_admin: the connection's role, never this function's definer).
--
-- Raises: VB001 for a null array, one of more than one dimension or not indexed from 1, one of
-- more than 8,000 requests (vb.size_limit 'transfers_per_batch'), or a null element (nothing is
-- applied); 40001
-- (serialization_failure) when another transaction registered one of the batch's transfer ids
-- between this call's lookup and its commit (the same id sent twice at once): the whole call is
-- void, and retrying it reports that id as 'exists'. The registry's unique key decides, so a
-- batch needs no per-id lock (a lock per id would fill the lock table on large batches).
--
-- How: a one-element array takes the scalar path of vb_api.create_transfer (same checks, shared
-- through vb.check_transfer). Otherwise the accounts are locked in a fixed order (customer accounts sorted by id, then deferred
-- accounts that must be read, sorted), the batch is evaluated in memory request by request,
-- and the outcome is written set-based in one statement: each account row is updated once
-- (found by the physical row id read when it was locked), and entries / unfolded entries /
-- transfers / registry rows and the call's outbox row are inserted set-based.
-- The state in memory is rows, not columns: one vb.batch_account per account, the pending
-- transfers, the registry, and the transfers and entries to write as arrays of their tables'
-- row types (each keyed by an array of ids for lookup). A linked chain snapshots the accounts
-- and pending transfers at its first member and, on failure, restores them and cuts the row
-- arrays back to their lengths then (no SAVEPOINT per item).
-- Deferred accounts (kinds house, fee, clearing, issuer) are not locked when only credited: their
-- movements queue in vb.unfolded_entries, so a hot house or fee account does not serialise
-- writers. A debited one is locked and read (an issuer's "unlimited" overdraft is
-- vb.max_issuer_supply()); the asset's credit capacity (vb.max_credit_capacity()) guarantees an
-- unread credit can never overflow the account once folded.
-- Events (one vb.outbox row for the call): transfer.created | transfer.pending | transfer.posted |
-- transfer.voided per applied request, in order; then balance.changed once per customer account
-- changed by the call.
-- Audited (contract audit.md): one vb.event_audit record per call, with how many requests got
-- each status; the work is vb.create_transfers.
CREATE OR REPLACE FUNCTION vb_api.create_transfers(p_transfers vb_api.transfer_request [])
RETURNS TABLE (idx integer, transfer_id uuid, status text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_indexes integer [];
    v_ids uuid [];
    v_statuses text [];
BEGIN
    SELECT array_agg(r.idx ORDER BY r.idx), array_agg(r.transfer_id ORDER BY r.idx), array_agg(r.status ORDER BY r.idx)
    INTO v_indexes, v_ids, v_statuses
    FROM vb.create_transfers(p_transfers) AS r;
    PERFORM vb.audit(
        'vb_api.create_transfers',
        jsonb_build_object(
            'requests', cardinality(p_transfers),
            'amount', (SELECT sum(t.amount) FROM unnest(p_transfers) AS t)
        ),
        jsonb_build_object('statuses', (
            SELECT jsonb_object_agg(c.status, c.requests)
            FROM (SELECT s.status, count(*) AS requests FROM unnest(v_statuses) AS s (status) GROUP BY s.status) AS c
        ))
    );
    RETURN QUERY SELECT r.idx, r.transfer_id, r.status FROM unnest(v_indexes, v_ids, v_statuses) AS r (idx, transfer_id, status);
END
$$;
