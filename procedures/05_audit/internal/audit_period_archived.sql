-- vb.audit_period_archived(p_parent regclass, p_at timestamptz) → boolean
--
-- Internal. Whether the period of p_parent (vb.event_audit or vb.audit_chain) holding time p_at
-- has been detached for archival (vb.archived_periods): its rows are gone from the table on
-- purpose, so vb_ops.verify_audit does not report them missing.
CREATE OR REPLACE FUNCTION vb.audit_period_archived(p_parent regclass, p_at timestamptz)
RETURNS boolean
LANGUAGE sql
STABLE
AS $$
    SELECT EXISTS (
        SELECT FROM vb.archived_periods AS ap
        WHERE ap.parent = p_parent AND ap.range_from <= p_at AND p_at < ap.range_to
    );
$$;
