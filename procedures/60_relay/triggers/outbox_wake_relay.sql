-- Wake a sleeping relay when the outbox is written (see vb.wake_relay).
CREATE OR REPLACE TRIGGER outbox_wake_relay
AFTER INSERT ON vb.outbox
FOR EACH STATEMENT EXECUTE FUNCTION vb.wake_relay();
