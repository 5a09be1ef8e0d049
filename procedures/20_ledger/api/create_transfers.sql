-- vb_api.create_transfers(p_transfers vb_api.transfer_request[])
--   → table (idx integer, transfer_id uuid, status text)
--
-- Applies a batch of transfer requests in array order, all in the caller's transaction.
-- One result row per request (idx 1-based). The ledger contract (shared/contract/ledger.md)
-- defines the request fields and the statuses, checked in this order:
--   created | exists | exists_with_different_fields | id_already_failed | linked_event_failed |
--   linked_event_chain_open | flags_are_mutually_exclusive | invalid_request |
--   amount_must_be_positive | accounts_must_be_different | from_account_not_found |
--   to_account_not_found | asset_mismatch | pending_transfer_not_found |
--   pending_transfer_not_pending | pending_transfer_expired |
--   pending_transfer_has_different_accounts | exceeds_pending_amount | insufficient_funds | overflow
--
-- Details this implementation fixes where the contract is silent:
-- * invalid_request: a null transfer_id; a flag other than linked / pending / post_pending /
--   void_pending (or a null flag); null from/to/amount/code on a plain or pending request;
--   pending_id given without post/void, or missing with it; timeout_s < 0, or > 0 without
--   'pending'; an amount on void_pending (a void releases the whole pending amount); a code
--   longer than 64 characters. On post/void, a null code inherits the pending transfer's.
-- * Rejections are recorded in vb.transfer_ids (retrying the id reports id_already_failed);
--   members of a failed or open linked chain that did not fail themselves are not recorded,
--   so they may be retried with the same id. A replay ('exists') inside a chain counts as success.
-- * The idempotency statuses (exists, exists_with_different_fields, id_already_failed) describe
--   the id and always win, as the contract's order says; every other member of a failed chain
--   reports linked_event_failed, of an open chain at the end of the batch
--   linked_event_chain_open.
-- * A pending transfer whose timeout has passed reports pending_transfer_expired until
--   vb_ops.expire_pending_transfers() releases it; then pending_transfer_not_pending.
-- * Overflow of a deferred account credited without being read is caught when it is folded.
--
-- Raises: VB001 for a null array, one of more than one dimension or not indexed from 1, or a
-- null element (nothing is applied); 40001
-- (serialization_failure) when another transaction registered one of the batch's transfer ids
-- between this call's lookup and its commit (the same id sent twice at once): the whole call is
-- void, and retrying it reports that id as 'exists'. The registry's unique key decides, so a
-- batch needs no per-id lock (a lock per id would fill the lock table on large batches).
--
-- How: a one-element array takes the scalar path of vb_api.create_transfer (same checks, shared
-- through vb.check_transfer). Otherwise the accounts are locked in a fixed order (customer accounts sorted by id, then deferred
-- accounts that must be read, sorted), the batch is evaluated in memory request by request
-- (linked chains restore a snapshot on failure; no SAVEPOINT per item), and the outcome is
-- written set-based in one statement: each account row is updated once (found by the physical
-- row id read when it was locked), and entries / unfolded entries / transfers / registry rows
-- and the call's outbox row are inserted set-based.
-- Deferred accounts (kinds house, fee, clearing, issuer) are not locked when only credited, or
-- debited with an unlimited overdraft: their movements queue in vb.unfolded_entries, so a hot
-- house or issuer account does not serialise writers.
-- Events (one vb.outbox row for the call): transfer.created | transfer.pending | transfer.posted |
-- transfer.voided per applied request, in order; then balance.changed once per customer account
-- changed by the call.
CREATE OR REPLACE FUNCTION vb_api.create_transfers(p_transfers vb_api.transfer_request [])
RETURNS TABLE (idx integer, transfer_id uuid, status text)
LANGUAGE plpgsql
SECURITY DEFINER
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
    f integer;
    t integer;
    p integer;
    x integer;
    i integer;
    j integer;
    -- requests
    r_digest uuid [];
    r_id uuid [];
    r_status text [];
    r_record boolean [];
    -- accounts held in memory (locked, or deferred and only credited)
    a_id uuid [] := '{}';
    a_asset text [] := '{}';
    a_deferred boolean [] := '{}';
    a_locked boolean [] := '{}';
    a_limit bigint [] := '{}';
    a_balance bigint [] := '{}';
    a_pending_out bigint [] := '{}';
    a_pending_in bigint [] := '{}';
    a_version bigint [] := '{}';
    a_dirty boolean [] := '{}';
    a_row tid [] := '{}';  -- physical row of each locked account: the final update needs no index
    v_has_resolutions boolean;
    v_registered bigint;
    v_changed vb.accounts [];
    v_named_accounts integer;
    -- pending transfers referenced or created by the batch
    p_id uuid [] := '{}';
    p_from uuid [] := '{}';
    p_to uuid [] := '{}';
    p_asset text [] := '{}';
    p_amount bigint [] := '{}';
    p_code text [] := '{}';
    p_created timestamptz [] := '{}';
    p_expires timestamptz [] := '{}';
    p_state text [] := '{}';
    p_resolved_by uuid [] := '{}';
    p_is_new boolean [] := '{}';
    p_loaded integer := 0;
    -- idempotency registry: ids seen before or earlier in this batch
    x_id uuid [] := '{}';
    x_digest uuid [] := '{}';
    x_status text [] := '{}';
    -- outputs
    o_id uuid [] := '{}';
    o_kind text [] := '{}';
    o_from uuid [] := '{}';
    o_to uuid [] := '{}';
    o_asset text [] := '{}';
    o_amount bigint [] := '{}';
    o_code text [] := '{}';
    o_pending uuid [] := '{}';
    o_expires timestamptz [] := '{}';
    o_metadata jsonb [] := '{}';
    e_account uuid [] := '{}';
    e_version bigint [] := '{}';
    e_transfer uuid [] := '{}';
    e_amount bigint [] := '{}';
    e_balance bigint [] := '{}';
    e_code text [] := '{}';
    e_deferred boolean [] := '{}';
    -- linked chain bookkeeping
    v_chain_start integer;
    v_chain_failed boolean := false;
    v_chain_open boolean;
    c_from_asset text;
    c_from_limit bigint;
    c_from_balance bigint;
    c_from_pending_out bigint;
    c_to_asset text;
    c_to_balance bigint;
    c_to_pending_in bigint;
    c_pending_state text;
    c_pending_from uuid;
    c_pending_to uuid;
    c_pending_amount bigint;
    c_pending_expires timestamptz;
    s_balance bigint [];
    s_pending_out bigint [];
    s_pending_in bigint [];
    s_version bigint [];
    s_dirty boolean [];
    s_state text [];
    s_resolved_by uuid [];
    s_p_len integer;
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
        RETURN QUERY SELECT 1, v_req.transfer_id, vb_api.create_transfer(
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
    SELECT array_agg(ti.transfer_id), array_agg(ti.request_digest), array_agg(ti.status)
    INTO x_id, x_digest, x_status
    FROM vb.transfer_ids AS ti
    WHERE ti.transfer_id = ANY (r_id);
    x_id := coalesce(x_id, '{}');
    x_digest := coalesce(x_digest, '{}');
    x_status := coalesce(x_status, '{}');

    -- 3. Pending transfers referenced by post/void requests (their accounts must be locked too).
    IF v_has_resolutions THEN
        SELECT coalesce(array_agg(pt.pending_id), '{}'), coalesce(array_agg(pt.from_account_id), '{}'),
            coalesce(array_agg(pt.to_account_id), '{}')
        INTO p_id, p_from, p_to
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
        UNION SELECT unnest(p_from) UNION SELECT unnest(p_to)
    ), locked AS (
        SELECT ac.ctid AS row_id, ac.account_id, ac.asset_code, ac.overdraft_limit, ac.balance, ac.pending_out,
            ac.pending_in, ac.version
        FROM vb.accounts AS ac
        WHERE ac.account_id IN (SELECT w.account_id FROM wanted AS w) AND NOT ac.is_deferred
        ORDER BY ac.account_id
        FOR NO KEY UPDATE
    )
    SELECT coalesce(array_agg(l.account_id), '{}'), coalesce(array_agg(l.asset_code), '{}'),
        coalesce(array_agg(l.overdraft_limit), '{}'), coalesce(array_agg(l.balance), '{}'),
        coalesce(array_agg(l.pending_out), '{}'), coalesce(array_agg(l.pending_in), '{}'),
        coalesce(array_agg(l.version), '{}'), coalesce(array_agg(l.row_id), '{}')
    INTO a_id, a_asset, a_limit, a_balance, a_pending_out, a_pending_in, a_version, a_row
    FROM locked AS l;
    a_deferred := array_fill(false, ARRAY[cardinality(a_id)]);
    a_locked := array_fill(true, ARRAY[cardinality(a_id)]);

    -- 5. Deferred accounts: lock (sorted) and read those the batch debits with a finite
    --    overdraft limit or that take part in a two-phase transfer; the rest are only
    --    credited (or debited without limit) and stay unlocked and unread.
    --    Skipped when every named account was a customer account already locked.
    IF v_has_resolutions OR cardinality(a_id) < v_named_accounts THEN
        WITH wanted AS (
            SELECT r.from_account_id AS account_id, r.flags, true AS is_debit, r.pending_id IS NOT NULL AS is_resolve
            FROM unnest(p_transfers) AS r
            UNION ALL SELECT r.to_account_id, r.flags, false, r.pending_id IS NOT NULL FROM unnest(p_transfers) AS r
            UNION ALL SELECT unnest(p_from), ARRAY['pending'], true, true
            UNION ALL SELECT unnest(p_to), ARRAY['pending'], false, true
        ), deferred AS (
            SELECT ac.account_id, ac.asset_code, ac.overdraft_limit,
                bool_or(
                    w.is_resolve OR w.flags && ARRAY['pending', 'post_pending', 'void_pending']
                    OR (w.is_debit AND ac.overdraft_limit IS NOT NULL)
                ) AS must_lock
            FROM vb.accounts AS ac
            JOIN wanted AS w ON w.account_id = ac.account_id
            WHERE ac.is_deferred
            GROUP BY ac.account_id, ac.asset_code, ac.overdraft_limit
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
            a_asset || coalesce(array_agg(d.asset_code ORDER BY d.account_id), '{}'),
            a_limit || coalesce(array_agg(d.overdraft_limit ORDER BY d.account_id), '{}'),
            a_balance || coalesce(array_agg(l.balance ORDER BY d.account_id), '{}'),
            a_pending_out || coalesce(array_agg(l.pending_out ORDER BY d.account_id), '{}'),
            a_pending_in || coalesce(array_agg(l.pending_in ORDER BY d.account_id), '{}'),
            a_version || coalesce(array_agg(NULL::bigint ORDER BY d.account_id), '{}'),
            a_deferred || coalesce(array_agg(true ORDER BY d.account_id), '{}'),
            a_locked || coalesce(array_agg(d.must_lock ORDER BY d.account_id), '{}'),
            a_row || coalesce(array_agg(l.row_id ORDER BY d.account_id), '{}')
        INTO a_id, a_asset, a_limit, a_balance, a_pending_out, a_pending_in, a_version, a_deferred, a_locked,
            a_row
        FROM deferred AS d
        LEFT JOIN locked AS l ON l.account_id = d.account_id;
    END IF;
    a_dirty := array_fill(false, ARRAY[cardinality(a_id)]);

    -- 6. Re-read the referenced pending transfers now that their accounts are locked.
    IF v_has_resolutions THEN
        SELECT coalesce(array_agg(pt.pending_id ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.from_account_id ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.to_account_id ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.asset_code ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.amount ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.code ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.created_at ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.expires_at ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.pending_state ORDER BY pt.pending_id), '{}'),
            coalesce(array_agg(pt.resolved_by ORDER BY pt.pending_id), '{}')
        INTO p_id, p_from, p_to, p_asset, p_amount, p_code, p_created, p_expires, p_state, p_resolved_by
        FROM vb.pending_transfers AS pt
        WHERE pt.pending_id = ANY (p_id);
    END IF;
    p_loaded := cardinality(p_id);
    p_is_new := array_fill(false, ARRAY[p_loaded]);

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
                s_balance := a_balance; s_pending_out := a_pending_out; s_pending_in := a_pending_in;
                s_version := a_version; s_dirty := a_dirty; s_state := p_state; s_resolved_by := p_resolved_by;
                s_p_len := cardinality(p_id); s_x_len := cardinality(x_id);
                s_o_len := cardinality(o_id); s_e_len := cardinality(e_account);
            END IF;
        END IF;

        IF v_chain_failed THEN
            v_status := 'linked_event_failed';
        ELSIF v_req.transfer_id IS NOT NULL THEN
            x := array_position(x_id, v_req.transfer_id);
            IF x IS NOT NULL THEN
                IF x_status[x] <> 'created' THEN
                    v_status := 'id_already_failed';
                ELSIF x_digest[x] = r_digest[i] THEN
                    v_status := 'exists';
                ELSE
                    v_status := 'exists_with_different_fields';
                END IF;
            END IF;
        END IF;

        IF v_status IS NULL THEN
            v_kind := vb.transfer_kind(v_flags);
            p := NULL;
            v_from := v_req.from_account_id;
            v_to := v_req.to_account_id;
            IF v_kind IN ('post_pending', 'void_pending') THEN
                p := array_position(p_id, v_req.pending_id);
                v_from := coalesce(v_from, p_from[p]);
                v_to := coalesce(v_to, p_to[p]);
            END IF;
            f := array_position(a_id, v_from);
            t := array_position(a_id, v_to);
            IF a_limit[f] IS NOT NULL AND NOT a_locked[f] AND v_kind IN ('single', 'pending') THEN
                RAISE EXCEPTION 'invariant: debit of unlocked account % with a limit', v_from
                    USING ERRCODE = 'VB999';
            END IF;
            -- scalars, not subscripts, as arguments: vb.check_transfer is inlined only when its
            -- arguments are cheap (else it would be parsed again on every call)
            c_from_asset := a_asset[f]; c_from_limit := a_limit[f]; c_from_balance := a_balance[f];
            c_from_pending_out := a_pending_out[f]; c_to_asset := a_asset[t]; c_to_balance := a_balance[t];
            c_to_pending_in := a_pending_in[t]; c_pending_state := p_state[p]; c_pending_from := p_from[p];
            c_pending_to := p_to[p]; c_pending_amount := p_amount[p]; c_pending_expires := p_expires[p];
            v_status := vb.check_transfer(
                v_req, v_kind, v_from, v_to, c_from_asset, c_from_limit, c_from_balance, c_from_pending_out, c_to_asset,
                c_to_balance, c_to_pending_in, c_pending_state, c_pending_from, c_pending_to, c_pending_amount,
                c_pending_expires, v_now
            );
            v_amount := CASE WHEN p IS NULL THEN v_req.amount ELSE coalesce(v_req.amount, p_amount[p]) END;
            IF v_status = 'created' THEN
                v_status := NULL;  -- passes: applied below
            END IF;
        END IF;

        -- apply in memory
        IF v_status IS NULL THEN
            v_status := 'created';
            v_code := coalesce(v_req.code, p_code[p]);
            IF v_kind = 'pending' THEN
                a_pending_out[f] := a_pending_out[f] + v_amount;
                a_pending_in[t] := a_pending_in[t] + v_amount;
                p_id := p_id || v_req.transfer_id; p_from := p_from || v_from; p_to := p_to || v_to;
                p_asset := p_asset || a_asset[f]; p_amount := p_amount || v_amount; p_code := p_code || v_code;
                p_created := p_created || v_now;
                p_expires := p_expires || CASE WHEN v_req.timeout_s > 0
                    THEN v_now + make_interval(secs => v_req.timeout_s) END;
                p_state := p_state || 'pending'::text; p_resolved_by := p_resolved_by || NULL::uuid;
                p_is_new := p_is_new || true;
            ELSIF v_kind IN ('post_pending', 'void_pending') THEN
                a_pending_out[f] := a_pending_out[f] - p_amount[p];
                a_pending_in[t] := a_pending_in[t] - p_amount[p];
                p_state[p] := CASE v_kind WHEN 'post_pending' THEN 'posted' ELSE 'voided' END;
                p_resolved_by[p] := v_req.transfer_id;
            END IF;
            IF v_kind <> 'single' THEN
                a_dirty[f] := true;
                a_dirty[t] := true;
            END IF;
            IF v_kind IN ('single', 'post_pending') THEN
                FOREACH j IN ARRAY ARRAY[f, t] LOOP
                    e_account := e_account || a_id[j];
                    e_transfer := e_transfer || v_req.transfer_id;
                    e_amount := e_amount || CASE WHEN j = f THEN -v_amount ELSE v_amount END;
                    e_code := e_code || v_code;
                    e_deferred := e_deferred || a_deferred[j];
                    a_balance[j] := a_balance[j] + CASE WHEN j = f THEN -v_amount ELSE v_amount END;
                    IF a_deferred[j] THEN
                        e_version := e_version || NULL::bigint;
                        e_balance := e_balance || NULL::bigint;
                    ELSE
                        a_version[j] := a_version[j] + 1;
                        a_dirty[j] := true;
                        e_version := e_version || a_version[j];
                        e_balance := e_balance || a_balance[j];
                    END IF;
                END LOOP;
            END IF;
            o_id := o_id || v_req.transfer_id; o_kind := o_kind || v_kind;
            o_from := o_from || v_from; o_to := o_to || v_to; o_asset := o_asset || a_asset[f];
            o_amount := o_amount || v_amount; o_code := o_code || v_code;
            o_pending := o_pending || v_req.pending_id;
            o_expires := o_expires || CASE WHEN v_kind = 'pending' THEN p_expires[cardinality(p_expires)] END;
            o_metadata := o_metadata || coalesce(v_req.metadata, '{}');
        END IF;

        r_status[i] := v_status;
        IF v_status NOT IN ('exists', 'exists_with_different_fields', 'id_already_failed', 'linked_event_failed')
            AND v_req.transfer_id IS NOT NULL THEN
            r_record[i] := true;
            x_id := x_id || v_req.transfer_id; x_digest := x_digest || r_digest[i]; x_status := x_status || v_status;
        END IF;
        IF v_status NOT IN ('created', 'exists') THEN
            v_chain_failed := true;
        END IF;

        IF NOT v_linked OR i = n THEN
            -- the chain ends here, or the batch ends inside it (an open chain)
            v_chain_open := v_linked;
            IF v_chain_open OR (v_chain_failed AND i > v_chain_start) THEN
                -- undo the chain: restore the snapshot taken at its first member
                a_balance := s_balance; a_pending_out := s_pending_out; a_pending_in := s_pending_in;
                a_version := s_version; a_dirty := s_dirty; p_state := s_state; p_resolved_by := s_resolved_by;
                p_id := p_id[1:s_p_len]; p_from := p_from[1:s_p_len]; p_to := p_to[1:s_p_len];
                p_asset := p_asset[1:s_p_len]; p_amount := p_amount[1:s_p_len]; p_code := p_code[1:s_p_len];
                p_created := p_created[1:s_p_len]; p_expires := p_expires[1:s_p_len];
                p_state := p_state[1:s_p_len]; p_resolved_by := p_resolved_by[1:s_p_len];
                p_is_new := p_is_new[1:s_p_len];
                o_id := o_id[1:s_o_len]; o_kind := o_kind[1:s_o_len]; o_from := o_from[1:s_o_len];
                o_to := o_to[1:s_o_len]; o_asset := o_asset[1:s_o_len]; o_amount := o_amount[1:s_o_len];
                o_code := o_code[1:s_o_len]; o_pending := o_pending[1:s_o_len];
                o_expires := o_expires[1:s_o_len]; o_metadata := o_metadata[1:s_o_len];
                e_account := e_account[1:s_e_len]; e_version := e_version[1:s_e_len];
                e_transfer := e_transfer[1:s_e_len]; e_amount := e_amount[1:s_e_len];
                e_balance := e_balance[1:s_e_len]; e_code := e_code[1:s_e_len];
                e_deferred := e_deferred[1:s_e_len];
                x_id := x_id[1:s_x_len]; x_digest := x_digest[1:s_x_len]; x_status := x_status[1:s_x_len];
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
                        x_id := x_id || p_transfers[j].transfer_id;
                        x_digest := x_digest || r_digest[j];
                        x_status := x_status || r_status[j];
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
        ON CONFLICT (transfer_id) DO NOTHING
        RETURNING 1
    ), applied AS (
        INSERT INTO vb.transfers (
            transfer_id, created_at, transfer_kind, from_account_id, to_account_id, asset_code, amount,
            code, pending_id, expires_at, metadata
        )
        SELECT o.id, v_now, o.kind, o.from_id, o.to_id, o.asset, o.amount, o.code, o.pending, o.expires, o.metadata
        FROM unnest(o_id, o_kind, o_from, o_to, o_asset, o_amount, o_code, o_pending, o_expires, o_metadata)
            AS o (id, kind, from_id, to_id, asset, amount, code, pending, expires, metadata)
    ), pending_opened AS (
        INSERT INTO vb.pending_transfers (
            pending_id, from_account_id, to_account_id, asset_code, amount, code, created_at, expires_at,
            pending_state, resolved_at, resolved_by
        )
        SELECT p_id[k], p_from[k], p_to[k], p_asset[k], p_amount[k], p_code[k], p_created[k], p_expires[k],
            p_state[k], CASE WHEN p_state[k] <> 'pending' THEN v_now END, p_resolved_by[k]
        FROM generate_subscripts(p_id, 1) AS k
        WHERE p_is_new[k]
    ), pending_resolved AS (
        UPDATE vb.pending_transfers AS pt
        SET pending_state = p_state[array_position(p_id, pt.pending_id)], resolved_at = v_now,
            resolved_by = p_resolved_by[array_position(p_id, pt.pending_id)]
        WHERE pt.pending_id = ANY (ARRAY(
            SELECT p_id[k] FROM generate_subscripts(p_id, 1) AS k
            WHERE k <= p_loaded AND p_state[k] <> 'pending' AND p_resolved_by[k] IS NOT NULL
        )) AND pt.pending_state = 'pending'
    ), entries_written AS (
        INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code)
        SELECT e.account_id, e.version, v_now, e.transfer_id, e.amount, e.balance_after, e.code
        FROM unnest(e_account, e_version, e_transfer, e_amount, e_balance, e_code, e_deferred)
            AS e (account_id, version, transfer_id, amount, balance_after, code, is_deferred)
        WHERE NOT e.is_deferred
    ), entries_queued AS (
        INSERT INTO vb.unfolded_entries (account_id, created_at, transfer_id, amount, code)
        SELECT e.account_id, v_now, e.transfer_id, e.amount, e.code
        FROM unnest(e_account, e_transfer, e_amount, e_code, e_deferred)
            AS e (account_id, transfer_id, amount, code, is_deferred)
        WHERE e.is_deferred
    ), changed AS (
        UPDATE vb.accounts AS ac
        SET balance = CASE WHEN ac.is_deferred THEN ac.balance ELSE u.balance END,
            version = CASE WHEN ac.is_deferred THEN ac.version ELSE u.version END,
            pending_out = u.pending_out,
            pending_in = u.pending_in,
            updated_at = v_now
        FROM unnest(a_row, a_balance, a_version, a_pending_out, a_pending_in, a_dirty)
            AS u (row_id, balance, version, pending_out, pending_in, dirty)
        WHERE u.dirty AND ac.ctid = u.row_id
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
                o.kind, o.id, o.from_id, o.to_id, o.asset, o.amount, o.code, o.pending, o.expires, o.metadata
            )
            FROM unnest(o_id, o_kind, o_from, o_to, o_asset, o_amount, o_code, o_pending, o_expires, o_metadata)
                WITH ORDINALITY AS o (id, kind, from_id, to_id, asset, amount, code, pending, expires, metadata, ord)
            ORDER BY o.ord
        ),
        v_changed
    ), v_now);

    RETURN QUERY
    SELECT k::integer, p_transfers[k].transfer_id, r_status[k]
    FROM generate_subscripts(r_status, 1) AS k
    ORDER BY k;
END
$$;
