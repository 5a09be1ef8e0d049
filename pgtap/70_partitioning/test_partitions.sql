-- Partition maintenance: premaking, rows in default partitions, health, retention, closing
-- balances, and the ledger's reads across an archived boundary.
BEGIN;
SELECT plan(24);

SELECT ok(
    (SELECT bool_and(default_rows = 0 AND ahead >= premake) FROM vb_ops.partition_health()),
    'after deploy: partitions ahead and empty default partitions'
);
SELECT is(
    (SELECT sum(created)::integer FROM vb_ops.premake_partitions()), 0, 'premake_partitions creates nothing twice'
);
SELECT ok(
    (SELECT bool_and(ahead >= premake) FROM vb_ops.partition_health()), 'each table has its premake partitions ahead'
);
SELECT throws_ok($$SELECT * FROM vb_ops.premake_partitions('vb.accounts')$$, 'VB001', NULL, 'a table without policy is VB001');

-- rows dated far ahead (five years after the server's month) and far behind land in the default partition
CREATE TEMPORARY TABLE far_month ON COMMIT DROP AS
SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '5 years') AT TIME ZONE 'UTC' AS month_start;
INSERT INTO vb.breach_events (source, kind, created_at) VALUES
('test', 'x', (SELECT f.month_start + interval '4 days' FROM far_month AS f)),
('test', 'x', (SELECT f.month_start + interval '8 days' FROM far_month AS f)),
('test', 'y', '2019-02-01');
SELECT is(
    (SELECT default_rows FROM vb_ops.partition_health() WHERE parent = 'vb.breach_events'), 3::bigint,
    'health counts rows in the default partition'
);
SELECT ok(NOT (SELECT ok FROM vb_ops.partition_health() WHERE parent = 'vb.breach_events'), 'and flags them');
SELECT results_eq(
    $$SELECT created, rows_moved, rows_left FROM vb_ops.move_default_rows('vb.breach_events')$$,
    $$VALUES (2, 3::bigint, 0::bigint)$$,
    'move_default_rows creates their partitions and moves them'
);
SELECT results_eq(
    $$SELECT tableoid::regclass::text, count(*)::integer FROM vb.breach_events GROUP BY 1 ORDER BY 1$$,
    $$SELECT 'vb.breach_events_p201902', 1 UNION ALL
      SELECT 'vb.breach_events_p' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM'), 2 FROM far_month$$,
    'each row is in the partition of its month'
);

-- a small ledger history in January and March 2026, written as the ledger would have
SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.open_account('a1000000-0000-0000-0000-000000000001', 'VBD', NULL, 'customer', 10000);
SELECT vb_api.open_account('a1000000-0000-0000-0000-000000000002', 'VBD');
UPDATE vb.accounts SET created_at = '2026-01-01', balance = -750, version = 3 WHERE account_id = 'a1000000-0000-0000-0000-000000000001';
UPDATE vb.accounts SET created_at = '2026-01-01', balance = 750, version = 3 WHERE account_id = 'a1000000-0000-0000-0000-000000000002';
INSERT INTO vb.transfers (transfer_id, created_at, transfer_kind, from_account_id, to_account_id, asset_code, amount, code) VALUES
('71000000-0000-0000-0000-000000000001', '2026-01-10', 'single', 'a1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000002', 'VBD', 1000, 'p2p'),
('71000000-0000-0000-0000-000000000002', '2026-01-20', 'single', 'a1000000-0000-0000-0000-000000000002', 'a1000000-0000-0000-0000-000000000001', 'VBD', 300, 'p2p'),
('71000000-0000-0000-0000-000000000003', '2026-03-05', 'single', 'a1000000-0000-0000-0000-000000000001', 'a1000000-0000-0000-0000-000000000002', 'VBD', 50, 'p2p');
INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code) VALUES
('a1000000-0000-0000-0000-000000000001', 1, '2026-01-10', '71000000-0000-0000-0000-000000000001', -1000, -1000, 'p2p'),
('a1000000-0000-0000-0000-000000000002', 1, '2026-01-10', '71000000-0000-0000-0000-000000000001', 1000, 1000, 'p2p'),
('a1000000-0000-0000-0000-000000000002', 2, '2026-01-20', '71000000-0000-0000-0000-000000000002', -300, 700, 'p2p'),
('a1000000-0000-0000-0000-000000000001', 2, '2026-01-20', '71000000-0000-0000-0000-000000000002', 300, -700, 'p2p'),
('a1000000-0000-0000-0000-000000000001', 3, '2026-03-05', '71000000-0000-0000-0000-000000000003', -50, -750, 'p2p'),
('a1000000-0000-0000-0000-000000000002', 3, '2026-03-05', '71000000-0000-0000-0000-000000000003', 50, 750, 'p2p');
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'the crafted history verifies');
SELECT throws_ok($$DELETE FROM vb.entries$$, 'VB002', NULL, 'the append-only guard still holds outside maintenance');

SELECT is((SELECT count(*)::integer FROM vb_ops.detachable_partitions() WHERE parent = 'vb.entries'::regclass), 0, 'no retention, nothing detachable');
UPDATE vb.partition_policies SET retention = interval '6 months' WHERE parent = 'vb.entries'::regclass;
SELECT is(
    (SELECT count(*)::integer FROM vb_ops.detachable_partitions() WHERE parent = 'vb.entries'::regclass), 0,
    'entries wait for transfers to share the retention'
);
UPDATE vb.partition_policies SET retention = interval '6 months' WHERE parent = 'vb.transfers'::regclass;
SELECT results_eq(
    $$SELECT parent::text, partition::text FROM vb_ops.detachable_partitions()
      WHERE range_from = '2026-01-01' AND parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass) ORDER BY 1$$,
    $$VALUES ('vb.entries', 'vb.entries_p202601'), ('vb.transfers', 'vb.transfers_p202601')$$,
    'then both January partitions are due'
);

SELECT is(vb_api.balance_at('a1000000-0000-0000-0000-000000000001', '2026-02-15'), -700::bigint, 'balance_at before archival');
SELECT is(vb_ops.record_closing_balances('2026-02-01'), 2, 'record_closing_balances: one row per account');
SELECT results_eq(
    $$SELECT account_id::text, balance, version FROM vb.closing_balances ORDER BY 1$$,
    $$VALUES ('a1000000-0000-0000-0000-000000000001', -700::bigint, 2::bigint), ('a1000000-0000-0000-0000-000000000002', 700, 2)$$,
    'closing balances are the last January entries'
);
SELECT ok(vb_ops.try_detach_partition('vb.entries_p202601', 100), 'try_detach_partition detaches entries');
SELECT ok(vb_ops.try_detach_partition('vb.transfers_p202601', 100), 'and transfers');
SELECT is(vb_api.balance_at('a1000000-0000-0000-0000-000000000001', '2026-02-15'), -700::bigint, 'balance_at across the boundary is unchanged');
SELECT is(vb_api.balance_at('a1000000-0000-0000-0000-000000000001', '2026-03-31'), -750::bigint, 'and after the later entry');
SELECT throws_ok(
    $$SELECT vb_api.balance_at('a1000000-0000-0000-0000-000000000001', '2026-01-15')$$, 'VB003', NULL,
    'balance_at inside the archived period is VB003'
);
SELECT results_eq(
    $$SELECT version, transfer_id, amount, balance_after, code FROM vb_api.account_entries('a1000000-0000-0000-0000-000000000001')$$,
    $$VALUES (2::bigint, NULL::uuid, NULL::bigint, -700::bigint, 'archived'),
             (3, '71000000-0000-0000-0000-000000000003', -50, -750, 'p2p')$$,
    'account_entries reports archived versions as one row, then the attached ones'
);
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'verify_ledger passes after archival');
UPDATE vb.partition_policies SET retention = interval '1 second' WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass);
SELECT throws_ok(
    pg_catalog.format(
        'SELECT vb_ops.try_detach_partition(%L, 100)', 'vb.entries_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')
    ),
    'VB001', NULL, 'the current partition is not detachable, even with the shortest retention'
);

SELECT * FROM finish();
ROLLBACK;
