-- Identity operations: sessions by user, newest first, ended ones included (vb_api.list_sessions,
-- an operator's view of a user's sessions kept for audit; the partial index on live sessions
-- serves the rest). The grants that let vb_feed record its own dead letters are in
-- procedures/99_access/grants/feed_grants.sql (the function exists only after the procedures).
CREATE INDEX sessions_by_user ON vb.sessions (user_id, created_at DESC);
