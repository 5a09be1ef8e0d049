-- vb_api.ack_alert(p_alert_id bigint) → text
--
-- Acknowledges an alert. Returns 'acknowledged' | 'already_acknowledged' | 'not_found'.
-- Raises: nothing.
CREATE OR REPLACE FUNCTION vb_api.ack_alert(p_alert_id bigint)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE vb.alerts AS a SET acknowledged_at = clock_timestamp()
    WHERE a.alert_id = p_alert_id AND a.acknowledged_at IS NULL;
    IF FOUND THEN
        RETURN vb.audited('vb_api.ack_alert', jsonb_build_object('alert_id', p_alert_id), 'acknowledged');
    END IF;
    RETURN vb.audited(
        'vb_api.ack_alert', jsonb_build_object('alert_id', p_alert_id),
        CASE WHEN EXISTS (SELECT FROM vb.alerts AS a WHERE a.alert_id = p_alert_id)
            THEN 'already_acknowledged' ELSE 'not_found' END
    );
END
$$;
