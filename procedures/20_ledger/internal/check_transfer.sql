-- vb.check_transfer(...) → text
--
-- Internal. The checks of one transfer request after its idempotency checks, in the contract's
-- order (flags_are_mutually_exclusive … overflow), against the state the caller holds locked.
-- One SQL CASE with no SET clause, so the planner inlines it into the caller's expression (a
-- plpgsql body here cost a fifth of a single transfer).
-- Returns the first failing status, or 'created'. Shared by vb_api.create_transfer and
-- vb_api.create_transfers so the two paths cannot disagree.
--
-- Parameters: the request and its kind (vb.transfer_kind of its flags, which the callers need
-- anyway; null = flags_are_mutually_exclusive); its effective accounts (p_from_id / p_to_id:
-- given, else the pending transfer's); each account's asset (null = not found), the debited
-- account's overdraft limit (null = unlimited), balance and pending_out; the credited account's
-- balance (null = not read: a deferred account) and pending_in; the pending transfer's state
-- (null = not found), accounts, amount and expiry; the time of the call; and whether the caller
-- may not debit the from account (an issuer's, and the caller does not hold vb_admin:
-- 'not_permitted', contract identity.md). The callers assert that a debited account with a limit
-- is locked.
CREATE OR REPLACE FUNCTION vb.check_transfer(
    p_req vb_api.transfer_request,
    p_kind text,
    p_from_id uuid,
    p_to_id uuid,
    p_from_asset text,
    p_from_limit bigint,
    p_from_balance bigint,
    p_from_pending_out bigint,
    p_to_asset text,
    p_to_balance bigint,
    p_to_pending_in bigint,
    p_pending_state text,
    p_pending_from uuid,
    p_pending_to uuid,
    p_pending_amount bigint,
    p_pending_expires timestamptz,
    p_now timestamptz,
    p_not_permitted boolean
) RETURNS text
LANGUAGE sql
STABLE
AS $$
    SELECT CASE
        WHEN p_kind IS NULL THEN 'flags_are_mutually_exclusive'
        WHEN array_ndims(p_req.flags) > 1 THEN 'invalid_request'  -- before any array function that refuses them
        WHEN p_req.transfer_id IS NULL
            OR array_position(coalesce(p_req.flags, '{}'), NULL) IS NOT NULL
            OR NOT coalesce(p_req.flags, '{}') <@ ARRAY['linked', 'pending', 'post_pending', 'void_pending']
            OR length(p_req.code) > vb.size_limit('key_chars') OR p_req.code = ''
            OR octet_length(p_req.metadata::text) > vb.size_limit('json_bytes')
            OR p_req.timeout_s < 0
            OR (p_req.timeout_s > 0 AND p_kind <> 'pending')
            OR (p_kind IN ('single', 'pending') AND (
                p_req.from_account_id IS NULL OR p_req.to_account_id IS NULL OR p_req.amount IS NULL
                OR p_req.code IS NULL OR p_req.pending_id IS NOT NULL))
            OR (p_kind IN ('post_pending', 'void_pending') AND p_req.pending_id IS NULL)
            OR (p_kind = 'void_pending' AND p_req.amount IS NOT NULL)
            THEN 'invalid_request'
        WHEN p_req.amount <= 0 THEN 'amount_must_be_positive'
        WHEN p_req.from_account_id = p_req.to_account_id THEN 'accounts_must_be_different'
        WHEN p_from_id IS NOT NULL AND p_from_asset IS NULL THEN 'from_account_not_found'
        WHEN p_to_id IS NOT NULL AND p_to_asset IS NULL THEN 'to_account_not_found'
        WHEN p_from_asset <> p_to_asset THEN 'asset_mismatch'
        WHEN p_not_permitted THEN 'not_permitted'
        WHEN p_kind IN ('post_pending', 'void_pending') THEN CASE
            WHEN p_pending_state IS NULL THEN 'pending_transfer_not_found'
            WHEN p_pending_state <> 'pending' THEN 'pending_transfer_not_pending'
            WHEN p_pending_expires <= p_now THEN 'pending_transfer_expired'
            WHEN p_from_id <> p_pending_from OR p_to_id <> p_pending_to THEN 'pending_transfer_has_different_accounts'
            WHEN p_req.amount > p_pending_amount THEN 'exceeds_pending_amount'
            WHEN p_kind = 'post_pending' AND (
                p_from_balance < -9223372036854775808 + coalesce(p_req.amount, p_pending_amount)
                OR p_to_balance > 9223372036854775807 - coalesce(p_req.amount, p_pending_amount)
            ) THEN 'overflow'
            ELSE 'created' END
        WHEN p_from_limit IS NOT NULL
            -- numeric: with an overdraft limit near 2^63 the bigint difference itself could overflow
            AND p_from_balance::numeric - p_from_pending_out - p_req.amount < -p_from_limit::numeric THEN 'insufficient_funds'
        WHEN p_kind = 'pending' AND (
            p_from_pending_out > 9223372036854775807 - p_req.amount
            OR p_to_pending_in > 9223372036854775807 - p_req.amount
        ) THEN 'overflow'
        WHEN p_kind = 'single' AND (
            p_from_balance < -9223372036854775808 + p_req.amount
            OR p_to_balance > 9223372036854775807 - p_req.amount
        ) THEN 'overflow'
        ELSE 'created'
    END;
$$;
