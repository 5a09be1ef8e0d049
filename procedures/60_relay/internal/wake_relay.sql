-- vb.wake_relay() → trigger
--
-- Internal. Statement trigger on vb.outbox: NOTIFY vb_relay when the relay said it sleeps
-- (vb_ops.relay_set_listening). One NOTIFY per transaction at most (PostgreSQL folds
-- duplicates), and none at all while the relay is busy.
CREATE OR REPLACE FUNCTION vb.wake_relay()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF EXISTS (SELECT FROM vb.relay_wakeup AS w WHERE w.listening_until > clock_timestamp()) THEN
        PERFORM pg_notify('vb_relay', '');
    END IF;
    RETURN NULL;
END
$$;
