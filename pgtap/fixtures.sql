-- Shared fixtures of the pgTAP files, loaded once into the database the pgTAP files run on (the
-- pgtap_db_url fixture; by hand: psql -f pgtap/fixtures.sql before pg_prove). Schema vb_test holds
-- them, outside the product's schemas; each call's effects roll back with the file that made it.

CREATE SCHEMA IF NOT EXISTS vb_test;

-- vb_test.ledger_accounts(p_deposit_minor bigint default 1000) → void
--
-- Asset VBD (scale 2), its issuer f0000000-…-0001, customers a0000000-…-0001 and b0000000-…-0001,
-- and a deposit 11000000-…-0001 of p_deposit_minor from the issuer to a.
CREATE OR REPLACE FUNCTION vb_test.ledger_accounts(p_deposit_minor bigint DEFAULT 1000)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM vb_api.create_asset('VBD', 2::smallint);
    PERFORM vb_api.open_account('f0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL);
    PERFORM vb_api.open_account('a0000000-0000-0000-0000-000000000001', 'VBD');
    PERFORM vb_api.open_account('b0000000-0000-0000-0000-000000000001', 'VBD');
    PERFORM vb_api.create_transfer(
        '11000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-000000000001',
        'a0000000-0000-0000-0000-000000000001', p_deposit_minor, 'deposit'
    );
END
$$;

-- vb_test.trading_users(p_users text[], p_cash_minor bigint) → void
--
-- Asset VBD and its issuer f0000000-…-0001; for each two-character label u of p_users, user
-- 00000000-…-0000000000u (named 'user' || u), its VBD account a0000000-…-0000000000u, and a
-- deposit of p_cash_minor into it.
CREATE OR REPLACE FUNCTION vb_test.trading_users(p_users text [], p_cash_minor bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM vb_api.create_asset('VBD', 2::smallint);
    PERFORM vb_api.open_account('f0000000-0000-0000-0000-000000000001', 'VBD', NULL, 'issuer', NULL);
    PERFORM vb_api.create_user(('00000000-0000-0000-0000-0000000000' || u)::uuid, 'user' || u)
    FROM unnest(p_users) AS u;
    PERFORM vb_api.open_account(
        ('a0000000-0000-0000-0000-0000000000' || u)::uuid, 'VBD', ('00000000-0000-0000-0000-0000000000' || u)::uuid
    )
    FROM unnest(p_users) AS u;
    PERFORM vb_api.create_transfer(
        gen_random_uuid(), 'f0000000-0000-0000-0000-000000000001', ('a0000000-0000-0000-0000-0000000000' || u)::uuid,
        p_cash_minor, 'deposit'
    )
    FROM unnest(p_users) AS u;
END
$$;
