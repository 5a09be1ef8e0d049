-- vb.raise_breach(p_source, p_account_id, p_kind, p_detail, p_severity) → bigint
--
-- Internal. Records a breach event and, unless the account already has an open alert of that
-- kind, an alert; writes breach.recorded (and alert.raised) keyed by account id. Returns the
-- breach id.
CREATE OR REPLACE FUNCTION vb.raise_breach(
    p_source text, p_account_id uuid, p_kind text, p_detail jsonb, p_severity text
) RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    v_breach_id bigint;
    v_alert_id bigint;
    v_created_at timestamptz;
BEGIN
    INSERT INTO vb.breach_events (source, account_id, kind, detail)
    VALUES (p_source, p_account_id, p_kind, coalesce(p_detail, '{}'))
    RETURNING breach_id, created_at INTO v_breach_id, v_created_at;
    IF NOT EXISTS (
        SELECT FROM vb.alerts AS a
        WHERE a.account_id IS NOT DISTINCT FROM p_account_id AND a.kind = p_kind AND a.acknowledged_at IS NULL
    ) THEN
        INSERT INTO vb.alerts (breach_id, account_id, kind, severity, detail)
        VALUES (v_breach_id, p_account_id, p_kind, p_severity, coalesce(p_detail, '{}'))
        RETURNING alert_id INTO v_alert_id;
    END IF;
    PERFORM vb.write_events(array_to_json(
        ARRAY[vb.breach_recorded_event(v_breach_id, p_source, p_account_id, p_kind, coalesce(p_detail, '{}'), v_created_at)]
        || CASE WHEN v_alert_id IS NOT NULL THEN ARRAY[
            vb.alert_raised_event(v_alert_id, v_breach_id, p_account_id, p_kind, p_severity, coalesce(p_detail, '{}'))
        ] ELSE '{}'::json [] END
    ));
    RETURN v_breach_id;
END
$$;
