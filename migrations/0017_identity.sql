-- Identity (contract identity.md): users' handle keys and status, application roles, sessions.
--
-- A handle is compared by its key: NFKC-normalised and lower-cased, so 'Alice' and 'alice' are one
-- handle. Users registered before keep their handles; where two of them would share a key, both
-- keep a null key (they were distinct handles when registered) and new registrations are
-- compared by key only.
ALTER TABLE vb.users
ADD COLUMN handle_key text,
ADD COLUMN user_status text NOT NULL DEFAULT 'active' CHECK (user_status IN ('active', 'disabled')),
ADD COLUMN status_reason text,
ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

UPDATE vb.users AS u SET handle_key = lower(normalize(u.handle, nfkc))  -- noqa: RF03
WHERE NOT EXISTS (
    SELECT FROM vb.users AS o
    WHERE o.user_id <> u.user_id
        AND lower(normalize(o.handle, nfkc)) = lower(normalize(u.handle, nfkc))  -- noqa: RF03
);
CREATE UNIQUE INDEX users_by_handle_key ON vb.users (handle_key);

-- Application roles beyond 'player', which every user has implicitly.
CREATE TABLE vb.user_roles (
    user_id uuid NOT NULL REFERENCES vb.users (user_id),
    role_name text NOT NULL CHECK (role_name IN ('market_maker', 'moderator', 'admin')),
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, role_name)
);

-- Sessions: only the token's sha256 is stored. A session is valid while not ended and
-- now() < expires_at. Ended and expired sessions are kept 90 days for audit, then
-- vb_ops.expire_sessions deletes them (so the table holds about 90 days of sessions).
CREATE TABLE vb.sessions (
    session_id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES vb.users (user_id),
    token_sha256 bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    client jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    refreshed_at timestamptz,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    end_reason text CHECK (end_reason IN ('ended', 'expired', 'user_disabled', 'all_ended')),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX sessions_live_by_user ON vb.sessions (user_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_live_by_expiry ON vb.sessions (expires_at) WHERE ended_at IS NULL;
CREATE INDEX sessions_ended ON vb.sessions (ended_at) WHERE ended_at IS NOT NULL;
