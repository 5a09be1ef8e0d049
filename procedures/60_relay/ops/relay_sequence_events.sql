-- vb_ops.relay_sequence_events(p_max_rows integer default 1000) → bigint
--
-- The relay's sequencer. Moves up to p_max_rows committed outbox rows, in outbox_id order,
-- from vb.outbox into vb.event_log, numbering their events from vb.event_sequence: the
-- event id that the envelope carries and that every sink's progress counts in.
-- Returns: how many events were numbered (0 when the outbox holds nothing committed).
-- Why: numbering at move time, not at insert time, makes event ids increase in the order
-- events become visible: a transaction that took a low outbox_id and commits after later
-- ones is moved (and numbered) when its rows become visible, never skipped. Two events of
-- one key keep their commit order: the later one was written after the earlier committed
-- (both held the key's row lock), so it has the higher outbox_id and cannot be visible
-- without it. Rows with no events are dropped. Callers are serialised on the counter row.
-- Where to look: a row still waiting was either not visible at the previous call (its
-- transaction id is at or above that call's snapshot xmin, kept as horizon_txid) or visible
-- and left by the row limit (so above the highest outbox_id moved); two index ranges find
-- both without walking the dead entries that moved rows leave at the low end of the queue.
-- enable_seqscan is off here: under this churn the queue's statistics say nothing (a plan
-- once chose to scan thousands of dead rows for a handful of live ones), nor does a one-row
-- counter's heap after thousands of updates; the index ranges are always the right access.
-- Raises: VB001 when p_max_rows is null or < 1.
CREATE OR REPLACE FUNCTION vb_ops.relay_sequence_events(p_max_rows integer DEFAULT 1000)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
AS $$
DECLARE
    v_state vb.event_sequence;
    v_horizon xid8;
    v_numbered bigint;
    v_outbox_ids bigint [];
    v_oldest timestamptz;
    v_newest timestamptz;
BEGIN
    IF p_max_rows IS NULL OR p_max_rows < 1 THEN
        RAISE EXCEPTION 'p_max_rows must be >= 1' USING ERRCODE = 'VB001';
    END IF;
    -- an idle relay polls often: answer "nothing" without taking the counter's row lock
    SELECT * INTO v_state FROM vb.event_sequence AS s WHERE s.singleton;
    PERFORM FROM vb.outbox AS o WHERE o.outbox_id > v_state.moved_through_outbox_id OR o.txid >= v_state.horizon_txid LIMIT 1;
    IF NOT found THEN
        RETURN 0;
    END IF;
    SELECT * INTO v_state FROM vb.event_sequence AS s WHERE s.singleton FOR UPDATE;
    -- taken before the look below, so anything that look cannot see is at or above it
    v_horizon := pg_snapshot_xmin(pg_current_snapshot());
    SELECT array_agg(p.outbox_id ORDER BY p.outbox_id), min(p.occurred_at), max(p.occurred_at)
    INTO v_outbox_ids, v_oldest, v_newest
    FROM (
        SELECT c.outbox_id, c.occurred_at
        FROM (
            SELECT o.outbox_id, o.occurred_at FROM vb.outbox AS o WHERE o.outbox_id > v_state.moved_through_outbox_id
            UNION
            SELECT o.outbox_id, o.occurred_at FROM vb.outbox AS o WHERE o.txid >= v_state.horizon_txid
        ) AS c
        ORDER BY c.outbox_id
        LIMIT p_max_rows
    ) AS p;
    IF v_outbox_ids IS NULL THEN
        UPDATE vb.event_sequence AS s SET horizon_txid = v_horizon WHERE s.singleton;
        RETURN 0;
    END IF;
    WITH moved AS (
        DELETE FROM vb.outbox AS o
        WHERE o.outbox_id = ANY(v_outbox_ids) AND o.occurred_at BETWEEN v_oldest AND v_newest
        RETURNING o.outbox_id, o.occurred_at, o.txid, o.events, json_array_length(o.events) AS event_count
    ), numbered AS (
        SELECT
            m.*,
            v_state.next_event_id + sum(m.event_count) OVER (ORDER BY m.outbox_id) - m.event_count AS first_event_id
        FROM moved AS m
    ), logged AS (
        INSERT INTO vb.event_log (first_event_id, event_count, outbox_id, occurred_at, txid, events)
        SELECT n.first_event_id, n.event_count, n.outbox_id, n.occurred_at, n.txid, n.events
        FROM numbered AS n
        WHERE n.event_count > 0
        RETURNING event_count
    )
    SELECT coalesce(sum(l.event_count), 0) INTO v_numbered FROM logged AS l;
    UPDATE vb.event_sequence
    SET next_event_id = next_event_id + v_numbered,
        moved_through_outbox_id = greatest(moved_through_outbox_id, v_outbox_ids[cardinality(v_outbox_ids)]),
        horizon_txid = v_horizon
    WHERE singleton;
    RETURN v_numbered;
END
$$;
