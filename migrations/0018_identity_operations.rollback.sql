-- The functions that read by this index go with it (the release before validates every
-- function), and so does what feed_grants.sql gave vb_feed in this release.
DROP FUNCTION IF EXISTS vb_api.list_sessions(uuid, boolean, integer);
DROP FUNCTION IF EXISTS vb_api.find_user(text);
DROP FUNCTION IF EXISTS vb.session_status(timestamptz, timestamptz, timestamptz);
DROP INDEX vb.sessions_by_user;
REVOKE USAGE ON SCHEMA vb_ops FROM vb_feed;
REVOKE ALL ON FUNCTION vb_ops.ingest_dead_letter(text, text, text, text) FROM vb_feed;
