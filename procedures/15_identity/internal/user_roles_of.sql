-- vb.user_roles_of(p_user_id uuid) → text[]
--
-- Internal. A user's application roles, sorted: 'player' (every user has it) and those assigned
-- (vb.user_roles).
CREATE OR REPLACE FUNCTION vb.user_roles_of(p_user_id uuid)
RETURNS text []
LANGUAGE sql
STABLE
AS $$
    SELECT array_agg(r.role_name ORDER BY r.role_name)
    FROM (
        SELECT 'player' AS role_name
        UNION ALL
        SELECT ur.role_name FROM vb.user_roles AS ur WHERE ur.user_id = p_user_id
    ) AS r;
$$;
