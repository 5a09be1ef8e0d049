-- CASCADE: functions of the repeatable files depend on these; the next migrate re-applies them.
DROP TRIGGER IF EXISTS outbox_wake_relay ON vb.outbox;
DROP TABLE vb.relay_wakeup CASCADE;
DROP TABLE vb.ingest_dead_letters CASCADE;
DROP TABLE vb.relay_dead_letters CASCADE;
DROP TABLE vb.relay_progress CASCADE;
DROP TABLE vb.event_sequence CASCADE;
DROP TABLE vb.event_log CASCADE;
DROP INDEX vb.outbox_outbox_id_idx;
