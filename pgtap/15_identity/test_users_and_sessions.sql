-- Identity (contract identity.md): handle rules (NFKC, case-insensitive, no look-alikes), display
-- names, user status, application roles, sessions (token returned once, only its sha256 kept;
-- validate, refresh, end, end all, expire and prune) and their events.
BEGIN;
SELECT plan(59);

CREATE TEMP TABLE tok (label text PRIMARY KEY, session_id uuid, token text);
GRANT SELECT, INSERT ON tok TO vb_app;
CREATE TEMP VIEW ev AS
SELECT
    e ->> 'type' AS event_type,
    e -> 'payload' AS payload
FROM vb.outbox AS o, json_array_elements(o.events) AS e
WHERE e ->> 'aggregate' IN ('session', 'user');

SET LOCAL ROLE vb_app;
-- handles
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000a1', 'Alice'), 'created', 'a handle');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', 'alice'), 'handle_taken', 'compared case-insensitively');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', U&'\0430lice'), 'invalid_handle', 'a Cyrillic look-alike is refused');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', U&'ali\202Ece'), 'invalid_handle', 'a right-to-left override is refused');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', U&'ali\200Bce'), 'invalid_handle', 'a zero-width space is refused');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', 'ab'), 'invalid_handle', 'two characters are too few');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', repeat('b', 33)), 'invalid_handle', '33 too many');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', repeat('b', 1000000)), 'invalid_handle', 'a megabyte is refused unread');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', NULL), 'invalid_handle', 'a null handle is invalid');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', 'bob smith'), 'invalid_handle', 'a space is refused');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', U&'\FF42\FF4F\FF42'), 'created', 'full-width letters normalise (NFKC)');
SELECT is((SELECT handle FROM vb_api.get_user('00000000-0000-0000-0000-0000000000b1')), 'bob', 'to their ASCII form');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000b1', 'bob'), 'exists', 'so a replay with it is the same user');
SELECT throws_ok($$SELECT vb_api.create_user(NULL, 'carol')$$, 'VB001', NULL, 'a null id is VB001');
-- display names
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol', U&'Carol \202Egnirts'), 'invalid_display_name', 'a bidi override in a display name');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol', E'Carol\n'), 'invalid_display_name', 'a control character');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol', repeat('C', 65)), 'invalid_display_name', '65 characters');
SELECT is(vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol', repeat('C', 64)), 'created', '64 characters are fine');
SELECT throws_ok($$SELECT vb_api.assign_role('00000000-0000-0000-0000-0000000000a1', 'admin')$$, '42501', NULL, 'vb_app cannot assign roles');
RESET ROLE;

-- application roles (vb_admin)
SET LOCAL ROLE vb_admin;
SELECT is(vb_api.assign_role('00000000-0000-0000-0000-0000000000a1', 'market_maker'), 'assigned', 'assign_role');
SELECT is(vb_api.assign_role('00000000-0000-0000-0000-0000000000a1', 'market_maker'), 'exists', 'twice: exists');
SELECT is(vb_api.assign_role('00000000-0000-0000-0000-0000000000a1', 'player'), 'exists', 'every user is a player');
SELECT is(vb_api.assign_role('00000000-0000-0000-0000-0000000000a1', 'god'), 'unknown_role', 'unknown_role');
SELECT is(vb_api.assign_role('00000000-0000-0000-0000-0000000000ff', 'admin'), 'user_not_found', 'user_not_found');
SELECT is((SELECT roles FROM vb_api.get_user('00000000-0000-0000-0000-0000000000a1')), ARRAY['market_maker', 'player'], 'get_user lists the roles');
SELECT is(vb_api.revoke_role('00000000-0000-0000-0000-0000000000a1', 'market_maker'), 'revoked', 'revoke_role');
SELECT is(vb_api.revoke_role('00000000-0000-0000-0000-0000000000a1', 'market_maker'), 'not_assigned', 'twice: not_assigned');
RESET ROLE;

-- sessions
SET LOCAL ROLE vb_app;
INSERT INTO tok (label, session_id, token)
SELECT
    'a' AS label,
    s.session_id,
    s.token
FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1', 600, '{"ip": "10.0.0.1"}') AS s;
INSERT INTO tok (label, session_id, token)
SELECT
    'a2' AS label,
    s.session_id,
    s.token
FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1') AS s;
SELECT is((SELECT length(token) FROM tok WHERE label = 'a'), 43, 'a token is 43 base64url characters (32 bytes)');
SELECT results_eq(
    $$SELECT status, user_id, roles FROM vb_api.validate_session((SELECT token FROM tok WHERE label = 'a'))$$,
    $$VALUES ('valid', '00000000-0000-0000-0000-0000000000a1'::uuid, ARRAY['player'])$$, 'validate_session: valid, with user and roles'
);
SELECT is((SELECT status FROM vb_api.validate_session('garbage')), 'unknown', 'a malformed token is unknown');
SELECT is(
    (SELECT status FROM vb_api.validate_session((SELECT left(token, 42) || 'B' FROM tok WHERE label = 'a'))),
    'unknown', 'so is another spelling of a token (spare bits set in its last character)'
);
SELECT is((SELECT status FROM vb_api.validate_session(NULL)), 'unknown', 'so is null');
SELECT is((SELECT status FROM vb_api.validate_session(repeat('A', 43))), 'unknown', 'and a well-formed stranger');
SELECT is((SELECT status FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1', 0)), 'invalid_ttl', 'a ttl of 0 s');
SELECT is((SELECT status FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1', 30 * 86400 + 1)), 'invalid_ttl', 'or past 30 days');
SELECT is((SELECT status FROM vb_api.start_session('00000000-0000-0000-0000-0000000000ff')), 'user_not_found', 'user_not_found');
SELECT throws_ok(
    $$SELECT * FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1', 60, jsonb_build_object('x', repeat('x', 5000)))$$,
    'VB001', NULL, 'client metadata over 4 KB is VB001'
);
SELECT is(vb_api.refresh_session((SELECT session_id FROM tok WHERE label = 'a'), 1200), 'refreshed', 'refresh_session');
SELECT is(vb_api.end_session((SELECT session_id FROM tok WHERE label = 'a')), 'ended', 'end_session');
SELECT is(vb_api.end_session((SELECT session_id FROM tok WHERE label = 'a')), 'already_ended', 'twice: already_ended');
SELECT is((SELECT status FROM vb_api.validate_session((SELECT token FROM tok WHERE label = 'a'))), 'ended', 'an ended session validates as ended');
SELECT is(vb_api.refresh_session((SELECT session_id FROM tok WHERE label = 'a')), 'ended', 'and cannot be refreshed');
RESET ROLE;

SELECT is(
    (SELECT s.token_sha256 FROM vb.sessions AS s WHERE s.session_id = (SELECT t.session_id FROM tok AS t WHERE t.label = 'a')),
    sha256(decode(translate((SELECT token FROM tok WHERE label = 'a'), '-_', '+/') || '=', 'base64')),
    'the store keeps the token''s sha256'
);

-- disabling ends the user's sessions at once and refuses new ones
SET LOCAL ROLE vb_admin;
SELECT is(vb_api.set_user_status('00000000-0000-0000-0000-0000000000a1', 'disabled', 'cheating'), 'updated', 'set_user_status disabled');
SELECT is((SELECT status FROM vb_api.validate_session((SELECT token FROM tok WHERE label = 'a2'))), 'ended', 'its live session ended');
SELECT is((SELECT status FROM vb_api.start_session('00000000-0000-0000-0000-0000000000a1')), 'user_disabled', 'and a new one is refused');
RESET ROLE;

SELECT results_eq(
    $$SELECT event_type, payload ->> 'reason' FROM ev WHERE event_type <> 'session.refreshed' ORDER BY event_type, payload ->> 'reason'$$,
    $$VALUES ('session.ended', 'ended'), ('session.ended', 'user_disabled'), ('session.started', NULL),
        ('session.started', NULL), ('user.updated', NULL), ('user.updated', NULL), ('user.updated', NULL)$$,
    'events: two starts, an end, an end by disabling, three user.updated (two role changes, the status)'
);

-- finding a user by handle (vb_app) and listing sessions (vb_admin)
SET LOCAL ROLE vb_app;
SELECT is((SELECT user_id FROM vb_api.find_user('ALICE')), '00000000-0000-0000-0000-0000000000a1'::uuid, 'find_user compares as handles are');
SELECT is((SELECT handle FROM vb_api.find_user(U&'\FF42\FF4F\FF42')), 'bob', 'after NFKC');
SELECT is_empty($$SELECT * FROM vb_api.find_user(U&'\0430lice')$$, 'a look-alike finds nobody');
SELECT is_empty($$SELECT * FROM vb_api.find_user(repeat('a', 100000))$$, 'nor does a long or null handle');
SELECT throws_ok($$SELECT * FROM vb_api.list_sessions('00000000-0000-0000-0000-0000000000a1')$$, '42501', NULL, 'vb_app cannot list sessions');
SET LOCAL ROLE vb_admin;
SELECT is_empty($$SELECT * FROM vb_api.list_sessions('00000000-0000-0000-0000-0000000000a1')$$, 'a disabled user has no live session');
SELECT results_eq(
    $$SELECT status, end_reason, client ->> 'ip' FROM vb_api.list_sessions('00000000-0000-0000-0000-0000000000a1', TRUE)
        ORDER BY end_reason$$,
    $$VALUES ('ended', 'ended', '10.0.0.1'), ('ended', 'user_disabled', NULL)$$,
    'with the ended ones: both, with reason and client'
);
SELECT is((SELECT count(*)::integer FROM vb_api.list_sessions('00000000-0000-0000-0000-0000000000a1', TRUE, 1)), 1, 'p_limit');
SELECT throws_ok($$SELECT * FROM vb_api.list_sessions(NULL)$$, 'VB001', NULL, 'a null user is VB001');
RESET ROLE;

-- expiry and pruning (the clock is the rows')
UPDATE vb.sessions SET expires_at = clock_timestamp() - interval '1 second', ended_at = NULL, end_reason = NULL
WHERE session_id = (SELECT session_id FROM tok WHERE label = 'a2');
SELECT is(vb_ops.expire_sessions(), 1, 'expire_sessions ends a session whose time passed');
UPDATE vb.sessions SET ended_at = clock_timestamp() - interval '91 days';
SELECT is(vb_ops.expire_sessions(), 0, 'nothing more to expire');
SELECT is((SELECT count(*)::integer FROM vb.sessions), 0, 'and sessions ended more than 90 days ago are deleted');

SELECT * FROM finish();
ROLLBACK;
