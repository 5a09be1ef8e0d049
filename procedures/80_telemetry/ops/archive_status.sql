-- vb_ops.archive_status()
--   → table (archive_mode text, archived_count bigint, last_archived_wal text,
--            last_archived_at timestamptz, failed_count bigint, last_failed_wal text,
--            last_failed_at timestamptz, failing boolean)
--
-- Continuous WAL archiving as the server sees it (pg_stat_archiver): for `pyvb backup status` and
-- the vb_db_wal_archive_* series. failing: archiving is on and its latest attempt failed (the
-- repository unwritable or unreachable): WAL then piles up in pg_wal until the disk fills, so
-- alert on it at once. Read-only. Raises: nothing.
CREATE OR REPLACE FUNCTION vb_ops.archive_status()
RETURNS TABLE (
    archive_mode text, archived_count bigint, last_archived_wal text, last_archived_at timestamptz,
    failed_count bigint, last_failed_wal text, last_failed_at timestamptz, failing boolean
)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT
        current_setting('archive_mode'),
        s.archived_count,
        s.last_archived_wal,
        s.last_archived_time,
        s.failed_count,
        s.last_failed_wal,
        s.last_failed_time,
        current_setting('archive_mode') <> 'off'
        AND s.last_failed_time IS NOT NULL
        AND s.last_failed_time > coalesce(s.last_archived_time, '-infinity')
    FROM pg_stat_archiver AS s;
$$;
