-- vb.lock_user_for_role_change(p_user_id uuid, p_role text) → text
--
-- Internal. The checks assign_role and revoke_role share: 'unknown_role' for a role that is not
-- 'player', 'market_maker', 'moderator' or 'admin'; else the user's row locked (a role change
-- serialises with set_user_status and other role changes of the user), or 'user_not_found'.
-- Null when the change may go on.
CREATE OR REPLACE FUNCTION vb.lock_user_for_role_change(p_user_id uuid, p_role text)
RETURNS text
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('player', 'market_maker', 'moderator', 'admin') THEN
        RETURN 'unknown_role';
    END IF;
    PERFORM FROM vb.users AS u WHERE u.user_id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'user_not_found';
    END IF;
    RETURN NULL;
END
$$;
