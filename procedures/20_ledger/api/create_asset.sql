-- vb_api.create_asset(p_code text, p_scale smallint, p_kind text default 'currency') → text
--
-- Registers an asset an account can hold: a currency ('VBD', scale 2) or a security
-- (scale 0). Idempotent by code.
--
-- Parameters: p_code 1–12 characters [A-Z0-9._-], upper case; p_scale 0–18 (digits after
-- the point of one major unit); p_kind 'currency' | 'security'.
-- Returns: 'created' | 'exists' (same scale and kind) | 'exists_with_different_fields'.
-- Raises: VB001 when a parameter is null or malformed (a malformed call, not a rejection).
-- Audited (contract audit.md): one vb.event_audit record per call; the work is vb.create_asset.
CREATE OR REPLACE FUNCTION vb_api.create_asset(
    p_code text, p_scale smallint, p_kind text DEFAULT 'currency'
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN vb.audited('vb_api.create_asset', jsonb_build_object('code', vb.audit_text(p_code), 'scale', p_scale, 'kind', vb.audit_text(p_kind)), vb.create_asset(p_code, p_scale, p_kind));
END
$$;
