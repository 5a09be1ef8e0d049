-- vb.create_transfers(p_transfers vb_api.transfer_request[])
--   → table (idx integer, transfer_id uuid, status text)
--
-- Internal. The body of vb_api.create_transfers without its audit record, for the core's own
-- callers (settle_order), so that one call of the API leaves exactly one record; statuses,
-- events and SQLSTATEs are vb_api.create_transfers' (its header).
CREATE OR REPLACE FUNCTION vb.create_transfers(p_transfers vb_api.transfer_request [])
RETURNS TABLE (idx integer, transfer_id uuid, status text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- Generic plans: every statement here looks rows up by key, and re-planning the larger
-- statements on each call costs more than the call itself.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    n integer := cardinality(p_transfers);
    v_now timestamptz;
    v_req vb_api.transfer_request;
    v_flags text [];
    v_kind text;
    v_status text;
    v_linked boolean;
    v_from uuid;
    v_to uuid;
    v_amount bigint;
    v_code text;
    v_expires timestamptz;
    v_debit vb.batch_account;        -- the request's from account, then to account
    v_credit vb.batch_account;
    v_pending vb.pending_transfers;  -- the pending transfer a post/void resolves
    v_seen vb.transfer_ids;
    f integer;
    t integer;
    p integer;
    x integer;
    i integer;
    j integer;
    -- requests, by position in the batch
    r_digest uuid [];
    r_id uuid [];
    r_status text [];
    r_record boolean [];
    -- accounts held in memory (locked, or deferred and only credited), keyed by a_id
    a_id uuid [] := '{}';
    a_account vb.batch_account [] := '{}';
    v_has_resolutions boolean;
    v_registered bigint;
    v_changed vb.accounts [];
    v_named_accounts integer;
    v_issuer_ids uuid [] := '{}';  -- issuer accounts named by the batch (debiting one needs vb_admin)
    v_caller_is_admin boolean := true;  -- asked only when the batch names an issuer account
    -- pending transfers referenced (the first p_loaded) or opened by the batch, keyed by p_id
    p_id uuid [] := '{}';
    p_pending vb.pending_transfers [] := '{}';
    p_loaded integer := 0;
    -- idempotency registry: ids seen before or earlier in this batch, keyed by x_id
    x_id uuid [] := '{}';
    x_seen vb.transfer_ids [] := '{}';
    -- what the batch writes; an entry of a deferred account has a null version (it is queued)
    o_transfers vb.transfers [] := '{}';
    e_entries vb.entries [] := '{}';
    -- linked chain: where it starts, whether it failed, the snapshot taken at its start
    v_chain_start integer;
    v_chain_failed boolean := false;
    v_chain_open boolean;
    s_account vb.batch_account [];
    s_pending vb.pending_transfers [];
    s_x_len integer;
    s_o_len integer;
    s_e_len integer;
BEGIN
    IF p_transfers IS NULL THEN
        RAISE EXCEPTION 'p_transfers must not be null' USING ERRCODE = 'VB001';
    END IF;
    IF array_ndims(p_transfers) > 1 OR array_lower(p_transfers, 1) <> 1 THEN
        RAISE EXCEPTION 'p_transfers must be a one-dimensional array indexed from 1' USING ERRCODE = 'VB001';
    END IF;
    IF n IS NULL OR n = 0 THEN
        RETURN;
    END IF;
    PERFORM vb.check_size('p_transfers', n, 'transfers_per_batch');
    FOR i IN 1..n LOOP
        IF p_transfers[i] IS NULL THEN
            RAISE EXCEPTION 'p_transfers[%] is null', i USING ERRCODE = 'VB001';
        END IF;
    END LOOP;
    r_status := array_fill(NULL::text, ARRAY[n]);
    r_record := array_fill(false, ARRAY[n]);
    IF n = 1 THEN
        -- one request: the scalar path (same checks, see vb_api.create_transfer)
        v_req := p_transfers[1];
        RETURN QUERY SELECT 1, v_req.transfer_id, vb.create_transfer(
            v_req.transfer_id, v_req.from_account_id, v_req.to_account_id, v_req.amount, v_req.code,
            v_req.flags, v_req.pending_id, v_req.timeout_s, v_req.metadata
        );
        RETURN;
    END IF;

    -- 2. Request digests, whether two-phase resolutions are involved, how many distinct
    --    accounts the requests name; then the ids already registered.
    SELECT array_agg(vb.transfer_request_digest(
            row(r.transfer_id, r.from_account_id, r.to_account_id, r.amount, r.code, r.flags, r.pending_id,
                r.timeout_s, r.metadata)::vb_api.transfer_request) ORDER BY r.ord),
        array_agg(r.transfer_id ORDER BY r.ord),
        coalesce(bool_or(r.flags && ARRAY['post_pending', 'void_pending']), false),
        (SELECT count(DISTINCT w.account_id) FROM (
            SELECT q.from_account_id FROM unnest(p_transfers) AS q
            UNION ALL SELECT q.to_account_id FROM unnest(p_transfers) AS q
        ) AS w (account_id))
    INTO r_digest, r_id, v_has_resolutions, v_named_accounts
    FROM unnest(p_transfers) WITH ORDINALITY
        AS r (transfer_id, from_account_id, to_account_id, amount, code, flags, pending_id, timeout_s, metadata, ord);
    SELECT coalesce(array_agg(ti.transfer_id), '{}'), coalesce(array_agg(ti), '{}')
    INTO x_id, x_seen
    FROM vb.transfer_ids AS ti
    WHERE ti.transfer_id = ANY (r_id);

    -- 3. Pending transfers referenced by post/void requests (their accounts must be locked too).
    IF v_has_resolutions THEN
        SELECT coalesce(array_agg(pt), '{}')
        INTO p_pending
        FROM vb.pending_transfers AS pt
        WHERE pt.pending_id IN (
            SELECT r.pending_id FROM unnest(p_transfers) AS r
            WHERE r.flags && ARRAY['post_pending', 'void_pending']
        );
    END IF;

    -- 4. Lock customer accounts in id order and load them.
    WITH wanted AS (
        SELECT r.from_account_id AS account_id FROM unnest(p_transfers) AS r
        UNION SELECT r.to_account_id FROM unnest(p_transfers) AS r
        UNION SELECT q.from_account_id FROM unnest(p_pending) AS q
        UNION SELECT q.to_account_id FROM unnest(p_pending) AS q
    ), locked AS (
        SELECT ac.ctid AS row_id, ac.account_id, ac.asset_code, ac.overdraft_limit, ac.balance, ac.pending_out,
            ac.pending_in, ac.version
        FROM vb.accounts AS ac
        WHERE ac.account_id IN (SELECT w.account_id FROM wanted AS w) AND NOT ac.is_deferred
        ORDER BY ac.account_id
        FOR NO KEY UPDATE
    )
    SELECT coalesce(array_agg(l.account_id), '{}'),
        coalesce(array_agg(row(
            l.account_id, l.asset_code, l.overdraft_limit, l.balance, l.pending_out, l.pending_in, l.version,
            false, true, false, l.row_id
        )::vb.batch_account), '{}')
    INTO a_id, a_account
    FROM locked AS l;

    -- 5. Deferred accounts: lock (sorted) and read those the batch debits or that take part in a
    --    two-phase transfer; the rest are only credited and stay unlocked and unread.
    --    Skipped when every named account was a customer account already locked.
    IF v_has_resolutions OR cardinality(a_id) < v_named_accounts THEN
        WITH wanted AS (
            SELECT r.from_account_id AS account_id, r.flags, true AS is_debit, r.pending_id IS NOT NULL AS is_resolve
            FROM unnest(p_transfers) AS r
            UNION ALL SELECT r.to_account_id, r.flags, false, r.pending_id IS NOT NULL FROM unnest(p_transfers) AS r
            UNION ALL SELECT q.from_account_id, ARRAY['pending'], true, true FROM unnest(p_pending) AS q
            UNION ALL SELECT q.to_account_id, ARRAY['pending'], false, true FROM unnest(p_pending) AS q
        ), deferred AS (
            SELECT ac.account_id, ac.asset_code, ac.overdraft_limit, ac.account_kind = 'issuer' AS is_issuer,
                bool_or(
                    w.is_resolve OR w.flags && ARRAY['pending', 'post_pending', 'void_pending']
                    OR w.is_debit
                ) AS must_lock
            FROM vb.accounts AS ac
            JOIN wanted AS w ON w.account_id = ac.account_id
            WHERE ac.is_deferred
            GROUP BY ac.account_id, ac.asset_code, ac.overdraft_limit, ac.account_kind
        ), locked AS (
            SELECT ac.ctid AS row_id, ac.account_id, ac.balance + coalesce((
                SELECT sum(u.amount) FROM vb.unfolded_entries AS u WHERE u.account_id = ac.account_id
            ), 0)::bigint AS balance, ac.pending_out, ac.pending_in
            FROM vb.accounts AS ac
            WHERE ac.account_id IN (SELECT d.account_id FROM deferred AS d WHERE d.must_lock)
            ORDER BY ac.account_id
            FOR NO KEY UPDATE
        )
        SELECT a_id || coalesce(array_agg(d.account_id ORDER BY d.account_id), '{}'),
            a_account || coalesce(array_agg(row(
                d.account_id, d.asset_code, coalesce(d.overdraft_limit, vb.max_issuer_supply()), l.balance,
                l.pending_out, l.pending_in, NULL,
                true, d.must_lock, false, l.row_id
            )::vb.batch_account ORDER BY d.account_id), '{}'),
            coalesce(array_agg(d.account_id) FILTER (WHERE d.is_issuer), '{}')
        INTO a_id, a_account, v_issuer_ids
        FROM deferred AS d
        LEFT JOIN locked AS l ON l.account_id = d.account_id;
        IF cardinality(v_issuer_ids) > 0 THEN
            v_caller_is_admin := vb.caller_is_admin();
        END IF;
    END IF;

    -- 6. Re-read the referenced pending transfers now that their accounts are locked.
    IF v_has_resolutions THEN
        SELECT coalesce(array_agg(pt.pending_id ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt ORDER BY pt.pending_id), '{}')
        INTO p_id, p_pending
        FROM vb.pending_transfers AS pt
        WHERE pt.pending_id = ANY (ARRAY(SELECT q.pending_id FROM unnest(p_pending) AS q));
    END IF;
    p_loaded := cardinality(p_id);

    v_now := clock_timestamp();

    -- 7. Evaluate the requests in order, in memory.
    FOR i IN 1..n LOOP
        v_req := p_transfers[i];
        v_flags := coalesce(v_req.flags, '{}');
        v_linked := 'linked' = ANY (v_flags);
        v_status := NULL;

        IF v_chain_start IS NULL THEN
            v_chain_start := i;
            v_chain_failed := false;
            IF v_linked THEN
                s_account := a_account; s_pending := p_pending;
                s_x_len := cardinality(x_id); s_o_len := cardinality(o_transfers); s_e_len := cardinality(e_entries);
            END IF;
        END IF;

        IF v_chain_failed THEN
            v_status := 'linked_event_failed';
        ELSIF v_req.transfer_id IS NOT NULL THEN
            x := array_position(x_id, v_req.transfer_id);
            IF x IS NOT NULL THEN
                v_seen := x_seen[x];
                v_status := vb.replayed_status(v_seen.status, v_seen.request_digest, r_digest[i]);
            END IF;
        END IF;

        IF v_status IS NULL THEN
            v_kind := vb.transfer_kind(v_flags);
            p := NULL;
            v_pending := NULL;
            v_from := v_req.from_account_id;
            v_to := v_req.to_account_id;
            IF v_kind IN ('post_pending', 'void_pending') THEN
                p := array_position(p_id, v_req.pending_id);
                v_pending := p_pending[p];
                v_from := coalesce(v_from, v_pending.from_account_id);
                v_to := coalesce(v_to, v_pending.to_account_id);
            END IF;
            f := array_position(a_id, v_from);
            t := array_position(a_id, v_to);
            v_debit := a_account[f];
            v_credit := a_account[t];
            IF v_debit.account_id IS NOT NULL AND NOT v_debit.is_locked AND v_kind IN ('single', 'pending') THEN
                RAISE EXCEPTION 'invariant: debit of unlocked account %', v_from
                    USING ERRCODE = 'VB999';
            END IF;
            v_status := vb.check_transfer(
                v_req, v_kind, v_from, v_to, v_debit.asset_code, v_debit.overdraft_limit, v_debit.balance,
                v_debit.pending_out, v_credit.asset_code, v_credit.balance, v_credit.pending_in,
                v_pending.pending_state, v_pending.from_account_id, v_pending.to_account_id, v_pending.amount,
                v_pending.expires_at, v_now, v_from = ANY (v_issuer_ids) AND NOT v_caller_is_admin
            );
            IF v_status = 'created' THEN
                v_status := NULL;  -- passes: applied below
            END IF;
        END IF;

        -- apply in memory (the two accounts differ: check_transfer refused the same account twice)
        IF v_status IS NULL THEN
            v_status := 'created';
            v_amount := CASE WHEN p IS NULL THEN v_req.amount ELSE coalesce(v_req.amount, v_pending.amount) END;
            v_code := coalesce(v_req.code, v_pending.code);
            v_expires := NULL;
            IF v_kind = 'pending' THEN
                v_expires := CASE WHEN v_req.timeout_s > 0 THEN v_now + make_interval(secs => v_req.timeout_s) END;
                v_debit.pending_out := v_debit.pending_out + v_amount;
                v_credit.pending_in := v_credit.pending_in + v_amount;
                p_id := p_id || v_req.transfer_id;
                p_pending := p_pending || row(
                    v_req.transfer_id, v_from, v_to, v_debit.asset_code, v_amount, v_code, v_now, v_expires,
                    'pending', NULL, NULL
                )::vb.pending_transfers;
            ELSIF v_kind IN ('post_pending', 'void_pending') THEN
                v_debit.pending_out := v_debit.pending_out - v_pending.amount;
                v_credit.pending_in := v_credit.pending_in - v_pending.amount;
                v_pending.pending_state := CASE v_kind WHEN 'post_pending' THEN 'posted' ELSE 'voided' END;
                v_pending.resolved_at := v_now;
                v_pending.resolved_by := v_req.transfer_id;
                p_pending[p] := v_pending;
            END IF;
            IF v_kind <> 'single' THEN
                v_debit.is_dirty := true;
                v_credit.is_dirty := true;
            END IF;
            IF v_kind IN ('single', 'post_pending') THEN
                v_debit.balance := v_debit.balance - v_amount;
                v_credit.balance := v_credit.balance + v_amount;
                IF NOT v_debit.is_deferred THEN
                    v_debit.version := v_debit.version + 1;
                    v_debit.is_dirty := true;
                END IF;
                IF NOT v_credit.is_deferred THEN
                    v_credit.version := v_credit.version + 1;
                    v_credit.is_dirty := true;
                END IF;
                -- a deferred account's entry has no version nor balance yet: it is queued
                e_entries := e_entries
                    || row(
                        v_debit.account_id, v_debit.version, v_now, v_req.transfer_id, -v_amount,
                        CASE WHEN NOT v_debit.is_deferred THEN v_debit.balance END, v_code
                    )::vb.entries
                    || row(
                        v_credit.account_id, v_credit.version, v_now, v_req.transfer_id, v_amount,
                        CASE WHEN NOT v_credit.is_deferred THEN v_credit.balance END, v_code
                    )::vb.entries;
            END IF;
            a_account[f] := v_debit;
            a_account[t] := v_credit;
            o_transfers := o_transfers || row(
                v_req.transfer_id, v_now, v_kind, v_from, v_to, v_debit.asset_code, v_amount, v_code,
                v_req.pending_id, v_expires, coalesce(v_req.metadata, '{}')
            )::vb.transfers;
        END IF;

        r_status[i] := v_status;
        IF v_status NOT IN ('exists', 'exists_with_different_fields', 'id_already_failed', 'linked_event_failed')
            AND v_req.transfer_id IS NOT NULL THEN
            r_record[i] := true;
            x_id := x_id || v_req.transfer_id;
            x_seen := x_seen || row(v_req.transfer_id, r_digest[i], v_status, v_now)::vb.transfer_ids;
        END IF;
        IF v_status NOT IN ('created', 'exists') THEN
            v_chain_failed := true;
        END IF;

        IF NOT v_linked OR i = n THEN
            -- the chain ends here, or the batch ends inside it (an open chain)
            v_chain_open := v_linked;
            IF v_chain_open OR (v_chain_failed AND i > v_chain_start) THEN
                -- undo the chain: back to the snapshot taken at its first member
                a_account := s_account;
                p_pending := s_pending;
                p_id := p_id[1:cardinality(s_pending)];
                x_id := x_id[1:s_x_len];
                x_seen := x_seen[1:s_x_len];
                o_transfers := o_transfers[1:s_o_len];
                e_entries := e_entries[1:s_e_len];
                FOR j IN v_chain_start..i LOOP
                    IF v_chain_open THEN
                        -- nothing of an open chain is applied or recorded
                        IF r_status[j] NOT IN ('exists', 'exists_with_different_fields', 'id_already_failed') THEN
                            r_status[j] := 'linked_event_chain_open';
                        END IF;
                        r_record[j] := false;
                    ELSIF r_status[j] = 'created' THEN
                        r_status[j] := 'linked_event_failed';
                        r_record[j] := false;
                    ELSIF r_record[j] THEN
                        -- the member that failed on its own is recorded as a rejection
                        x_id := x_id || r_id[j];
                        x_seen := x_seen || row(r_id[j], r_digest[j], r_status[j], v_now)::vb.transfer_ids;
                    END IF;
                END LOOP;
            END IF;
            v_chain_start := NULL;
        END IF;
    END LOOP;

    -- 8. Write the outcome set-based, in one statement (each part is empty when it has nothing
    --    to write).
    WITH registered AS (
        INSERT INTO vb.transfer_ids (transfer_id, request_digest, status, created_at)
        SELECT u.transfer_id, u.digest, u.status, v_now
        FROM unnest(r_id, r_digest, r_status, r_record) AS u (transfer_id, digest, status, recorded)
        WHERE u.recorded
        ORDER BY u.transfer_id  -- one order for every batch: two batches waiting on each other's ids cannot deadlock
        ON CONFLICT (transfer_id) DO NOTHING
        RETURNING 1
    ), applied AS (
        INSERT INTO vb.transfers (
            transfer_id, created_at, transfer_kind, from_account_id, to_account_id, asset_code, amount,
            code, pending_id, expires_at, metadata
        )
        SELECT o.transfer_id, o.created_at, o.transfer_kind, o.from_account_id, o.to_account_id, o.asset_code,
            o.amount, o.code, o.pending_id, o.expires_at, o.metadata
        FROM unnest(o_transfers) AS o
    ), pending_opened AS (
        INSERT INTO vb.pending_transfers (
            pending_id, from_account_id, to_account_id, asset_code, amount, code, created_at, expires_at,
            pending_state, resolved_at, resolved_by
        )
        SELECT q.pending_id, q.from_account_id, q.to_account_id, q.asset_code, q.amount, q.code, q.created_at,
            q.expires_at, q.pending_state, q.resolved_at, q.resolved_by
        FROM unnest(p_pending[p_loaded + 1:]) AS q
    ), pending_resolved AS (
        UPDATE vb.pending_transfers AS pt
        SET pending_state = q.pending_state, resolved_at = q.resolved_at, resolved_by = q.resolved_by
        FROM unnest(p_pending[1:p_loaded]) AS q
        WHERE pt.pending_id = q.pending_id AND q.pending_state <> 'pending' AND q.resolved_by IS NOT NULL
            AND pt.pending_state = 'pending'
    ), entries_written AS (
        INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code)
        SELECT e.account_id, e.version, e.created_at, e.transfer_id, e.amount, e.balance_after, e.code
        FROM unnest(e_entries) AS e
        WHERE e.version IS NOT NULL
    ), entries_queued AS (
        INSERT INTO vb.unfolded_entries (account_id, created_at, transfer_id, amount, code)
        SELECT e.account_id, e.created_at, e.transfer_id, e.amount, e.code
        FROM unnest(e_entries) AS e
        WHERE e.version IS NULL
    ), changed AS (
        UPDATE vb.accounts AS ac
        SET balance = CASE WHEN ac.is_deferred THEN ac.balance ELSE u.balance END,
            version = CASE WHEN ac.is_deferred THEN ac.version ELSE u.version END,
            pending_out = u.pending_out,
            pending_in = u.pending_in,
            updated_at = v_now
        FROM unnest(a_account) AS u
        WHERE u.is_dirty AND ac.ctid = u.row_id
        RETURNING ac
    )
    SELECT (SELECT count(*) FROM registered), (SELECT array_agg(c.ac) FROM changed AS c)
    INTO v_registered, v_changed;
    IF v_registered <> cardinality(array_remove(r_record, false)) THEN
        -- another transaction registered one of these ids after this batch looked them up (the
        -- insert waited for it to commit): nothing of this call may stand
        RAISE EXCEPTION 'a transfer id of this batch was registered concurrently; retry the batch'
            USING ERRCODE = '40001';
    END IF;
    PERFORM vb.write_events(vb.ledger_events(
        ARRAY(
            SELECT vb.transfer_event(
                o.transfer_kind, o.transfer_id, o.from_account_id, o.to_account_id, o.asset_code, o.amount, o.code,
                o.pending_id, o.expires_at, o.metadata
            )
            FROM unnest(o_transfers) WITH ORDINALITY AS o
            ORDER BY o.ordinality
        ),
        v_changed
    ), v_now);

    RETURN QUERY
    SELECT k::integer, p_transfers[k].transfer_id, r_status[k]
    FROM generate_subscripts(r_status, 1) AS k
    ORDER BY k;
END
$$;
