-- vb_ops.audit_chain_hash_at(p_seq bigint) → text
--
-- The chain hash (hex) at link p_seq of the audit trail: from the link, or from the closing hash
-- kept when its period was archived. Compared with a head recorded outside the database earlier
-- (`pyvb audit verify --anchor SEQ:SHA256`), a different hash shows the chain was rewritten at or
-- before that link — what verify_audit alone cannot see when the owner recomputed every link.
-- Returns: null when the chain has no such link (not reached yet, or archived with no closing kept
-- there). Raises: VB001 when p_seq is null or < 1.
CREATE OR REPLACE FUNCTION vb_ops.audit_chain_hash_at(p_seq bigint)
RETURNS text
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_seq IS NULL OR p_seq < 1 THEN
        RAISE EXCEPTION 'p_seq must be a link number >= 1' USING ERRCODE = 'VB001';
    END IF;
    RETURN encode(coalesce(
        (SELECT c.chain_sha256 FROM vb.audit_chain AS c WHERE c.seq = p_seq),
        (SELECT cl.chain_sha256 FROM vb.audit_chain_closings AS cl WHERE cl.seq = p_seq)
    ), 'hex');
END
$$;
