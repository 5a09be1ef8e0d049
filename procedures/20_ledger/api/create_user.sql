-- vb_api.create_user(p_user_id uuid, p_handle text, p_display_name text default null) → text
--
-- Registers a user (minimal: the owner of accounts). Idempotent by p_user_id.
--
-- Parameters: p_user_id chosen by the caller; p_handle 1–64 characters, unique;
-- p_display_name optional.
-- Returns: 'created' | 'exists' (same handle and display name) |
--   'exists_with_different_fields' | 'handle_taken' (another user has the handle).
-- Raises: VB001 when p_user_id or p_handle is null, the handle is empty or over 64 characters, or
-- the display name is over 200 characters (vb.size_limit 'key_chars', 'name_chars').
CREATE OR REPLACE FUNCTION vb_api.create_user(
    p_user_id uuid, p_handle text, p_display_name text DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_existing vb.users;
BEGIN
    IF p_user_id IS NULL OR p_handle IS NULL OR length(p_handle) NOT BETWEEN 1 AND vb.size_limit('key_chars') THEN
        RAISE EXCEPTION 'user id and a handle of 1-% characters are required', vb.size_limit('key_chars')
            USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_display_name', length(p_display_name), 'name_chars');
    SELECT * INTO v_existing FROM vb.users WHERE user_id = p_user_id;
    IF FOUND THEN
        IF v_existing.handle = p_handle AND v_existing.display_name IS NOT DISTINCT FROM p_display_name THEN
            RETURN 'exists';
        END IF;
        RETURN 'exists_with_different_fields';
    END IF;
    INSERT INTO vb.users (user_id, handle, display_name) VALUES (p_user_id, p_handle, p_display_name)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN 'created';
    END IF;
    -- lost a race: either the id was created concurrently or the handle is someone else's
    SELECT * INTO v_existing FROM vb.users WHERE user_id = p_user_id;
    IF NOT FOUND THEN
        RETURN 'handle_taken';
    END IF;
    IF v_existing.handle = p_handle AND v_existing.display_name IS NOT DISTINCT FROM p_display_name THEN
        RETURN 'exists';
    END IF;
    RETURN 'exists_with_different_fields';
END
$$;
