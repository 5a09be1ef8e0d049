-- vb_ops.relay_set_listening(p_for_s double precision) → void
--
-- The relay's sparing wake-up flag. A relay about to sleep calls it with how long it may
-- sleep (plus a margin); until then every transaction that writes the outbox NOTIFYs
-- channel vb_relay (trigger vb.wake_relay). A relay that has work calls it with null:
-- writers stop notifying. A relay that dies asleep costs writers a NOTIFY only until
-- the time passes.
-- Why: a NOTIFY serialises commits cluster-wide; a busy relay never sleeps, so writers under
-- load never pay it.
-- Raises: VB001 when p_for_s is negative or above one hour.
CREATE OR REPLACE FUNCTION vb_ops.relay_set_listening(p_for_s double precision)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_for_s < 0 OR p_for_s > 3600 THEN
        RAISE EXCEPTION 'p_for_s must be between 0 and 3600' USING ERRCODE = 'VB001';
    END IF;
    UPDATE vb.relay_wakeup
    SET listening_until = clock_timestamp() + make_interval(secs => p_for_s);
END
$$;
