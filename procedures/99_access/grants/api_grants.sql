-- Who may execute each vb_api function: the grant table of contract identity.md (the README's
-- "Who may call what" lists the same). vb_app: the player-facing middleware's customer
-- operations and reads; vb_admin (also a member of vb_app): reference data, money and share
-- creation, limits, trading states, alerts, users' status and roles; vb_feed: the market feed.
-- Applied on every deploy that changes this file or runs a migration: each vb_api function's
-- EXECUTE is revoked from the three roles and granted to the roles named here. The deploy fails
-- if a vb_api function has no entry (migration 0015 stopped granting them to vb_app by default:
-- a new function is closed until it is decided here) or an entry names no function.
DO $grants$
DECLARE
    v_grants constant jsonb := '{
        "account_entries": ["vb_app"],
        "balance_at": ["vb_app"],
        "cancel_order": ["vb_app"],
        "candles": ["vb_app"],
        "create_transfer": ["vb_app"],
        "create_transfers": ["vb_app"],
        "create_user": ["vb_app"],
        "get_balances": ["vb_app"],
        "get_order": ["vb_app"],
        "get_positions": ["vb_app"],
        "get_quotes": ["vb_app"],
        "get_security": ["vb_app"],
        "index_levels": ["vb_app"],
        "open_account": ["vb_app"],
        "order_book": ["vb_app"],
        "place_order": ["vb_app"],
        "place_orders": ["vb_app"],
        "record_breach_event": ["vb_app"],
        "share_account_id": ["vb_app"],
        "get_user": ["vb_app"],
        "find_user": ["vb_app"],
        "set_request_context": ["vb_app", "vb_feed"],
        "log_api_requests": ["vb_app"],
        "start_session": ["vb_app"],
        "validate_session": ["vb_app"],
        "refresh_session": ["vb_app"],
        "end_session": ["vb_app"],
        "end_user_sessions": ["vb_app"],

        "ack_alert": ["vb_admin"],
        "create_asset": ["vb_admin"],
        "create_security": ["vb_admin"],
        "issue_shares": ["vb_admin"],
        "list_alerts": ["vb_admin"],
        "set_calendar_enforced": ["vb_admin"],
        "set_exposure_limit": ["vb_admin"],
        "set_fees": ["vb_admin"],
        "set_index": ["vb_admin"],
        "set_market_session": ["vb_admin"],
        "set_trading_state": ["vb_admin"],
        "set_user_status": ["vb_admin"],
        "assign_role": ["vb_admin"],
        "revoke_role": ["vb_admin"],
        "list_sessions": ["vb_admin"],
        "audit_trail": ["vb_admin"],

        "ingest_quotes": ["vb_feed"],
        "unknown_symbols": ["vb_feed"]
    }';
    v_function regprocedure;
    v_roles jsonb;
    v_unknown text;
BEGIN
    FOR v_function, v_roles IN
        SELECT p.oid::regprocedure, v_grants -> p.proname
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace = 'vb_api'::regnamespace
    LOOP
        IF v_roles IS NULL THEN
            RAISE EXCEPTION '% has no grant decided in procedures/99_access/grants/api_grants.sql', v_function;
        END IF;
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM vb_app, vb_admin, vb_feed', v_function);
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION %s TO %s', v_function,
            (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r), ', ') FROM jsonb_array_elements_text(v_roles) AS r)
        );
    END LOOP;
    SELECT pg_catalog.string_agg(g.name, ', ') INTO v_unknown
    FROM jsonb_object_keys(v_grants) AS g (name)
    WHERE NOT EXISTS (
        SELECT FROM pg_catalog.pg_proc AS p WHERE p.pronamespace = 'vb_api'::regnamespace AND p.proname = g.name
    );
    IF v_unknown IS NOT NULL THEN
        RAISE EXCEPTION 'api_grants.sql names functions vb_api does not have: %', v_unknown;
    END IF;
END
$grants$;
