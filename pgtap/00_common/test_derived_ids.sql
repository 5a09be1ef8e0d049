-- The ids the system derives on its own behalf (vb.derived_id) are keyed with secrets only
-- vb_owner can read (migration 0014), so a caller cannot compute them in advance and take them
-- first. Before, a reservation id was md5('vb:reserve:<order>:1'): a vb_app caller registered it
-- as a transfer of its own and the order failed with VB999.
BEGIN;
SELECT plan(14);

SELECT is(
    (SELECT array_agg(purpose ORDER BY purpose) FROM vb.derivation_keys WHERE octet_length(derivation_key) = 32),
    ARRAY['account', 'context', 'transfer'],
    'a fresh database has a 32-byte key for transfer ids, one for account ids and one for request context stamps'
);
SELECT isnt(
    (SELECT derivation_key FROM vb.derivation_keys WHERE purpose = 'account'),
    (SELECT derivation_key FROM vb.derivation_keys WHERE purpose = 'transfer'), 'and the two keys differ'
);
SELECT is(vb.derived_id('reserve', 'x', '1'), vb.derived_id('reserve', 'x', '1'), 'the same parts give the same id');
SELECT isnt(vb.derived_id('reserve', 'x', '1'), vb.derived_id('reserve', 'x', '2'), 'other parts, another id');
SELECT isnt(
    vb.derived_id('reserve', 'x', '1'), md5('vb:reserve:x:1')::uuid, 'a transfer id is not the public md5 of its parts'
);
SELECT isnt(
    vb.derived_id('escrow', 'x', 'VBD'), md5('vb:escrow:x:VBD')::uuid, 'nor is an account id'
);
SELECT is(vb.derived_id('reserve', 'x', NULL), NULL, 'a null part gives a null id');

SET LOCAL ROLE vb_app;
SELECT throws_ok('SELECT derivation_key FROM vb.derivation_keys', '42501', NULL, 'vb_app cannot read the keys');
RESET ROLE;

-- the finding: vb_app takes the public-scheme reservation id of an order before it is placed
SELECT vb_test.trading_users(ARRAY['a1', 'b1'], 1000000);
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL);
SET LOCAL ROLE vb_app;
SELECT is(
    vb_api.create_transfer(
        md5('vb:reserve:0e000000-0000-0000-0000-000000000001:1')::uuid,
        'a0000000-0000-0000-0000-0000000000a1', 'f0000000-0000-0000-0000-000000000001', 1, 'squat'
    ),
    'created', 'vb_app registers the reservation id the public scheme would give'
);
SELECT results_eq(
    $$SELECT status, remaining_quantity FROM vb_api.place_order(
        '0e000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 100)$$,
    $$VALUES ('new', 10::bigint)$$, 'the order still rests, reserved'
);
RESET ROLE;
SELECT is(
    (SELECT reservation_id FROM vb.orders WHERE order_id = '0e000000-0000-0000-0000-000000000001'),
    vb.derived_id('reserve', '0e000000-0000-0000-0000-000000000001', '1'), 'under the keyed id'
);

-- a database that held derived accounts before the keys keeps md5 for account ids (migration 0014)
UPDATE vb.derivation_keys SET derivation_key = NULL WHERE purpose = 'account';
SELECT is(
    vb.derived_id('escrow', 'x', 'VBD'), md5('vb:escrow:x:VBD')::uuid,
    'without an account key, account ids are the md5 of their parts'
);

-- and there a caller can open an account first at an escrow's id: the order is refused, and
-- nothing is reserved into the squatter's account
SET LOCAL ROLE vb_app;
SELECT vb_api.open_account(
    md5('vb:escrow:00000000-0000-0000-0000-0000000000a1:VBD')::uuid, 'VBD', '00000000-0000-0000-0000-0000000000b1'
);
SELECT throws_ok(
    $$SELECT * FROM vb_api.place_order(
        gen_random_uuid(), 'a0000000-0000-0000-0000-0000000000a1', 'ACME', 'buy', 10, 'limit', 100)$$,
    'VB999', NULL, 'an order that would reserve into a squatted escrow is refused'
);
RESET ROLE;
SELECT is(
    (SELECT balance + pending_in FROM vb_api.get_balances(ARRAY[md5('vb:escrow:00000000-0000-0000-0000-0000000000a1:VBD')::uuid])),
    0::bigint, 'and the squatter received nothing'
);

SELECT * FROM finish();
ROLLBACK;
