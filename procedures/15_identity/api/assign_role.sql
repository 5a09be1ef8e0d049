-- vb_api.assign_role(p_user_id uuid, p_role text) → text
--
-- Gives a user an application role (contract identity.md; vb_admin only): 'market_maker',
-- 'moderator' or 'admin'. Every user has 'player' implicitly (assigning it reports 'exists').
-- Returns: 'assigned' | 'exists' | 'user_not_found' | 'unknown_role'.
-- Raises: nothing.
-- Events: user.updated, when assigned: it carries the user's live sessions' token hashes, so the
-- relay drops their cached roles.
CREATE OR REPLACE FUNCTION vb_api.assign_role(p_user_id uuid, p_role text)
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
    IF p_role = 'player' THEN
        RETURN 'exists';
    END IF;
    INSERT INTO vb.user_roles (user_id, role_name, assigned_at) VALUES (p_user_id, p_role, v_now)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'exists';
    END IF;
    UPDATE vb.users AS u SET updated_at = v_now WHERE u.user_id = p_user_id;
    PERFORM vb.write_events(json_build_array(vb.user_updated_event(p_user_id)), v_now);
    RETURN 'assigned';
END
$$;
