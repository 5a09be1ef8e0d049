-- vb.user_roles_of(p_user_id uuid) → text[]
--
-- Internal. A user's application roles, sorted: 'player' (every user has it) and those assigned
-- (vb.user_roles). PL/pgSQL so that its plan is kept for the session: as a SQL function (not
-- inlinable: it aggregates) it was planned again in every transaction that called it, 60 µs of
-- each validate_session.
CREATE OR REPLACE FUNCTION vb.user_roles_of(p_user_id uuid)
RETURNS text []
LANGUAGE plpgsql
STABLE
AS $$
DECLARE
    v_roles text [];
BEGIN
    SELECT array_agg(r.role_name ORDER BY r.role_name) INTO v_roles
    FROM (
        SELECT 'player' AS role_name
        UNION ALL
        SELECT ur.role_name FROM vb.user_roles AS ur WHERE ur.user_id = p_user_id
    ) AS r;
    RETURN v_roles;
END
$$;
