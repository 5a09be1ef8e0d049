-- vb_ops.audit_chain_head() → table (seq bigint, chain_sha256 text, chained_at timestamptz)
--
-- The head of the audit trail's hash chain: its last link, the chain hash there (hex) and when
-- vb_ops.chain_audit moved it. Keep it outside the database (`pyvb audit chain` prints it): a
-- later chain that does not extend it shows a rewrite (README, Audit).
CREATE OR REPLACE FUNCTION vb_ops.audit_chain_head()
RETURNS TABLE (seq bigint, chain_sha256 text, chained_at timestamptz)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.seq, encode(h.chain_sha256, 'hex'), h.chained_at FROM vb.audit_chain_head AS h;
$$;
