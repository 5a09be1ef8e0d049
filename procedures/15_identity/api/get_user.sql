-- vb_api.get_user(p_user_id uuid)
--   → table (user_id uuid, handle text, display_name text, status text, roles text[],
--            created_at timestamptz)
--
-- A user as the store knows it (contract identity.md): status 'active' | 'disabled', roles
-- sorted ('player' always). No row for an unknown or null id.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.get_user(p_user_id uuid)
RETURNS TABLE (
    user_id uuid, handle text, display_name text, status text, roles text [], created_at timestamptz
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT u.user_id, u.handle, u.display_name, u.user_status, vb.user_roles_of(u.user_id), u.created_at
    FROM vb.users AS u
    WHERE u.user_id = p_user_id;
$$;
