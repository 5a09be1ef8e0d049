-- vb.transfer_request_digest(p_req vb_api.transfer_request) → uuid
--
-- Internal. md5 of every field of a request but its id (jsonb metadata in its canonical text
-- form); a replayed id reports 'exists' only when the digests match. Null flags count as '{}'
-- and null metadata as '{}' (what is recorded), so a request digests the same whichever
-- function or path it comes through.
-- No SET clause and STABLE like its body (a row cast to text is stable), so the planner inlines
-- it; declared IMMUTABLE it would be parsed again in every transaction.
CREATE OR REPLACE FUNCTION vb.transfer_request_digest(p_req vb_api.transfer_request)
RETURNS uuid
LANGUAGE sql
STABLE
AS $$
    SELECT md5(row(p_req.from_account_id, p_req.to_account_id, p_req.amount, p_req.code,
        coalesce(p_req.flags, '{}'), p_req.pending_id, p_req.timeout_s, coalesce(p_req.metadata, '{}'))::text)::uuid;
$$;
