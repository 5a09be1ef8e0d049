-- Audit trail (contract audit.md): every state-changing vb_api function writes exactly one
-- record per call (read from the catalog, so a new function that forgets fails, and shown call by
-- call, nested calls included), with the caller's role and request context; reference data keeps
-- its old and new values; the context's limits; the policy that requires one; append-only.
BEGIN;
SELECT plan(60);

CREATE FUNCTION pg_temp.records_written(p_sql text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_before bigint := (SELECT count(*) FROM vb.event_audit);
BEGIN
    EXECUTE p_sql;
    RETURN (SELECT count(*) FROM vb.event_audit) - v_before;
END
$$;
CREATE VIEW pg_temp.last_record AS
SELECT
    a.db_role,
    a.request_id,
    a.actor_user_id,
    a.session_id,
    a.metadata,
    a.function_name,
    a.arguments,
    a.outcome
FROM vb.event_audit AS a ORDER BY a.audit_id DESC LIMIT 1;

-- the catalog: a volatile function of vb_api that never calls vb.audit / vb.audited fails here
SELECT is_empty(
    $$SELECT p.proname FROM pg_catalog.pg_proc AS p
      WHERE p.pronamespace = 'vb_api'::regnamespace AND p.provolatile = 'v' AND p.prosrc !~ 'vb\.audit(ed)?\('
        AND p.proname NOT IN ('account_entries', 'balance_at', 'set_request_context')$$,
    'every state-changing vb_api function writes an audit record (reads that fold and set_request_context excepted)'
);

-- vb_ops: every state-changing function records too, except these, each for its reason:
-- chain_audit (a record of each of its runs would give every run something to link), detach_partition
-- (a procedure whose work try_detach_partition does and records), relay_sequence_events (moves
-- committed events into the numbered event log unchanged: the log is its record, and one record per
-- relay batch would double the trail), relay_set_listening (a wake-up hint no record depends on) and
-- analyze_partitioned_tables (statistics, never data)
SELECT is_empty(
    $$SELECT p.proname FROM pg_catalog.pg_proc AS p
      WHERE p.pronamespace = 'vb_ops'::regnamespace AND p.provolatile = 'v' AND p.prosrc !~ 'vb\.audit(ed)?\('
        AND p.proname NOT IN (
            'chain_audit', 'detach_partition', 'relay_sequence_events', 'relay_set_listening',
            'analyze_partitioned_tables'
        )$$,
    'every other state-changing vb_ops function writes an audit record'
);

SELECT vb_test.trading_users(ARRAY['01', '02'], 1000000);
SELECT is(pg_temp.records_written($$SELECT vb_api.create_asset('XAU', 2::smallint)$$), 1::bigint, 'create_asset: one record');
SELECT is(pg_temp.records_written($$SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, 1000)$$), 1::bigint, 'create_security: one (its asset inside)');
SELECT is(pg_temp.records_written($$SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-000000000001', 100)$$), 1::bigint, 'issue_shares: one (its transfer inside)');
SELECT is(pg_temp.records_written($$SELECT vb_api.open_account('a0000000-0000-0000-0000-0000000000f1', 'VBD')$$), 1::bigint, 'open_account');
SELECT is(pg_temp.records_written($$SELECT vb_api.create_transfer(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002', 100, 'p2p')$$), 1::bigint, 'create_transfer');
SELECT is(
    pg_temp.records_written($$SELECT count(*) FROM vb_api.create_transfers(ARRAY[
        ROW(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002', 5, 'p2p', '{}', NULL, NULL, NULL),
        ROW(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002', 999999999, 'p2p', '{}', NULL, NULL, NULL)
    ]::vb_api.transfer_request[])$$),
    1::bigint, 'create_transfers: one for the batch'
);
SELECT is((SELECT outcome FROM pg_temp.last_record), '{"statuses": {"created": 1, "insufficient_funds": 1}}'::jsonb, 'with how many requests got each status');
SELECT is(pg_temp.records_written($$SELECT * FROM vb_api.place_order('0e000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'ACME', 'buy', 1, 'limit', 100, 'gtc')$$), 1::bigint, 'place_order: one (its reservation''s transfers inside)');
SELECT is(pg_temp.records_written($$SELECT * FROM vb_api.cancel_order('0e000000-0000-0000-0000-000000000001')$$), 1::bigint, 'cancel_order: one (its release inside)');
SELECT is((SELECT outcome ->> 'status' FROM pg_temp.last_record), 'cancelled', 'with its status');
SELECT is(pg_temp.records_written($$SELECT vb_api.record_breach_event('engine', NULL, 'spoofing', '{}')$$), 1::bigint, 'record_breach_event');
SELECT is(pg_temp.records_written($$SELECT vb_api.ingest_quotes('[{"symbol": "ACME", "bid": 99, "ask": 101, "ts": "2026-01-01T00:00:00Z"}]')$$), 1::bigint, 'ingest_quotes: one per call');
SELECT is(pg_temp.records_written($$SELECT vb_api.create_user('00000000-0000-0000-0000-0000000000c1', 'carol')$$), 1::bigint, 'create_user');
SELECT is(pg_temp.records_written($$SELECT vb_api.assign_role('00000000-0000-0000-0000-0000000000c1', 'moderator')$$), 1::bigint, 'assign_role');
SELECT is(pg_temp.records_written($$SELECT vb_api.revoke_role('00000000-0000-0000-0000-0000000000c1', 'moderator')$$), 1::bigint, 'revoke_role');
SELECT is(pg_temp.records_written($$SELECT * FROM vb_api.start_session('00000000-0000-0000-0000-0000000000c1')$$), 1::bigint, 'start_session');
SELECT is((SELECT arguments ? 'token' OR outcome ? 'token' FROM pg_temp.last_record), FALSE, 'never the token');
SELECT is(pg_temp.records_written($$SELECT vb_api.refresh_session((SELECT session_id FROM vb.sessions LIMIT 1))$$), 1::bigint, 'refresh_session');
SELECT is(pg_temp.records_written($$SELECT vb_api.end_session((SELECT session_id FROM vb.sessions LIMIT 1))$$), 1::bigint, 'end_session');
SELECT is(pg_temp.records_written($$SELECT vb_api.end_user_sessions('00000000-0000-0000-0000-0000000000c1')$$), 1::bigint, 'end_user_sessions');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_user_status('00000000-0000-0000-0000-0000000000c1', 'disabled')$$), 1::bigint, 'set_user_status');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_fees('ACME', 3, 7)$$), 1::bigint, 'set_fees');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_exposure_limit('global', NULL, 'order_notional', 1000000)$$), 1::bigint, 'set_exposure_limit');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_market_session('2030-01-02', '2030-01-02 09:00Z', '2030-01-02 17:00Z')$$), 1::bigint, 'set_market_session');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_calendar_enforced(FALSE)$$), 1::bigint, 'set_calendar_enforced');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_index('IDX', 'Index', '{"ACME": 1}')$$), 1::bigint, 'set_index');
SELECT is(pg_temp.records_written($$SELECT vb_api.ack_alert(-1)$$), 1::bigint, 'ack_alert, even not_found');
SELECT is(pg_temp.records_written($$SELECT vb_api.set_trading_state('security', 'ACME', 'halted')$$), 1::bigint, 'set_trading_state');

-- who halted ACME, and when: one query, old and new values
SELECT results_eq(
    $$SELECT db_role, arguments -> 'state' ->> 'old', arguments -> 'state' ->> 'new', outcome ->> 'status'
      FROM vb.event_audit WHERE function_name = 'vb_api.set_trading_state' AND arguments ->> 'scope_key' = 'ACME'$$,
    $$VALUES ('postgres', 'active', 'halted', 'set')$$,
    'the halt of ACME keeps the state before and after'
);
SELECT isnt((SELECT arguments -> 'fees' -> 'old' FROM vb.event_audit WHERE function_name = 'vb_api.set_fees'), NULL, 'set_fees keeps the old fees');
SELECT is(
    (SELECT arguments -> 'fees' -> 'new' FROM vb.event_audit WHERE function_name = 'vb_api.set_fees'),
    '{"maker_fee_bps": 3, "taker_fee_bps": 7}'::jsonb, 'and the new ones'
);

-- the caller and its request context
SET LOCAL ROLE vb_app;
SELECT lives_ok(
    $$SELECT vb_api.set_request_context('req-42', '00000000-0000-0000-0000-000000000001', NULL, '{"route": "/transfers"}')$$,
    'vb_app sets a request context'
);
SELECT vb_api.create_transfer(gen_random_uuid(), 'a0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002', 1, 'p2p');
RESET ROLE;
SELECT results_eq(
    $$SELECT db_role, request_id, actor_user_id, metadata ->> 'route', function_name, outcome ->> 'status' FROM pg_temp.last_record$$,
    $$VALUES ('vb_app', 'req-42', '00000000-0000-0000-0000-000000000001'::uuid, '/transfers', 'vb_api.create_transfer', 'created')$$,
    'the record names the acting role, the request, the actor and the outcome'
);
SELECT throws_ok($$SELECT vb_api.set_request_context(repeat('r', 129))$$, 'VB001', NULL, 'a request id over 128 characters');
SELECT throws_ok($$SELECT vb_api.set_request_context(E'req\n1')$$, 'VB001', NULL, 'a control character in the request id');
SELECT throws_ok($$SELECT vb_api.set_request_context(NULL)$$, 'VB001', NULL, 'a null request id');
SELECT throws_ok($$SELECT vb_api.set_request_context('r', NULL, NULL, '[1]')$$, 'VB001', NULL, 'metadata that is not an object');
SELECT throws_ok($$SELECT vb_api.set_request_context('r', NULL, NULL, jsonb_build_object('x', repeat('x', 5000)))$$, 'VB001', NULL, 'metadata over 4 KB');
SELECT set_config('vb.request_id', 'forged', TRUE);
SELECT vb_api.set_fees(NULL, 1, 1);
SELECT is((SELECT request_id FROM pg_temp.last_record), NULL, 'a context SET without set_request_context (no stamp) is no context');
SELECT set_config('vb.request_id', '', TRUE);

-- the policy that requires a context (a row: a session could SET a setting off for itself)
SELECT is(pg_temp.records_written($$SELECT vb_ops.set_audit_policy(TRUE)$$), 1::bigint, 'require a request context (recorded)');
SELECT throws_ok($$SELECT vb_api.set_fees(NULL, 1, 1)$$, 'VB005', NULL, 'then a call without one fails');
SELECT set_config('vb.request_id', 'forged', TRUE);
SELECT throws_ok($$SELECT vb_api.set_fees(NULL, 1, 1)$$, 'VB005', NULL, 'so does one with a context SET directly');
SELECT vb_api.set_request_context('req-43');
SELECT is(vb_api.set_fees(NULL, 1, 1), 'set', 'and one with a context succeeds');
SELECT set_config('vb.request_id', '', TRUE);
SELECT is(vb_ops.set_audit_policy(FALSE), 'set', 'the switch back off needs no context');

-- vb_ops jobs: recorded without a context (even while the policy requires one), and only when
-- they change something
SELECT vb_ops.set_audit_policy(TRUE);
SELECT is(pg_temp.records_written($$SELECT vb_ops.relay_forget_sink('nosuch')$$), 1::bigint, 'a vb_ops call records under the policy, without a context');
SELECT is((SELECT outcome ->> 'status' FROM pg_temp.last_record), 'not_found', 'with its outcome');
SELECT is(pg_temp.records_written($$SELECT vb_ops.relay_record_progress('pgtap_sink', 0, 0)$$), 1::bigint, 'registering a sink is recorded');
SELECT is(pg_temp.records_written($$SELECT vb_ops.relay_record_progress('pgtap_sink', 0, 0)$$), 0::bigint, 'a step that moves nothing is not');
SELECT is(pg_temp.records_written($$SELECT vb_ops.relay_prune()$$), 0::bigint, 'nor a prune that deletes nothing');
SELECT is(
    pg_temp.records_written($$SELECT vb_ops.ingest_dead_letter('quotes:0:1', NULL, 'x', 'unknown symbol')$$)
    + pg_temp.records_written($$SELECT vb_ops.ingest_dead_letter('quotes:0:1', NULL, 'x', 'unknown symbol')$$),
    2::bigint, 'a dead letter is recorded, and so is its duplicate'
);
SELECT is((SELECT outcome ->> 'status' FROM pg_temp.last_record), 'duplicate', 'as a duplicate');
SELECT vb_ops.set_audit_policy(FALSE);

-- append-only, for every role
SELECT throws_ok($$UPDATE vb.event_audit SET outcome = '{}'$$, 'VB002', NULL, 'no record can be edited');
SELECT throws_ok($$DELETE FROM vb.event_audit$$, 'VB002', NULL, 'or deleted');
SELECT throws_ok($$TRUNCATE vb.event_audit$$, 'VB002', NULL, 'or truncated');
SELECT throws_ok($$TRUNCATE vb.audit_chain$$, 'VB002', NULL, 'nor the chain');
SET LOCAL ROLE vb_app;
SELECT throws_ok($$SELECT * FROM vb_api.audit_trail()$$, '42501', NULL, 'vb_app cannot read the trail');
SET LOCAL ROLE vb_admin;
SELECT is((SELECT count(*) FROM vb_api.audit_trail(NULL, 'req-42')), 1::bigint, 'vb_admin reads it by request');
SET LOCAL ROLE vb_readonly;
SELECT is((SELECT count(*) FROM vb_report.audit_trail WHERE request_id = 'req-42'), 1::bigint, 'vb_readonly through vb_report');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
