-- vb.alert_raised_event(p_alert_id, p_breach_id, p_account_id, p_kind, p_severity, p_detail) → json
--
-- Internal. The alert.raised event, keyed by account id ('global' for an alert of no account: the relay refuses an empty key).
-- STABLE SQL without a SET clause, so the planner inlines it.
CREATE OR REPLACE FUNCTION vb.alert_raised_event(
    p_alert_id bigint, p_breach_id bigint, p_account_id uuid, p_kind text, p_severity text, p_detail jsonb
) RETURNS json
LANGUAGE sql
STABLE
AS $$
    SELECT vb.outbox_event('alert.raised', 'risk', coalesce(p_account_id::text, 'global'), json_build_object(
        'alert_id', p_alert_id, 'breach_id', p_breach_id, 'account_id', p_account_id, 'kind', p_kind,
        'severity', p_severity, 'detail', p_detail
    ));
$$;
