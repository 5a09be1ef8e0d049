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
    INSERT INTO vb.outbox (events)
    SELECT json_agg(e.event ORDER BY e.ord)
    FROM (
        SELECT 1 AS ord, vb.outbox_event('breach.recorded', 'risk', coalesce(p_account_id::text, ''), json_build_object(
            'breach_id', v_breach_id, 'source', p_source, 'account_id', p_account_id, 'kind', p_kind,
            'detail', coalesce(p_detail, '{}'), 'created_at', v_created_at)) AS event
        UNION ALL
        SELECT 2, vb.outbox_event('alert.raised', 'risk', coalesce(p_account_id::text, ''), json_build_object(
            'alert_id', v_alert_id, 'breach_id', v_breach_id, 'account_id', p_account_id, 'kind', p_kind,
            'severity', p_severity, 'detail', coalesce(p_detail, '{}')))
        WHERE v_alert_id IS NOT NULL
    ) AS e;
    RETURN v_breach_id;
END
$$;
