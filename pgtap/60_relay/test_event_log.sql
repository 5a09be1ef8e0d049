-- The relay's database side: numbering outbox rows into the event log, reading it, per-sink
-- progress, dead letters, pruning, the wake-up flag and status.
BEGIN;
SELECT plan(28);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.open_account('e0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL);
SELECT vb_api.open_account('e0000000-0000-0000-0000-000000000002', 'VBD');
SELECT vb_api.create_transfer('e1000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000000002', 500, 'deposit');
INSERT INTO vb.outbox (events) VALUES ('[]');

SELECT is((SELECT count(*)::integer FROM vb.outbox_events WHERE event_id IS NULL), 4, 'four events wait unnumbered');
SELECT is(vb_ops.relay_sequence_events(1), 1::bigint, 'relay_sequence_events moves at most p_max_rows rows');
SELECT is(vb_ops.relay_sequence_events(), 3::bigint, 'then the rest: 1 + 2 events (the issuer is deferred)');
SELECT is(vb_ops.relay_sequence_events(), 0::bigint, 'nothing left to number');
SELECT is((SELECT count(*)::integer FROM vb.outbox), 0, 'the outbox is empty, the empty row dropped');
SELECT results_eq(
    $$SELECT event_id, event_type FROM vb.outbox_events ORDER BY event_id$$,
    $$VALUES (1::bigint, 'account.opened'), (2, 'account.opened'), (3, 'transfer.created'),
             (4, 'balance.changed')$$,
    'events numbered densely from 1, in outbox order and in order within a row'
);
SELECT is((SELECT next_event_id FROM vb.event_sequence), 5::bigint, 'the counter stands after the last event');
SELECT results_eq(
    $$SELECT first_event_id, event_count FROM vb_ops.relay_read_events(0)$$,
    $$VALUES (1::bigint, 1), (2, 1), (3, 2)$$,
    'relay_read_events returns log rows in event order'
);
SELECT results_eq(
    $$SELECT first_event_id FROM vb_ops.relay_read_events(2, 1)$$, $$VALUES (3::bigint)$$,
    'relay_read_events starts after the position and honours the limit'
);
SELECT ok(
    (SELECT events FROM vb_ops.relay_read_events(2, 1))::json -> 0 ->> 'type' = 'transfer.created',
    'the events come as the json text array'
);
SELECT throws_ok($$SELECT vb_ops.relay_sequence_events(0)$$, 'VB001', NULL, 'p_max_rows 0 is VB001');

SELECT is(vb_ops.relay_record_progress('kafka', 4, 4), 4::bigint, 'relay_record_progress registers a sink');
SELECT is(vb_ops.relay_record_progress('kafka', 3, 0), 4::bigint, 'progress never moves backwards');
SELECT is(vb_ops.relay_record_progress('redis', 2, 2), 2::bigint, 'another sink advances on its own');
SELECT throws_ok($$SELECT vb_ops.relay_record_progress('Bad Sink', 1)$$, 'VB001', NULL, 'a malformed sink name is VB001');
SELECT throws_ok($$SELECT vb_ops.relay_record_progress('kafka', 5)$$, 'VB001', NULL, 'an event id not numbered yet is VB001 (no skipping ahead)');
SELECT results_eq(
    $$SELECT sink, last_event_id, lag_events, delivered_events FROM vb_ops.relay_status()$$,
    $$VALUES ('kafka', 4::bigint, 0::bigint, 4::bigint), ('redis', 2, 2, 2)$$,
    'relay_status: position, lag and count per sink'
);

SELECT ok(vb_ops.relay_dead_letter('kafka', 4, 3, 'too large', '{}'), 'relay_dead_letter records an event');
SELECT ok(NOT vb_ops.relay_dead_letter('kafka', 4, 3, 'too large', '{}'), 'and not twice for the same sink');
SELECT throws_ok($$SELECT vb_ops.relay_dead_letter('kafka', 4, 3, NULL, '{}')$$, 'VB001', NULL, 'a null reason is VB001');

UPDATE vb.event_log SET logged_at = now() - interval '1 hour';
SELECT is(vb_ops.relay_prune(interval '2 hours'), 0::bigint, 'relay_prune keeps rows inside the retention window');
SELECT is(vb_ops.relay_prune(interval '10 minutes'), 2::bigint, 'then deletes rows every sink has delivered');
SELECT results_eq(
    $$SELECT first_event_id FROM vb.event_log$$, $$VALUES (3::bigint)$$,
    'a row one sink still needs stays'
);

SELECT ok(vb_ops.relay_forget_sink('redis'), 'relay_forget_sink removes a registered sink');
SELECT ok(NOT vb_ops.relay_forget_sink('redis'), 'and reports one it does not know');
SELECT is(vb_ops.relay_prune(interval '10 minutes'), 1::bigint, 'the forgotten sink no longer holds back pruning');

SELECT throws_ok($$SELECT vb_ops.relay_set_listening(-1)$$, 'VB001', NULL, 'relay_set_listening(-1) is VB001');
SELECT vb_ops.relay_set_listening(5);
SELECT ok((SELECT listening_until > now() FROM vb.relay_wakeup), 'relay_set_listening sets the wake-up flag');

SELECT * FROM finish();
ROLLBACK;
