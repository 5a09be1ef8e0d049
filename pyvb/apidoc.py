"""The function reference of ``docs/api.md``, written from the deployed catalog and the function
headers, so that it cannot drift from the code.

For each function of ``vb_api`` and ``vb_ops``: its typed signature and result as PostgreSQL
states them (``pg_get_function_arguments`` / ``pg_get_function_result``), the roles that may
execute it (``has_function_privilege``, so the grants are read, not restated), its file, and its
header comment (the comment lines that open the file, as written). Everything above the marker
line of ``docs/api.md`` is written by hand; ``pyvb dev api-doc`` rewrites everything below it, and
``tests/test_api_doc.py`` fails when the committed file differs from what the catalog gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from pyvb.config import PROJECT_ROOT
from pyvb.layout import CREATES_FUNCTION, repeatable_files

MARKER = (
    "<!-- BEGIN GENERATED REFERENCE: pyvb dev api-doc writes everything below from the catalog"
    " and the function headers -->"
)
#: the schemas documented, with the roles whose EXECUTE right is shown
SCHEMAS = {
    "vb_api": ("vb_app", "vb_admin", "vb_feed"),
    "vb_ops": ("vb_ops",),
}
API_DOC = Path("docs") / "api.md"

CATALOG_SQL = """
SELECT n.nspname, p.proname, pg_catalog.pg_get_function_arguments(p.oid),
    pg_catalog.pg_get_function_result(p.oid), p.prokind,
    ARRAY(SELECT r FROM unnest(%(roles)s::text[]) AS r
          WHERE to_regrole(r) IS NOT NULL AND pg_catalog.has_function_privilege(r, p.oid, 'EXECUTE'))
FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s
ORDER BY p.proname, pg_catalog.pg_get_function_arguments(p.oid)
"""


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    arguments: str
    result: str | None  # None for a procedure
    roles: tuple[str, ...]
    path: str | None  # the file that creates it
    header: str


def _headers(root: Path) -> dict[str, tuple[str, str]]:
    """qualified name → (file, its opening comment without the ``-- `` prefixes)."""
    found = {}
    for file in repeatable_files(root):
        created = CREATES_FUNCTION.findall(file.text)
        if not created:
            continue
        lines = []
        for line in file.text.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[3:] if line.startswith("-- ") else line[2:])
        for name in created:
            found.setdefault(name.lower(), (file.path, "\n".join(lines).strip()))
    return found


def functions(database_url: str, root: Path = PROJECT_ROOT) -> list[Function]:
    headers = _headers(root)
    result = []
    with psycopg.connect(database_url) as conn:
        for schema, roles in SCHEMAS.items():
            rows = conn.execute(CATALOG_SQL, {"schema": schema, "roles": list(roles)}).fetchall()
            for nspname, name, arguments, returns, kind, granted in rows:
                path, header = headers.get(f"{nspname}.{name}", (None, ""))
                returns = None if kind == "p" else returns
                result.append(Function(nspname, name, arguments, returns, tuple(granted), path, header))
    return result


def render(found: list[Function]) -> str:
    out = [MARKER, ""]
    titles = {"vb_api": "Reference: `vb_api`", "vb_ops": "Reference: `vb_ops` (operations)"}
    for schema in SCHEMAS:
        listed = [f for f in found if f.schema == schema]
        out += [f"## {titles[schema]}", "", f"{len(listed)} functions, by name.", ""]
        for function in listed:
            signature = f"{function.schema}.{function.name}({function.arguments})"
            signature += f"\n  RETURNS {function.result}" if function.result is not None else "  -- procedure"
            callers = ", ".join(f"`{role}`" for role in function.roles) or "no role of the product"
            source = f"`{function.path}`" if function.path else "a migration"
            out += [
                f"### `{function.schema}.{function.name}`",
                "",
                "```sql",
                signature,
                "```",
                "",
                f"Who may call it: {callers}. Source: {source}.",
                "",
            ]
            if function.header:
                out += ["```text", function.header, "```", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def written_by_hand(text: str) -> str:
    """The part of ``docs/api.md`` above the marker (the marker's absence is an error)."""
    if MARKER not in text:
        raise ValueError(f"{API_DOC}: the marker line is missing: {MARKER}")
    return text.split(MARKER, 1)[0]


def api_doc(database_url: str, root: Path = PROJECT_ROOT) -> str:
    """What ``docs/api.md`` should hold: its hand-written part, then the generated reference."""
    by_hand = written_by_hand((root / API_DOC).read_text(encoding="utf-8"))
    return by_hand + render(functions(database_url, root))
