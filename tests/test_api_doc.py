"""docs/api.md's reference is what the catalog and the function headers say, so it cannot drift:
a function added, removed, re-typed or re-granted, or a header edited, fails here until
`pyvb dev api-doc` rewrites it."""

from __future__ import annotations

from pyvb.apidoc import API_DOC, MARKER, api_doc, functions, render
from pyvb.config import PROJECT_ROOT
from pyvb.testing import run_pyvb


def test_every_public_and_operations_function_has_a_file_and_a_header(template_db):
    found = functions(template_db)
    assert {f.schema for f in found} == {"vb_api", "vb_ops"}
    missing = [f"{f.schema}.{f.name}" for f in found if f.path is None or not f.header]
    assert missing == [], "functions without a file of their own or without a header"
    unreachable = [f"vb_api.{f.name}" for f in found if f.schema == "vb_api" and not f.roles]
    assert unreachable == [], "vb_api functions no role of the product may call"


def test_docs_api_md_is_what_the_catalog_and_the_headers_say(template_db):
    committed = (PROJECT_ROOT / API_DOC).read_text(encoding="utf-8")
    assert committed == api_doc(template_db), f"{API_DOC} is out of date: run `pyvb dev api-doc`"


def test_the_reference_names_each_signature_as_postgresql_states_it(template_db):
    text = render(functions(template_db))
    assert text.startswith(MARKER)
    assert "vb_api.create_asset(p_code text, p_scale smallint, p_kind text DEFAULT" in text
    assert "Who may call it: `vb_feed`" in text  # ingest_quotes is the feed's alone


def test_the_check_command_fails_on_a_stale_reference(template_db, tmp_path):
    import os
    import shutil

    for folder in ("migrations", "procedures", "docs"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    env = dict(os.environ, VB_PROJECT_ROOT=str(tmp_path))
    fresh = run_pyvb("dev", "api-doc", "--check", "--database-url", template_db, env=env)
    assert fresh.returncode == 0, fresh.stderr
    doc = tmp_path / API_DOC
    by_hand, generated = doc.read_text(encoding="utf-8").split(MARKER)
    doc.write_text(by_hand + MARKER + generated.replace("vb_api.create_asset(", "vb_api.make_asset("))
    stale = run_pyvb("dev", "api-doc", "--check", "--database-url", template_db, env=env)
    assert stale.returncode == 1 and "out of date" in stale.stderr
    rewritten = run_pyvb("dev", "api-doc", "--database-url", template_db, env=env)
    assert rewritten.returncode == 0 and "vb_api.make_asset(" not in doc.read_text(encoding="utf-8")
