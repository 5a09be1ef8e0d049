"""The mutation check stays applicable: each mutant's original text occurs exactly once in its file
(a refactor that moves or rewrites the code it mutates must update the mutant, not silently skip it)."""

from __future__ import annotations

import pytest

from pyvb.config import PROJECT_ROOT
from pyvb.mutate import MUTANTS


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_applies_to_exactly_one_place(mutant):
    text = (PROJECT_ROOT / mutant.path).read_text(encoding="utf-8")
    assert text.count(mutant.original) == 1, f"{mutant.path}: the mutated text must occur once"
    for test in mutant.tests:
        assert (PROJECT_ROOT / test).is_file(), test
