-- vb.check_request_context(p_request_id text, p_metadata jsonb) → void
--
-- Internal. The rules of a request context (contract audit.md): a request id of 1 to 128
-- characters, none of them a control, bidirectional or zero-width character; metadata a JSON
-- object of at most 4,096 bytes of text (vb.size_limit 'client_bytes').
-- Raises: VB001 naming the argument that breaks them (never echoing the value).
CREATE OR REPLACE FUNCTION vb.check_request_context(p_request_id text, p_metadata jsonb)
RETURNS void
LANGUAGE plpgsql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_request_id IS NULL OR length(p_request_id) NOT BETWEEN 1 AND 128
        OR p_request_id ~ '[\x01-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]' THEN
        RAISE EXCEPTION 'p_request_id: 1 to 128 characters, no control, bidirectional or zero-width characters'
            USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_metadata', octet_length(p_metadata::text), 'client_bytes');
    IF jsonb_typeof(p_metadata) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'p_metadata: must be a JSON object' USING ERRCODE = 'VB001';
    END IF;
END
$$;
