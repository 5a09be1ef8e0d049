-- vb.transfer_request_digest(p_req vb_api.transfer_request) → uuid
--
-- Internal (no SET clause: called only from functions that pin search_path, so it can be
-- inlined or called without a GUC save/restore; names are schema-qualified). md5 of every field of a request but its id, as sent (jsonb metadata in its
-- canonical text form). A replayed id reports 'exists' only when the digests match.
-- STABLE, not IMMUTABLE: a row cast to text is stable, and a function declared more strict than
-- its body is never inlined (it would be parsed again in every transaction).
CREATE OR REPLACE FUNCTION vb.transfer_request_digest(p_req vb_api.transfer_request)
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT md5(row(p_req.from_account_id, p_req.to_account_id, p_req.amount, p_req.code, p_req.flags,
        p_req.pending_id, p_req.timeout_s, p_req.metadata)::text)::uuid;
$$;
