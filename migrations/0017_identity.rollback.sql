-- The identity functions go with their tables (the release before validates every function it
-- finds; its own create_user is defined again by its deploy).
DROP FUNCTION IF EXISTS vb_ops.expire_sessions(integer);
DROP FUNCTION IF EXISTS vb_api.get_user(uuid);
DROP FUNCTION IF EXISTS vb_api.set_user_status(uuid, text, text);
DROP FUNCTION IF EXISTS vb_api.assign_role(uuid, text);
DROP FUNCTION IF EXISTS vb_api.revoke_role(uuid, text);
DROP FUNCTION IF EXISTS vb_api.start_session(uuid, integer, jsonb);
DROP FUNCTION IF EXISTS vb_api.validate_session(text);
DROP FUNCTION IF EXISTS vb_api.refresh_session(uuid, integer);
DROP FUNCTION IF EXISTS vb_api.end_session(uuid);
DROP FUNCTION IF EXISTS vb_api.end_user_sessions(uuid);
DROP FUNCTION IF EXISTS vb.end_sessions(uuid, text, timestamptz);
DROP FUNCTION IF EXISTS vb.lock_user_for_role_change(uuid, text);
DROP FUNCTION IF EXISTS vb.record_user_change(uuid, timestamptz);
DROP FUNCTION IF EXISTS vb.user_updated_event(uuid);
DROP FUNCTION IF EXISTS vb.session_event(text, vb.sessions, text);
DROP FUNCTION IF EXISTS vb.user_roles_of(uuid);
DROP FUNCTION IF EXISTS vb.handle_key(text);
DROP FUNCTION IF EXISTS vb.is_clean_display_name(text);
DROP TABLE vb.sessions;
DROP TABLE vb.user_roles;
DROP INDEX vb.users_by_handle_key;
ALTER TABLE vb.users
DROP COLUMN handle_key,
DROP COLUMN user_status,
DROP COLUMN status_reason,
DROP COLUMN updated_at;
