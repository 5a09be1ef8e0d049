"""``pyvb maintain`` and ``pyvb archive``: the maintenance pass (``passes``) and the archives of
detached partitions (``archive``)."""

from pyvb.maintain.archive import (
    ArchiveError,
    LocalStore,
    S3Store,
    open_store,
    read_manifest,
    restore_archive,
    verify_archive,
)
from pyvb.maintain.passes import MAINTENANCE_LOCK_KEY, Maintainer, PassReport, status

__all__ = [
    "MAINTENANCE_LOCK_KEY",
    "ArchiveError",
    "LocalStore",
    "Maintainer",
    "PassReport",
    "S3Store",
    "open_store",
    "read_manifest",
    "restore_archive",
    "status",
    "verify_archive",
]
