-- vb_api.revoke_role(p_user_id uuid, p_role text) → text
--
-- Takes an application role from a user (contract identity.md; vb_admin only). 'player' cannot
-- be taken (every user has it): 'not_assigned'.
-- Returns: 'revoked' | 'not_assigned' | 'user_not_found' | 'unknown_role'.
-- Raises: nothing.
-- Events: user.updated, when revoked (with the live sessions' token hashes: cached roles dropped).
CREATE OR REPLACE FUNCTION vb_api.revoke_role(p_user_id uuid, p_role text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('player', 'market_maker', 'moderator', 'admin') THEN
        RETURN 'unknown_role';
    END IF;
    PERFORM FROM vb.users AS u WHERE u.user_id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'user_not_found';
    END IF;
    DELETE FROM vb.user_roles AS ur WHERE ur.user_id = p_user_id AND ur.role_name = p_role;
    IF NOT FOUND THEN
        RETURN 'not_assigned';
    END IF;
    UPDATE vb.users AS u SET updated_at = v_now WHERE u.user_id = p_user_id;
    PERFORM vb.write_events(json_build_array(vb.user_updated_event(p_user_id)), v_now);
    RETURN 'revoked';
END
$$;
