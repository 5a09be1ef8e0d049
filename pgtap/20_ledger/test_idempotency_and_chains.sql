-- Idempotent replays (single and batch), linked chains: failure inside, open chain at the end,
-- success, retry of the innocent members, and VB001 for a null array or element.
BEGIN;
SELECT plan(30);

SELECT vb_test.ledger_accounts(1000);

-- replays
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'p2p', '{}', NULL, NULL, '{"note": "rent"}'), 'created', 'first attempt is created');
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'p2p', '{}', NULL, NULL, '{"note": "rent"}'), 'exists', 'identical replay is exists');
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 101, 'p2p', '{}', NULL, NULL, '{"note": "rent"}'), 'exists_with_different_fields', 'other amount is exists_with_different_fields');
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'p2p', '{}', NULL, NULL, '{"note": "food"}'), 'exists_with_different_fields', 'other metadata is exists_with_different_fields');
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 5000, 'p2p'), 'insufficient_funds', 'a rejection');
SELECT is(vb_api.create_transfer('22000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 50, 'p2p'), 'id_already_failed', 'the rejected id cannot be reused, even with a valid request');
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        ROW('22000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 10, 'p2p', '{}', NULL, NULL, NULL),
        ROW('22000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 10, 'p2p', '{}', NULL, NULL, NULL),
        ROW('22000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 11, 'p2p', '{}', NULL, NULL, NULL),
        ROW('22000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'p2p', '{}', NULL, NULL, '{"note": "rent"}')
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES ('created'), ('exists'), ('exists_with_different_fields'), ('exists')$$,
    'a repeated id inside one batch replays the earlier request'
);
SELECT is((SELECT balance FROM vb_api.get_balances(ARRAY['b0000000-0000-0000-0000-000000000001'::uuid])), 110::bigint, 'replays moved nothing twice');

-- a request digests the same through either path, null flags and metadata as '{}'
SELECT is(
    (SELECT status FROM vb_api.create_transfers(ARRAY[
        row('29000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', NULL, NULL, NULL, NULL),
        row('29000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', NULL, NULL, NULL, NULL)
    ]::vb_api.transfer_request []) WHERE idx = 1),
    'created', 'a batch request with null flags'
);
SELECT is(
    vb_api.create_transfer('29000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{}', NULL, NULL, '{}'),
    'exists', 'replayed alone with empty flags and metadata it is exists'
);

-- a chain with a failing member: nothing applied, the culprit reports its own status
SELECT results_eq(
    $$SELECT idx, status FROM vb_api.create_transfers(ARRAY[
        ROW('33000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 10, 'p2p', '{linked}', NULL, NULL, NULL),
        ROW('33000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 99999, 'p2p', '{linked}', NULL, NULL, NULL),
        ROW('33000000-0000-0000-0000-000000000003', 'b0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 5, 'p2p', '{}', NULL, NULL, NULL),
        ROW('33000000-0000-0000-0000-000000000004', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{}', NULL, NULL, NULL)
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES (1, 'linked_event_failed'), (2, 'insufficient_funds'), (3, 'linked_event_failed'), (4, 'created')$$,
    'a failing member voids its chain; the next chain stands alone'
);
SELECT results_eq(
    $$SELECT balance FROM vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-000000000001'::uuid, 'b0000000-0000-0000-0000-000000000001'::uuid]) ORDER BY account_id$$,
    $$VALUES (887::bigint), (113::bigint)$$,
    'only the request after the chain moved money'
);
SELECT is((SELECT count(*)::integer FROM vb.transfers WHERE transfer_id IN ('33000000-0000-0000-0000-000000000001', '33000000-0000-0000-0000-000000000003')), 0, 'no transfer of the failed chain is recorded');
SELECT is(vb_api.create_transfer('33000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 10, 'p2p'), 'created', 'an innocent member may be retried with its id');
SELECT is(vb_api.create_transfer('33000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p'), 'id_already_failed', 'the failing member is recorded as rejected');

-- a chain whose members depend on each other succeeds as a whole
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        ROW('44000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 500, 'deposit', '{linked}', NULL, NULL, NULL),
        ROW('44000000-0000-0000-0000-000000000002', 'b0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 600, 'p2p', '{}', NULL, NULL, NULL)
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES ('created'), ('created')$$,
    'a chain sees its own earlier effects'
);

-- an open chain at the end of the batch
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        ROW('55000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{}', NULL, NULL, NULL),
        ROW('55000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{linked}', NULL, NULL, NULL),
        ROW('55000000-0000-0000-0000-000000000003', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{linked}', NULL, NULL, NULL)
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES ('created'), ('linked_event_chain_open'), ('linked_event_chain_open')$$,
    'the open chain reports linked_event_chain_open and is not applied'
);
SELECT is(vb_api.create_transfer('55000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p'), 'created', 'a member of an open chain was not recorded');
SELECT is(vb_api.create_transfer('55000000-0000-0000-0000-000000000009', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{linked}'), 'linked_event_chain_open', 'a lone linked request is an open chain');

-- a chain with a pending transfer posted inside it
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        ROW('66000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 100, 'hold', '{linked,pending}', NULL, NULL, NULL),
        ROW('66000000-0000-0000-0000-000000000002', NULL, NULL, 40, NULL, '{post_pending}', '66000000-0000-0000-0000-000000000001', NULL, NULL)
    ]::vb_api.transfer_request []) ORDER BY idx$$,
    $$VALUES ('created'), ('created')$$,
    'a pending transfer created and posted in one batch'
);
SELECT results_eq(
    $$SELECT pending_state, resolved_by FROM vb.pending_transfers WHERE pending_id = '66000000-0000-0000-0000-000000000001'$$,
    $$VALUES ('posted', '66000000-0000-0000-0000-000000000002'::uuid)$$,
    'it is recorded as posted'
);
SELECT results_eq(
    $$SELECT pending_out, pending_in FROM vb_api.get_balances(ARRAY['a0000000-0000-0000-0000-000000000001'::uuid, 'b0000000-0000-0000-0000-000000000001'::uuid]) ORDER BY account_id$$,
    $$VALUES (0::bigint, 0::bigint), (0::bigint, 0::bigint)$$,
    'its reservation is fully released'
);

SELECT throws_ok($$SELECT * FROM vb_api.create_transfers(NULL)$$, 'VB001', NULL, 'a null array is VB001');
SELECT throws_ok(
    $$SELECT * FROM vb_api.create_transfers(ARRAY[ROW('77000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'p2p', '{}', NULL, NULL, NULL)::vb_api.transfer_request, NULL])$$,
    'VB001', NULL, 'a null element is VB001'
);
SELECT is((SELECT count(*)::integer FROM vb.transfer_ids WHERE transfer_id = '77000000-0000-0000-0000-000000000001'), 0, 'nothing of a VB001 batch is applied');
SELECT throws_ok(
    $$SELECT * FROM vb_api.create_transfers('[0:1]={"(77000000-0000-0000-0000-000000000002,a0000000-0000-0000-0000-000000000001,b0000000-0000-0000-0000-000000000001,1,x,{},,,)","(77000000-0000-0000-0000-000000000003,a0000000-0000-0000-0000-000000000001,b0000000-0000-0000-0000-000000000001,1,x,{},,,)"}'::vb_api.transfer_request [])$$,
    'VB001', 'p_transfers must be a one-dimensional array indexed from 1', 'an array indexed from 0 is VB001, named as such'
);
SELECT throws_ok(
    $$SELECT * FROM vb_api.create_transfers('{{"(77000000-0000-0000-0000-000000000004,a0000000-0000-0000-0000-000000000001,b0000000-0000-0000-0000-000000000001,1,x,{},,,)"},{"(77000000-0000-0000-0000-000000000005,a0000000-0000-0000-0000-000000000001,b0000000-0000-0000-0000-000000000001,1,x,{},,,)"}}'::vb_api.transfer_request [])$$,
    'VB001', 'p_transfers must be a one-dimensional array indexed from 1', 'a two-dimensional array is VB001, named as such'
);
SELECT results_eq(
    $$SELECT status FROM vb_api.create_transfers(ARRAY[
        ROW('77000000-0000-0000-0000-000000000006', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'x', '{{pending},{linked}}', NULL, NULL, NULL)::vb_api.transfer_request,
        ROW('77000000-0000-0000-0000-000000000007', 'a0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', 1, 'x', '{}', NULL, NULL, NULL)::vb_api.transfer_request
    ]) ORDER BY idx$$,
    $$VALUES ('invalid_request'), ('linked_event_failed')$$,
    'two-dimensional flags are invalid_request for that request, not 0A000 for the batch (it was linked to the next)'
);
SELECT is_empty($$SELECT * FROM vb_api.create_transfers('{}')$$, 'an empty batch returns nothing');
SELECT ok((SELECT bool_and(ok) FROM vb_ops.verify_ledger()), 'verify_ledger passes');

SELECT * FROM finish();
ROLLBACK;
