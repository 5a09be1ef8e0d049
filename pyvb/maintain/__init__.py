"""``pyvb maintain`` and ``pyvb archive``: the maintenance pass (``passes``), the archives of
detached partitions (``archive``) and where they are kept (``stores``)."""

from pyvb.maintain.archive import read_manifest, restore_archive, verify_archive
from pyvb.maintain.passes import MAINTENANCE_LOCK_KEY, Maintainer, PassReport, status
from pyvb.maintain.stores import ArchiveError, LocalStore, S3Store, open_store

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
