-- vb.record_user_change(p_user_id uuid, p_now timestamptz) → void
--
-- Internal. After a user's roles changed: the row's updated_at, and the user.updated event (with
-- the live sessions' token hashes, so the relay drops their cached roles).
CREATE OR REPLACE FUNCTION vb.record_user_change(p_user_id uuid, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE vb.users AS u SET updated_at = p_now WHERE u.user_id = p_user_id;
    PERFORM vb.write_events(json_build_array(vb.user_updated_event(p_user_id)), p_now);
END
$$;
