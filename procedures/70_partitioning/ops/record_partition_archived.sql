-- vb_ops.record_partition_archived(p_parent regclass, p_range_from timestamptz, p_location text,
--     p_sha256 text, p_row_count bigint) → void
--
-- Records that the detached partition of p_parent starting at p_range_from was archived (its data
-- read back and matched its manifest): where, its sha256 and row count. Only then may
-- vb_ops.drop_detached_partition drop a partition that needs an archive.
-- Parameters: p_location 1–1000 characters; p_sha256 64 lower-case hex digits; p_row_count the
-- detached table's row count, which is checked (an archive of fewer rows than the table holds
-- cannot open the way to its drop).
-- Raises: VB001 when a parameter is malformed, the period is not detached and still undropped, or
-- p_row_count is not the table's row count.
CREATE OR REPLACE FUNCTION vb_ops.record_partition_archived(
    p_parent regclass, p_range_from timestamptz, p_location text, p_sha256 text, p_row_count bigint
) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_partition_name text;
    v_rows bigint;
BEGIN
    IF p_location IS NULL OR length(p_location) NOT BETWEEN 1 AND 1000 OR p_sha256 IS NULL
        OR p_sha256 !~ '^[0-9a-f]{64}$' OR p_row_count IS NULL OR p_row_count < 0 THEN
        RAISE EXCEPTION 'location (1-1000 characters), sha256 (64 hex digits) and row count (>= 0) are required'
            USING ERRCODE = 'VB001';
    END IF;
    SELECT ap.partition_name INTO v_partition_name FROM vb.archived_periods AS ap
    WHERE ap.parent = p_parent AND ap.range_from = p_range_from AND ap.dropped_at IS NULL
    FOR UPDATE;
    IF NOT found OR pg_catalog.to_regclass(v_partition_name) IS NULL THEN
        RAISE EXCEPTION 'no detached, undropped partition of % from %', p_parent, p_range_from
            USING ERRCODE = 'VB001';
    END IF;
    EXECUTE pg_catalog.format('SELECT count(*) FROM %s', pg_catalog.to_regclass(v_partition_name)) INTO v_rows;
    IF v_rows <> p_row_count THEN
        RAISE EXCEPTION 'the archive holds % rows, % holds %', p_row_count, v_partition_name, v_rows
            USING ERRCODE = 'VB001';
    END IF;
    UPDATE vb.archived_periods AS ap
    SET location = p_location, sha256 = p_sha256, row_count = p_row_count, archived_at = now()
    WHERE ap.parent = p_parent AND ap.range_from = p_range_from;
    PERFORM vb.audit(
        'vb_ops.record_partition_archived',
        jsonb_build_object(
            'parent', p_parent::text, 'range_from', p_range_from, 'location', vb.audit_text(p_location),
            'sha256', p_sha256, 'row_count', p_row_count
        ),
        jsonb_build_object('status', 'recorded')
    );
END
$$;
