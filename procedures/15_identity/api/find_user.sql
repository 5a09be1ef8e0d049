-- vb_api.find_user(p_handle text)
--   → table (user_id uuid, handle text, display_name text, status text, roles text[],
--            created_at timestamptz)
--
-- The user a handle names, compared as handles are (contract identity.md: NFKC, case-insensitive),
-- so 'ALICE' finds 'alice': what the middleware needs to start a session for a player who signed in
-- by handle, and what `pyvb users show HANDLE` reads. The row is vb_api.get_user's. No row for a
-- handle that breaks the rules (null, over 128 characters, look-alikes) or that nobody holds.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.find_user(p_handle text)
RETURNS TABLE (
    user_id uuid, handle text, display_name text, status text, roles text [], created_at timestamptz
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT g.* FROM vb.users AS u
    CROSS JOIN LATERAL vb_api.get_user(u.user_id) AS g
    WHERE u.handle_key = vb.handle_key(p_handle);
$$;
