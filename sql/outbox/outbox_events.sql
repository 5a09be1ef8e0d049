-- vb.outbox_events: every event still held by the database, one per row: those the relay has
-- numbered (in vb.event_log, event_id set) and those still waiting in vb.outbox (event_id
-- null until the relay numbers them). position orders events within one outbox row.
-- For the relay's tests and for audits.
DROP VIEW IF EXISTS vb.outbox_events;
CREATE VIEW vb.outbox_events AS
SELECT
    l.first_event_id + e.ordinal - 1 AS event_id,
    l.outbox_id,
    e.ordinal AS position,
    l.occurred_at,
    l.txid,
    e.event ->> 'aggregate' AS aggregate,
    e.event ->> 'key' AS aggregate_id,
    e.event ->> 'type' AS event_type,
    e.event -> 'payload' AS payload
FROM vb.event_log AS l
CROSS JOIN LATERAL json_array_elements(l.events) WITH ORDINALITY AS e (event, ordinal)
UNION ALL
SELECT
    NULL::bigint AS event_id,
    o.outbox_id,
    e.ordinal AS position,
    o.occurred_at,
    o.txid,
    e.event ->> 'aggregate' AS aggregate,
    e.event ->> 'key' AS aggregate_id,
    e.event ->> 'type' AS event_type,
    e.event -> 'payload' AS payload
FROM vb.outbox AS o
CROSS JOIN LATERAL json_array_elements(o.events) WITH ORDINALITY AS e (event, ordinal);
