-- vb_api.record_breach_event(p_source text, p_account_id uuid, p_kind text, p_detail jsonb) → bigint
--
-- Records a breach reported from outside the database (a surveillance job, the middleware):
-- a breach event and, unless one is already open for that account and kind, an alert of
-- severity p_detail->>'severity' ('info' | 'warning' | 'critical', default 'warning').
-- Returns the breach id. Events: breach.recorded, alert.raised.
-- Raises: VB001 when p_source or p_kind is null, empty or over 64 characters, p_detail is over
-- 8,192 bytes, or the severity is unknown.
-- Audited (contract audit.md): one vb.event_audit record per call.
CREATE OR REPLACE FUNCTION vb_api.record_breach_event(p_source text, p_account_id uuid, p_kind text, p_detail jsonb)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_breach_id bigint;
    v_severity text := coalesce(p_detail ->> 'severity', 'warning');
BEGIN
    IF coalesce(p_source, '') = '' OR coalesce(p_kind, '') = '' OR v_severity NOT IN ('info', 'warning', 'critical') THEN
        RAISE EXCEPTION 'a breach needs a source, a kind and a known severity' USING ERRCODE = 'VB001';
    END IF;
    PERFORM vb.check_size('p_source', length(p_source), 'key_chars');
    PERFORM vb.check_size('p_kind', length(p_kind), 'key_chars');
    PERFORM vb.check_size('p_detail', octet_length(p_detail::text), 'json_bytes');
    v_breach_id := vb.raise_breach(p_source, p_account_id, p_kind, p_detail, v_severity);
    PERFORM vb.audit(
        'vb_api.record_breach_event',
        jsonb_build_object('source', vb.audit_text(p_source), 'account_id', p_account_id, 'kind', vb.audit_text(p_kind)),
        jsonb_build_object('breach_id', v_breach_id)
    );
    RETURN v_breach_id;
END
$$;
