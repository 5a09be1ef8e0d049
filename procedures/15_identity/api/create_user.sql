-- vb_api.create_user(p_user_id uuid, p_handle text, p_display_name text default null) → text
--
-- Registers a user (contract identity.md). Idempotent by p_user_id.
--
-- Parameters: p_user_id chosen by the caller; p_handle 3–32 characters after NFKC normalisation,
-- each of [a-z0-9_.-] in either case, unique compared case-insensitively ('Alice' and 'alice' are
-- one handle; vb.handle_key); p_display_name optional, at most 64 characters, no control,
-- bidirectional or zero-width characters (vb.is_clean_display_name).
-- Returns: 'created' | 'exists' (same handle, as given, and display name) |
--   'exists_with_different_fields' | 'handle_taken' (another user has the handle's key) |
--   'invalid_handle' (null, or breaks the rules: look-alike letters of other scripts, spaces,
--   too short or long) | 'invalid_display_name'.
-- Raises: VB001 when p_user_id is null.
-- Events: none (a user is not a ledger object; user.updated follows status and role changes).
-- Audited (contract audit.md): one vb.event_audit record per call, whatever its status.
CREATE OR REPLACE FUNCTION vb_api.create_user(
    p_user_id uuid, p_handle text, p_display_name text DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_audit_arguments constant jsonb := jsonb_build_object('user_id', p_user_id, 'handle', vb.audit_text(p_handle));
    v_existing vb.users;
    v_key text := vb.handle_key(p_handle);
    v_handle text;
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION 'p_user_id must not be null' USING ERRCODE = 'VB001';
    END IF;
    IF v_key IS NULL THEN
        RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'invalid_handle');
    END IF;
    IF NOT vb.is_clean_display_name(p_display_name) THEN
        RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'invalid_display_name');
    END IF;
    v_handle := normalize(p_handle, nfkc);
    SELECT * INTO v_existing FROM vb.users WHERE user_id = p_user_id;
    IF NOT FOUND THEN
        INSERT INTO vb.users (user_id, handle, handle_key, display_name, created_at, updated_at)
        VALUES (p_user_id, v_handle, v_key, p_display_name, clock_timestamp(), clock_timestamp())
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'created');
        END IF;
        -- lost a race, or the handle's key is someone else's
        SELECT * INTO v_existing FROM vb.users WHERE user_id = p_user_id;
        IF NOT FOUND THEN
            RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'handle_taken');
        END IF;
    END IF;
    IF v_existing.handle = v_handle AND v_existing.display_name IS NOT DISTINCT FROM p_display_name THEN
        RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'exists');
    END IF;
    RETURN vb.audited('vb_api.create_user', v_audit_arguments, 'exists_with_different_fields');
END
$$;
