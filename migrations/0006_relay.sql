-- Relay: the event log that gives committed outbox rows their delivery order, per-sink
-- progress, dead letters, and the wake-up flag that lets writers skip NOTIFY under load.
--
-- vb.outbox becomes a queue: the active relay moves every committed row it can see, in
-- outbox_id order, into vb.event_log and numbers its events there (see
-- vb_ops.relay_sequence_events). A transaction that took a low outbox_id and commits late
-- is simply moved later, with higher event ids: nothing is skipped, event ids increase in
-- commit-visibility order, and two events of one key keep their commit order (the second
-- was written after the first committed, under the same row lock, so it has the higher
-- outbox_id and cannot be visible without the first).

CREATE INDEX outbox_outbox_id_idx ON vb.outbox (outbox_id);

-- One row per moved outbox row; events first_event_id .. first_event_id + event_count - 1.
CREATE TABLE vb.event_log (
    first_event_id bigint NOT NULL,
    event_count integer NOT NULL CHECK (event_count >= 0),
    outbox_id bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    txid xid8 NOT NULL,
    events json NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (logged_at);

CREATE INDEX event_log_first_event_id_idx ON vb.event_log (first_event_id);
ALTER TABLE vb.event_log ALTER COLUMN events SET COMPRESSION lz4;

DO $partitions$
DECLARE
    v_month date;
BEGIN
    FOR v_month IN
        SELECT pg_catalog.generate_series(DATE '2026-01-01', DATE '2027-12-01', INTERVAL '1 month')::date
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE TABLE vb.%I PARTITION OF vb.event_log FOR VALUES FROM (%L) TO (%L)',
            'event_log_p' || pg_catalog.to_char(v_month, 'YYYYMM'), v_month, (v_month + INTERVAL '1 month')::date
        );
    END LOOP;
    CREATE TABLE vb.event_log_default PARTITION OF vb.event_log DEFAULT;
END
$partitions$;

-- The sequencer's counter and where its next look at the outbox starts (one row): every row not
-- yet moved has outbox_id > moved_through_outbox_id or txid >= horizon_txid (see
-- vb_ops.relay_sequence_events), so it never walks the dead index entries of moved rows.
CREATE TABLE vb.event_sequence (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    next_event_id bigint NOT NULL DEFAULT 1 CHECK (next_event_id >= 1),
    moved_through_outbox_id bigint NOT NULL DEFAULT 0,
    horizon_txid xid8 NOT NULL DEFAULT '0'
);
INSERT INTO vb.event_sequence DEFAULT VALUES;

-- Where each sink ('kafka', 'redis', …) stands: every event up to last_event_id is delivered.
CREATE TABLE vb.relay_progress (
    sink text PRIMARY KEY CHECK (sink ~ '^[a-z][a-z0-9_]{0,30}$'),
    last_event_id bigint NOT NULL DEFAULT 0 CHECK (last_event_id >= 0),
    delivered_events bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Events a sink could not take (cannot be serialised, too large for the broker, …).
CREATE TABLE vb.relay_dead_letters (
    dead_letter_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sink text NOT NULL,
    event_id bigint NOT NULL,
    outbox_id bigint NOT NULL,
    reason text NOT NULL,
    event_text text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sink, event_id)
);

-- Inbound messages `pyvb ingest` could not apply.
CREATE TABLE vb.ingest_dead_letters (
    dead_letter_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source text NOT NULL,
    message_key text,
    message_text text NOT NULL,
    reason text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source)
);

-- The sparing wake-up: while the relay sleeps it sets listening_until a little into the
-- future; a write transaction NOTIFYs only then. A busy relay never sleeps, so writers
-- under load never notify; a relay that died stops being notified once the time passes.
CREATE TABLE vb.relay_wakeup (
    singleton boolean PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    listening_until timestamptz
);
INSERT INTO vb.relay_wakeup DEFAULT VALUES;

-- The outbox is now a queue (rows leave as the relay numbers them): vacuum its partitions
-- after a fixed number of dead rows, not a fraction of a size that the churn makes meaningless.
DO $queue$
DECLARE
    v_partition regclass;
BEGIN
    FOR v_partition IN SELECT i.inhrelid::regclass FROM pg_catalog.pg_inherits AS i WHERE i.inhparent = 'vb.outbox'::regclass LOOP
        EXECUTE pg_catalog.format(
            'ALTER TABLE %s SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,'
            ' autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000)',
            v_partition
        );
    END LOOP;
END
$queue$;

-- Rows updated on every relay batch (the counter, the sinks' positions, the wake-up flag): room
-- on their page for HOT updates, and vacuum after a fixed number of dead versions, so one row
-- stays one page instead of a heap of dead versions a scan has to walk.
ALTER TABLE vb.event_sequence SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE vb.relay_progress SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE vb.relay_wakeup SET (fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
