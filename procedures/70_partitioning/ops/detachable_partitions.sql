-- vb_ops.detachable_partitions()
--   → table (parent regclass, partition regclass, range_from timestamptz, range_to timestamptz,
--            archive boolean, needs_archive boolean)
--
-- Partitions whose range ended longer ago than their table's retention, oldest first: what a
-- maintenance pass detaches (and archives, when the policy says so). A partition holding the
-- current time is never listed. Partner tables leave together: ledger entries and transfers (so
-- closing balances and verify_ledger see whole periods), audit records and their chain links (so
-- verify_audit does); a partition of one is listed only when the other's partition of the same
-- range is too, or already detached. needs_archive: the policy
-- archives and the partition holds rows (an empty one is dropped without an archive).
CREATE OR REPLACE FUNCTION vb_ops.detachable_partitions()
RETURNS TABLE (
    parent regclass, partition regclass, range_from timestamptz, range_to timestamptz, archive boolean,
    needs_archive boolean
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH due AS (
        SELECT pp.parent, p.partition, p.range_from, p.range_to, pp.archive
        FROM vb.partition_policies AS pp
        CROSS JOIN LATERAL vb.partitions_of(pp.parent) AS p
        WHERE pp.retention IS NOT NULL AND NOT p.is_default AND p.range_to <= now() - pp.retention
    )
    SELECT d.parent, d.partition, d.range_from, d.range_to, d.archive,
        d.archive AND vb.partition_holds_rows(d.partition)
    FROM due AS d
    LEFT JOIN (
        VALUES
        ('vb.entries'::regclass, 'vb.transfers'::regclass), ('vb.transfers', 'vb.entries'),
        ('vb.event_audit', 'vb.audit_chain'), ('vb.audit_chain', 'vb.event_audit')
    ) AS pair (parent, partner) ON pair.parent = d.parent
    WHERE pair.partner IS NULL
        OR EXISTS (
            -- the partner table's partition of the same range is due too, or already detached
            SELECT FROM (
                SELECT l.parent, l.range_from, l.range_to FROM due AS l
                UNION ALL
                SELECT ap.parent, ap.range_from, ap.range_to FROM vb.archived_periods AS ap
            ) AS partner
            WHERE partner.parent = pair.partner
                AND partner.range_from = d.range_from AND partner.range_to = d.range_to
        )
    -- a month's audit records leave before its chain links: verify_audit skips a link whose record
    -- is archived, while records whose links left first would escape its all_chained check
    ORDER BY d.range_from, d.parent = 'vb.audit_chain'::regclass, d.parent::text;
END
$$;
