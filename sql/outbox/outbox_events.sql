-- vb.outbox_events: the outbox one event per row, with its event id (outbox_id * 2^20 + its
-- 0-based position in the row). For the relay, tests and audits.
CREATE OR REPLACE VIEW vb.outbox_events AS
SELECT
    o.outbox_id * 1048576 + e.ordinal - 1 AS event_id,
    o.outbox_id,
    o.occurred_at,
    o.txid,
    e.event ->> 'aggregate' AS aggregate,
    e.event ->> 'key' AS aggregate_id,
    e.event ->> 'type' AS event_type,
    e.event -> 'payload' AS payload
FROM vb.outbox AS o
CROSS JOIN LATERAL json_array_elements(o.events) WITH ORDINALITY AS e (event, ordinal);
