-- vb.create_transfer(p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code,
--     p_flags default '{}', p_pending_id default null, p_timeout_s default null,
--     p_metadata default null) → text
--
-- Internal. The body of vb_api.create_transfer without its audit record, for the core's own
-- callers (vb.create_transfers for a one-request batch, issue_shares, cancel_order,
-- settle_order), so that one API call leaves exactly one record; statuses, events and SQLSTATEs
-- are vb_api.create_transfer's (its header).
CREATE OR REPLACE FUNCTION vb.create_transfer(
    p_transfer_id uuid,
    p_from_account_id uuid,
    p_to_account_id uuid,
    p_amount bigint,
    p_code text,
    p_flags text [] DEFAULT '{}',
    p_pending_id uuid DEFAULT NULL,
    p_timeout_s integer DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- Generic plans, as in vb_api.create_transfers: every statement looks rows up by key, and the
-- plan cache otherwise kept re-planning the account-locking statement on every call (0.1 ms).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    p_req vb_api.transfer_request := ROW(
        p_transfer_id, p_from_account_id, p_to_account_id, p_amount, p_code, p_flags, p_pending_id, p_timeout_s,
        p_metadata
    )::vb_api.transfer_request;
    v_kind text := vb.transfer_kind(coalesce(p_req.flags, '{}'));
    v_digest uuid;
    v_recorded vb.transfer_ids;
    v_pending vb.pending_transfers;
    v_from uuid := p_req.from_account_id;
    v_to uuid := p_req.to_account_id;
    f vb.accounts;  -- the debited account as read (a deferred one's balance includes unfolded)
    t vb.accounts;  -- the credited account
    f_locked boolean;
    t_locked boolean;
    v_now timestamptz;
    v_status text;
    v_amount bigint;
    v_moved bigint;
    v_release bigint := 0;
    v_code text;
    v_expires timestamptz;
    v_accounts vb.accounts [];
    v_unfolded numeric [];  -- per locked account: its unfolded movements (null for a customer account)
    i integer;
    v_account vb.accounts;
    v_changed vb.accounts [];
BEGIN
    IF p_req.transfer_id IS NOT NULL THEN
        v_digest := vb.transfer_request_digest(p_req);
        SELECT * INTO v_recorded FROM vb.transfer_ids AS ti WHERE ti.transfer_id = p_req.transfer_id;
        IF FOUND THEN
            RETURN vb.replayed_status(v_recorded.status, v_recorded.request_digest, v_digest);
        END IF;
    END IF;
    IF 'linked' = ANY (p_req.flags) THEN
        RETURN 'linked_event_chain_open';  -- a lone request cannot close its chain (not recorded)
    END IF;

    IF v_kind IN ('post_pending', 'void_pending') AND p_req.pending_id IS NOT NULL THEN
        SELECT * INTO v_pending FROM vb.pending_transfers AS pt WHERE pt.pending_id = p_req.pending_id;
        v_from := coalesce(v_from, v_pending.from_account_id);
        v_to := coalesce(v_to, v_pending.to_account_id);
    END IF;

    -- Lock and read in one statement, in the ledger's global order (customer accounts by id, then
    -- deferred ones by id): customer accounts always; a deferred account only when it must be read
    -- or changed (debited — every account has a limit, an issuer's "unlimited" one being
    -- vb.max_issuer_supply() — or in a two-phase transfer, which moves its pending amounts). A
    -- locked deferred account's balance includes its unfolded movements (funds, and overflow, are
    -- checked as for the batch path); an unlocked one is only credited and its balance left unread.
    SELECT array_agg(a.account), array_agg(a.unfolded) INTO v_accounts, v_unfolded
    FROM (
        SELECT ac AS account,
            CASE WHEN ac.is_deferred THEN coalesce((
                SELECT sum(u.amount) FROM vb.unfolded_entries AS u WHERE u.account_id = ac.account_id
            ), 0) END AS unfolded
        FROM vb.accounts AS ac
        WHERE ac.account_id IN (v_from, v_to)
            AND (NOT ac.is_deferred OR v_kind <> 'single' OR ac.account_id = v_from)
        ORDER BY ac.is_deferred, ac.account_id
        FOR NO KEY UPDATE OF ac
    ) AS a;
    FOR i IN 1..coalesce(cardinality(v_accounts), 0) LOOP
        v_account := v_accounts[i];
        IF v_account.is_deferred THEN
            v_account.balance := v_account.balance + v_unfolded[i];
            v_account.overdraft_limit := coalesce(v_account.overdraft_limit, vb.max_issuer_supply());
        END IF;
        IF v_account.account_id = v_from THEN
            f := v_account;
        ELSE
            t := v_account;
        END IF;
    END LOOP;
    f_locked := f.account_id IS NOT NULL;
    t_locked := t.account_id IS NOT NULL;
    -- a deferred account left unlocked (only credited, or debited without limit): read, balance unread
    IF (v_from IS NOT NULL AND NOT f_locked) OR (v_to IS NOT NULL AND NOT t_locked) THEN
        FOR v_account IN
            SELECT * FROM vb.accounts AS ac
            WHERE ac.account_id IN (CASE WHEN NOT f_locked THEN v_from END, CASE WHEN NOT t_locked THEN v_to END)
        LOOP
            v_account.balance := NULL;
            IF v_account.account_id = v_from THEN
                f := v_account;
            ELSE
                t := v_account;
            END IF;
        END LOOP;
    END IF;

    IF v_kind IN ('post_pending', 'void_pending') AND p_req.pending_id IS NOT NULL THEN
        -- re-read under the account locks (a resolution or expiry holds them too)
        SELECT * INTO v_pending FROM vb.pending_transfers AS pt WHERE pt.pending_id = p_req.pending_id FOR UPDATE;
    END IF;
    v_now := clock_timestamp();

    IF f.account_id IS NOT NULL AND NOT f_locked AND v_kind IN ('single', 'pending') THEN
        RAISE EXCEPTION 'invariant: debit of unlocked account %', v_from USING ERRCODE = 'VB999';
    END IF;
    v_status := vb.check_transfer(
        p_req, v_kind, v_from, v_to, f.asset_code, f.overdraft_limit, f.balance, f.pending_out, t.asset_code, t.balance,
        t.pending_in, v_pending.pending_state, v_pending.from_account_id, v_pending.to_account_id, v_pending.amount,
        v_pending.expires_at, v_now, CASE WHEN f.account_kind = 'issuer' THEN NOT vb.caller_is_admin() ELSE false END
    );
    -- register the id with its outcome (a 'created' transfer always has an id): the unique key
    -- makes a concurrent caller with the same id wait here, and the loser reports the winner's
    IF p_req.transfer_id IS NOT NULL THEN
        INSERT INTO vb.transfer_ids (transfer_id, request_digest, status, created_at)
        VALUES (p_req.transfer_id, v_digest, v_status, v_now)
        ON CONFLICT (transfer_id) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO v_recorded FROM vb.transfer_ids AS ti WHERE ti.transfer_id = p_req.transfer_id;
            RETURN vb.replayed_status(v_recorded.status, v_recorded.request_digest, v_digest);
        END IF;
    END IF;
    IF v_status <> 'created' THEN
        RETURN v_status;
    END IF;

    v_code := coalesce(p_req.code, v_pending.code);
    IF v_kind = 'pending' THEN
        v_amount := p_req.amount;
        f.pending_out := f.pending_out + v_amount;
        t.pending_in := t.pending_in + v_amount;
        v_expires := CASE WHEN p_req.timeout_s > 0 THEN v_now + make_interval(secs => p_req.timeout_s) END;
        INSERT INTO vb.pending_transfers (
            pending_id, from_account_id, to_account_id, asset_code, amount, code, created_at, expires_at
        ) VALUES (p_req.transfer_id, v_from, v_to, f.asset_code, v_amount, v_code, v_now, v_expires);
    ELSIF v_kind IN ('post_pending', 'void_pending') THEN
        v_release := v_pending.amount;
        v_amount := coalesce(p_req.amount, v_pending.amount);  -- a void's amount is null: all of it
        f.pending_out := f.pending_out - v_release;
        t.pending_in := t.pending_in - v_release;
        UPDATE vb.pending_transfers AS pt
        SET pending_state = CASE v_kind WHEN 'post_pending' THEN 'posted' ELSE 'voided' END,
            resolved_at = v_now, resolved_by = p_req.transfer_id
        WHERE pt.pending_id = p_req.pending_id;
    ELSE
        v_amount := p_req.amount;
    END IF;
    IF v_kind IN ('single', 'post_pending') THEN
        v_moved := v_amount;
        f.balance := f.balance - v_amount;
        t.balance := t.balance + v_amount;
        f.version := f.version + 1;
        t.version := t.version + 1;
    END IF;

    WITH sides (account_id, is_deferred, row_changes, moved, balance, version, pending_out, pending_in) AS (
        VALUES
        (v_from, f.is_deferred, NOT f.is_deferred OR v_kind <> 'single', -v_moved, f.balance, f.version,
            f.pending_out, f.pending_in),
        (v_to, t.is_deferred, NOT t.is_deferred OR v_kind <> 'single', v_moved, t.balance, t.version,
            t.pending_out, t.pending_in)
    ), applied AS (
        INSERT INTO vb.transfers (
            transfer_id, created_at, transfer_kind, from_account_id, to_account_id, asset_code, amount, code,
            pending_id, expires_at, metadata
        ) VALUES (
            p_req.transfer_id, v_now, v_kind, v_from, v_to, f.asset_code, v_amount, v_code, p_req.pending_id, v_expires,
            coalesce(p_req.metadata, '{}')
        )
    ), entries_written AS (
        INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code)
        SELECT s.account_id, s.version, v_now, p_req.transfer_id, s.moved, s.balance, v_code
        FROM sides AS s WHERE s.moved IS NOT NULL AND NOT s.is_deferred
    ), entries_queued AS (
        INSERT INTO vb.unfolded_entries (account_id, created_at, transfer_id, amount, code)
        SELECT s.account_id, v_now, p_req.transfer_id, s.moved, v_code
        FROM sides AS s WHERE s.moved IS NOT NULL AND s.is_deferred
    ), changed AS (
        UPDATE vb.accounts AS a
        SET balance = CASE WHEN s.is_deferred THEN a.balance ELSE s.balance END,
            version = CASE WHEN s.is_deferred THEN a.version ELSE s.version END,
            pending_out = s.pending_out, pending_in = s.pending_in, updated_at = v_now
        FROM sides AS s
        WHERE a.account_id = s.account_id AND s.row_changes
        RETURNING a
    )
    SELECT array_agg(c.a) INTO v_changed FROM changed AS c;
    PERFORM vb.write_events(vb.ledger_events(
        ARRAY[vb.transfer_event(
            v_kind, p_req.transfer_id, v_from, v_to, f.asset_code, v_amount, v_code, p_req.pending_id, v_expires,
            coalesce(p_req.metadata, '{}')
        )],
        v_changed
    ), v_now);
    RETURN 'created';
END
$$;
