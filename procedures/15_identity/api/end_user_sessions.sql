-- vb_api.end_user_sessions(p_user_id uuid) → integer
--
-- Ends every live session of a user ("log out everywhere"; contract identity.md).
-- Returns: how many sessions it ended (0 for an unknown user or one without live sessions).
-- Raises: nothing.
-- Events: session.ended per session (reason 'all_ended').
-- Audited (contract audit.md): one vb.event_audit record per call.
CREATE OR REPLACE FUNCTION vb_api.end_user_sessions(p_user_id uuid)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_events json [];
BEGIN
    v_events := vb.end_sessions(p_user_id, 'all_ended', v_now);
    PERFORM vb.write_events(array_to_json(v_events), v_now);
    PERFORM vb.audit(
        'vb_api.end_user_sessions', jsonb_build_object('user_id', p_user_id),
        jsonb_build_object('ended', cardinality(v_events))
    );
    RETURN cardinality(v_events);
END
$$;
