-- The archive rule and the maintenance runs' bookkeeping in vb_ops: a detached partition that
-- holds rows and whose policy archives is dropped only after its archive was recorded (VB004
-- before); malformed records and unknown periods are VB001; a run is started, finished once.
BEGIN;
SELECT plan(19);

SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.create_security('ACME', 'Acme', 'VBD');
UPDATE vb.partition_policies SET retention = interval '1 day', archive = TRUE WHERE parent = 'vb.quote_history'::regclass;
CREATE TEMPORARY TABLE oldest ON COMMIT DROP AS
SELECT
    d.partition,
    d.partition::text AS partition_name,
    d.range_from
FROM vb_ops.detachable_partitions() AS d
WHERE d.parent = 'vb.quote_history'::regclass
ORDER BY d.range_from LIMIT 1;
INSERT INTO vb.quote_history (symbol, quoted_at, bid, ask, last_price, volume)
SELECT
    'ACME' AS symbol,
    o.range_from + interval '1 hour' AS quoted_at,
    100 AS bid,
    101 AS ask,
    100 AS last_price,
    5 AS volume
FROM oldest AS o;

SELECT is(
    (SELECT d.needs_archive FROM vb_ops.detachable_partitions() AS d INNER JOIN oldest AS o ON d.partition = o.partition), TRUE,
    'a partition past retention holding rows of an archiving policy needs an archive'
);
SELECT ok(vb_ops.try_detach_partition((SELECT partition FROM oldest), 100), 'it detaches');
SELECT results_eq(
    $$SELECT d.needs_archive, d.archived FROM vb_ops.detached_partitions() AS d
      JOIN oldest AS o ON d.parent = 'vb.quote_history'::regclass AND d.range_from = o.range_from$$,
    $$VALUES (TRUE, FALSE)$$,
    'detached_partitions lists it: needs an archive, not archived'
);
SELECT throws_ok(
    $$SELECT vb_ops.drop_detached_partition('vb.quote_history', (SELECT range_from FROM oldest))$$,
    'VB004', NULL, 'drop_detached_partition refuses before its archive is recorded'
);
SELECT isnt((SELECT to_regclass(partition_name) FROM oldest), NULL, 'and the table is still there');
SELECT throws_ok(
    $$SELECT vb_ops.record_partition_archived('vb.quote_history', (SELECT range_from FROM oldest), 'file:///a', 'abc', 1)$$,
    'VB001', NULL, 'record_partition_archived: a malformed sha256 is VB001'
);
SELECT throws_ok(
    $$SELECT vb_ops.record_partition_archived('vb.quote_history', (SELECT range_from FROM oldest), repeat('x', 1001), repeat('a', 64), 1)$$,
    'VB001', NULL, 'record_partition_archived: a location over 1000 characters is VB001'
);
SELECT throws_ok(
    $$SELECT vb_ops.record_partition_archived('vb.quote_history', '1990-01-01', 'file:///a', repeat('a', 64), 1)$$,
    'VB001', NULL, 'record_partition_archived: a period that was not detached is VB001'
);
SELECT throws_ok(
    $$SELECT vb_ops.record_partition_archived('vb.quote_history', (SELECT range_from FROM oldest), 'file:///a', repeat('a', 64), 0)$$,
    'VB001', NULL, 'record_partition_archived: an archive of fewer rows than the table holds is VB001'
);
SELECT lives_ok(
    $$SELECT vb_ops.record_partition_archived('vb.quote_history', (SELECT range_from FROM oldest), 'file:///a', repeat('a', 64), 1)$$,
    'record_partition_archived records the archive'
);
SELECT is(
    vb_ops.drop_detached_partition('vb.quote_history', (SELECT range_from FROM oldest)),
    (SELECT partition_name FROM oldest),
    'then drop_detached_partition drops it and names it'
);
SELECT is((SELECT to_regclass(partition_name) FROM oldest), NULL, 'the table is gone');
SELECT is(
    (SELECT count(*)::integer FROM vb_ops.detached_partitions() AS d INNER JOIN oldest AS o ON d.range_from = o.range_from
     WHERE d.parent = 'vb.quote_history'::regclass),
    0, 'it is no longer listed as detached'
);
SELECT throws_ok(
    $$SELECT vb_ops.drop_detached_partition('vb.quote_history', (SELECT range_from FROM oldest))$$,
    'VB001', NULL, 'dropping it twice is VB001'
);

-- maintenance runs
CREATE TEMPORARY TABLE run ON COMMIT DROP AS SELECT vb_ops.start_maintenance_run('host-a') AS run_id;
SELECT throws_ok($$SELECT vb_ops.start_maintenance_run('')$$, 'VB001', NULL, 'start_maintenance_run: an empty host is VB001');
SELECT throws_ok(
    $$SELECT vb_ops.finish_maintenance_run((SELECT run_id FROM run), 'great', '{}')$$,
    'VB001', NULL, 'finish_maintenance_run: an unknown outcome is VB001'
);
SELECT lives_ok($$SELECT vb_ops.finish_maintenance_run((SELECT run_id FROM run), 'ok', '{"steps": {}}')$$, 'a run finishes');
SELECT throws_ok(
    $$SELECT vb_ops.finish_maintenance_run((SELECT run_id FROM run), 'ok', '{}')$$,
    'VB001', NULL, 'finish_maintenance_run: a finished run is VB001'
);
SELECT results_eq(
    $$SELECT run_id, host, outcome FROM vb_ops.last_maintenance_run()$$,
    $$SELECT run_id, 'host-a'::text, 'ok'::text FROM run$$,
    'last_maintenance_run is the latest run'
);

SELECT * FROM finish();
ROLLBACK;
