-- vb_api.record_breach_event: a breach reported from outside, its alert (one open per account
-- and kind), its events, VB001 on malformed calls.
BEGIN;
SELECT plan(10);

CREATE TEMPORARY TABLE breach_ids (label text PRIMARY KEY, breach_id bigint) ON COMMIT DROP;
INSERT INTO breach_ids VALUES
('first', vb_api.record_breach_event('surveillance', 'a7000000-0000-0000-0000-000000000001', 'wash_trading', '{"severity": "critical", "orders": 3}')),
('again', vb_api.record_breach_event('surveillance', 'a7000000-0000-0000-0000-000000000001', 'wash_trading', '{}')),
('other', vb_api.record_breach_event('middleware', 'a7000000-0000-0000-0000-000000000001', 'spoofing', NULL));

SELECT ok((SELECT breach_id FROM breach_ids WHERE label = 'again') > (SELECT breach_id FROM breach_ids WHERE label = 'first'), 'each report is a breach event of its own');
SELECT results_eq(
    $$SELECT source, kind, detail ->> 'orders' FROM vb.breach_events WHERE account_id = 'a7000000-0000-0000-0000-000000000001' ORDER BY breach_id$$,
    $$VALUES ('surveillance', 'wash_trading', '3'), ('surveillance', 'wash_trading', NULL), ('middleware', 'spoofing', NULL)$$,
    'breach events keep source, kind and detail'
);
SELECT results_eq(
    $$SELECT kind, severity FROM vb_api.list_alerts('a7000000-0000-0000-0000-000000000001') ORDER BY kind$$,
    $$VALUES ('spoofing', 'warning'), ('wash_trading', 'critical')$$,
    'one open alert per account and kind; the severity of the first report, warning by default'
);
SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'breach.recorded' AND payload ->> 'account_id' = 'a7000000-0000-0000-0000-000000000001'),
    3, 'a breach.recorded event per report'
);
SELECT is(
    (SELECT count(*)::integer FROM vb.outbox_events WHERE event_type = 'alert.raised' AND payload ->> 'account_id' = 'a7000000-0000-0000-0000-000000000001'),
    2, 'an alert.raised event per new alert'
);
SELECT throws_ok($$SELECT vb_api.record_breach_event(NULL, NULL, 'x', '{}')$$, 'VB001', NULL, 'a null source is VB001');
SELECT throws_ok($$SELECT vb_api.record_breach_event('s', NULL, '', '{}')$$, 'VB001', NULL, 'an empty kind is VB001');
SELECT throws_ok($$SELECT vb_api.record_breach_event('s', NULL, 'x', '{"severity": "apocalyptic"}')$$, 'VB001', NULL, 'an unknown severity is VB001');
SELECT lives_ok($$SELECT vb_api.record_breach_event('s', NULL, 'x', '{"severity": "info"}')$$, 'a breach without an account is recorded');
SELECT is(
    (SELECT array_agg(DISTINCT aggregate_id) FROM vb.outbox_events WHERE event_type = 'breach.recorded' AND payload ->> 'account_id' IS NULL),
    ARRAY['global'], 'its event is keyed global: the relay refuses an empty key'
);

SELECT * FROM finish();
ROLLBACK;
