-- vb.create_asset(p_code text, p_scale smallint, p_kind text default 'currency') → text
--
-- Internal. The body of vb_api.create_asset without its audit record, for the core's own callers
-- (create_security), so that one API call leaves exactly one record; statuses and SQLSTATEs are
-- vb_api.create_asset's (its header).
CREATE OR REPLACE FUNCTION vb.create_asset(
    p_code text, p_scale smallint, p_kind text DEFAULT 'currency'
) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_existing vb.assets;
BEGIN
    IF p_code IS NULL OR p_code !~ '^[A-Z0-9._-]{1,12}$' THEN
        RAISE EXCEPTION 'asset code must be 1-12 characters [A-Z0-9._-], got %', vb.short_quote(p_code)
            USING ERRCODE = 'VB001';
    END IF;
    IF p_scale IS NULL OR p_scale NOT BETWEEN 0 AND 18 THEN
        RAISE EXCEPTION 'asset scale must be 0-18, got %', quote_nullable(p_scale) USING ERRCODE = 'VB001';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('currency', 'security') THEN
        RAISE EXCEPTION 'asset kind must be currency or security, got %', vb.short_quote(p_kind)
            USING ERRCODE = 'VB001';
    END IF;
    INSERT INTO vb.assets (asset_code, scale, asset_kind) VALUES (p_code, p_scale, p_kind)
    ON CONFLICT (asset_code) DO NOTHING;
    IF FOUND THEN
        RETURN 'created';
    END IF;
    SELECT * INTO v_existing FROM vb.assets WHERE asset_code = p_code;
    IF v_existing.scale = p_scale AND v_existing.asset_kind = p_kind THEN
        RETURN 'exists';
    END IF;
    RETURN 'exists_with_different_fields';
END
$$;
