-- vb.outbox_events: every event still held by the database, one per row: those the relay has
-- numbered (in vb.event_log, event_id set) and those still waiting in vb.outbox (event_id
-- null until the relay numbers them). position orders events within one outbox row.
-- For the relay's tests and for audits.
CREATE OR REPLACE VIEW vb.outbox_events AS
SELECT
    r.first_event_id + e.ordinal - 1 AS event_id,
    r.outbox_id,
    e.ordinal AS position,
    r.occurred_at,
    r.txid,
    e.event ->> 'aggregate' AS aggregate,
    e.event ->> 'key' AS aggregate_id,
    e.event ->> 'type' AS event_type,
    e.event -> 'payload' AS payload
FROM (
    SELECT
        l.first_event_id,
        l.outbox_id,
        l.occurred_at,
        l.txid,
        l.events
    FROM vb.event_log AS l
    UNION ALL
    SELECT
        NULL::bigint,
        o.outbox_id,
        o.occurred_at,
        o.txid,
        o.events
    FROM vb.outbox AS o
) AS r
CROSS JOIN LATERAL json_array_elements(r.events) WITH ORDINALITY AS e (event, ordinal);
