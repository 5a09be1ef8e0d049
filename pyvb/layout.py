"""The deployable tree: which files are repeatable, in which order, and what each creates.

``procedures/NN_domain/<layer>/name.sql`` — the domain's number orders the domains (a domain may
use those before it), the layer says who may call what the file creates (``internal`` → schema
``vb``, ``ops`` → ``vb_ops``, ``api`` → ``vb_api``; ``views`` and ``triggers`` wire them to the
tables; ``grants`` says who may execute them). ``sql/seed/`` holds the optional seed data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pyvb.config import PROJECT_ROOT

#: A domain folder of procedures/: its number orders the domains (a domain may use those before it).
DOMAIN_FOLDER = re.compile(r"[0-9]{2}_[a-z][a-z0-9_]*")
#: The folders of a domain, in deploy order, and what each holds.
LAYER_FOLDERS = (
    "internal",  # schema vb: helpers only the project's own functions call
    "ops",  # schema vb_ops: maintenance, verification, relay (role vb_ops)
    "api",  # schema vb_api: what the middleware, back office and feed call
    "views",  # views over the domain's tables
    "triggers",  # triggers wiring the domain's functions to its tables
    "grants",  # who may execute the functions (procedures/99_access: every domain's, last)
)
CREATES_FUNCTION = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([a-z_]+\.[a-z0-9_]+)", re.I | re.M
)


class LayoutError(Exception):
    """A file of procedures/ is outside the layout; the message names it."""


@dataclass
class RepeatableFile:
    path: str  # relative to the project root, with forward slashes
    sha256: str
    text: str


def repeatable_files(root: Path = PROJECT_ROOT) -> list[RepeatableFile]:
    """The files of ``procedures/`` in deploy order: domain folders by number, within a domain the
    layer folders in :data:`LAYER_FOLDERS` order, within a layer by name. A file anywhere else
    is refused, so that no file is ordered by accident."""
    base = root / "procedures"
    keyed = []
    for path in base.rglob("*.sql"):
        parts = path.relative_to(base).parts
        if len(parts) != 3 or not DOMAIN_FOLDER.fullmatch(parts[0]) or parts[1] not in LAYER_FOLDERS:
            raise LayoutError(
                f"{path.relative_to(root).as_posix()}: not in procedures/NN_domain/<layer>/ "
                f"(layers: {', '.join(LAYER_FOLDERS)})"
            )
        keyed.append(((parts[0], LAYER_FOLDERS.index(parts[1]), parts[2]), path))
    files = []
    for _, path in sorted(keyed):
        data = path.read_bytes()
        files.append(
            RepeatableFile(
                path=path.relative_to(root).as_posix(),
                sha256=hashlib.sha256(data).hexdigest(),
                text=data.decode("utf-8"),
            )
        )
    return files


def seed_files(root: Path = PROJECT_ROOT) -> list[Path]:
    return sorted((root / "sql" / "seed").rglob("*.sql"))
