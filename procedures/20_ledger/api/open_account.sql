-- vb_api.open_account(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, p_metadata) → text
--
-- Opens an account holding one asset. Idempotent by p_account_id (chosen by the caller).
--
-- Parameters:
--   p_account_id      uuid, the idempotency key
--   p_asset           asset code
--   p_owner_id        a user, or null for system accounts
--   p_kind            'customer' (default) | 'house' | 'fee' | 'clearing' | 'issuer'
--   p_overdraft_limit the balance may fall to -p_overdraft_limit; default 0; null = "unlimited",
--                     allowed only for kind 'issuer' (money enters the system only from issuers,
--                     so the balances of an asset always sum to zero), which means up to
--                     vb.max_issuer_supply() = 10^18 outstanding
-- The limits granted to an asset's accounts together (an unlimited issuer counting 10^18) stay
-- within vb.max_credit_capacity(kind) — 4·10^18 for a currency, 9·10^9 for a security (its
-- issuer takes all of it) — tracked in vb.assets.credit_committed under the asset's row lock
-- (taken only when a limit is granted): so no balance or pending total of the asset can leave
-- bigint, a deferred account cannot overflow when folded, and no holding's value overflows.
-- Granting a limit locks the asset's row to the end of the caller's transaction: under
-- REPEATABLE READ a concurrent grant on the same asset is 40001, and two transactions granting on
-- two assets in opposite orders can deadlock (40P01); grants are rare, retry them.
--   p_metadata        jsonb, default '{}'
-- Returns: 'created' | 'exists' | 'exists_with_different_fields' | 'not_permitted' (a kind other
--   than 'customer' from a caller without vb_admin, contract identity.md) | 'asset_not_found' |
--   'owner_not_found' | 'invalid_overdraft_limit' (negative, unlimited on a non-issuer, or beyond
--   what is left of the asset's credit capacity).
-- Raises: VB001 when p_account_id or p_asset is null, p_kind is not a known kind, or p_metadata
-- is over 8,192 bytes (vb.size_limit 'json_bytes').
-- Events: account.opened.
-- Kinds other than 'customer' are deferred ("hot") accounts: their movements are folded into
-- versioned entries later (vb_ops.fold_deferred_entries); see the README.
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.open_account(
    p_account_id uuid,
    p_asset text,
    p_owner_id uuid DEFAULT NULL,
    p_kind text DEFAULT 'customer',
    p_overdraft_limit bigint DEFAULT 0,
    p_metadata jsonb DEFAULT '{}'
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('account_id', p_account_id, 'asset', vb.audit_text(p_asset), 'owner_id', p_owner_id, 'kind', vb.audit_text(p_kind), 'overdraft_limit', p_overdraft_limit);
BEGIN
    IF p_kind IS DISTINCT FROM 'customer' AND p_kind IN ('house', 'fee', 'clearing', 'issuer')
        AND NOT vb.caller_is_admin() THEN
        RETURN vb.audited('vb_api.open_account', v_audit_arguments, 'not_permitted');
    END IF;
    RETURN vb.audited('vb_api.open_account', v_audit_arguments, vb.open_account(p_account_id, p_asset, p_owner_id, p_kind, p_overdraft_limit, p_metadata));
END
$$;
