-- Reference data: the VBD currency, its issuer (money enters only from here) and the house fee
-- account. Idempotent: the vb_api functions report 'exists' on a second load.
SELECT vb_api.create_asset('VBD', 2::smallint, 'currency');
SELECT vb_api.open_account('00000000-0000-4000-8000-000000000001', 'VBD', NULL, 'issuer', NULL, '{"name": "VBD issuer"}');
SELECT vb_api.open_account('00000000-0000-4000-8000-000000000002', 'VBD', NULL, 'fee', 0, '{"name": "VBD fees"}');
