-- vb_api.create_transfer(p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code,
--     p_flags default '{}', p_pending_id default null, p_timeout_s default null,
--     p_metadata default null) → text
--
-- One transfer request as parameters; returns its status. Exactly the semantics of
-- vb_api.create_transfers with a one-element array (see that function for statuses; 'linked'
-- on a lone request reports linked_event_chain_open). Runs the scalar single-request path
-- (vb.create_single_transfer), about twice as fast as the batch engine for one request.
-- Raises: nothing of its own (a request is never null here).
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
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    RETURN vb.create_single_transfer(ROW(
        p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code, p_flags, p_pending_id,
        p_timeout_s, p_metadata
    )::vb_api.transfer_request);
END
$$;
