"""Every rule: documented, with a failing and a passing fixture, and each
fixture produces exactly its expected findings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rule_cases import Case, case_config, discover_cases, expected_lines, run_case

from pipeline.cache import Cache
from pipeline.rules import all_rules
from pipeline.runner import Checker

CASES = discover_cases()
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case: Case) -> None:
    got = run_case(case)
    if os.environ.get("UPDATE_EXPECTED") and case.failing:
        case.expected_path.write_text("".join(line + "\n" for line in got), encoding="utf-8")
    if case.failing:
        expected = expected_lines(case)
        assert expected, f"{case.expected_path} is missing or empty"
        assert got == expected
    else:
        assert got == [], f"{case.id} must not trigger {case.code}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_is_documented(rule) -> None:  # type: ignore[no-untyped-def]
    doc = rule.explain()
    for heading in SECTIONS:
        assert heading in doc, f"{rule.code} docstring lacks {heading!r}"
    if rule.fixable:
        assert "## Fix safety" in doc, f"{rule.code} fixes but does not document its fix safety"
    assert rule.summary and not rule.summary.endswith(".")
    assert rule.name == rule.name.lower() and " " not in rule.name


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_has_fixtures(rule) -> None:  # type: ignore[no-untyped-def]
    names = [c.name for c in CASES if c.code == rule.code]
    assert any(n.startswith("fail") for n in names), f"{rule.code} has no failing fixture"
    assert any(n.startswith("pass") for n in names), f"{rule.code} has no passing fixture"


def test_codes_are_unique_and_well_formed() -> None:
    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes))
    families = ("ENC", "FM", "SEC", "LNK", "LANG", "IDX")
    assert all(c.startswith(families) for c in codes)


DIRECTORY_CASES = [c for c in CASES if c.path.is_dir()]
CORPUS_SCOPE = {rule.code for rule in all_rules() if rule.scope == "corpus"}


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
@pytest.mark.parametrize("case", DIRECTORY_CASES, ids=[c.id for c in DIRECTORY_CASES])
def test_a_note_checked_alone_gets_its_findings_of_the_whole_run(case: Case, cached: bool, tmp_path: Path) -> None:
    """The pre-commit case: checking one file reads as little of the rest as
    it can (ids from front-matter or the cache's stat memo, other documents
    from the cache), and must still find what the whole run finds in it.
    Corpus-scope rules (orphans, duplicate ids across the corpus) run on
    whole-corpus runs only."""
    config = case_config(case)
    store = Cache(tmp_path / "cache", config.fingerprint) if cached else None
    whole = Checker(config, cache=store).check_paths([config.root]).diagnostics
    for path in sorted(config.root.rglob("*.md")):
        if cached:
            store = Cache(tmp_path / "cache", config.fingerprint)
        alone = Checker(config, cache=store).check_paths([path]).diagnostics
        expected = [d for d in whole if Path(d.path).resolve() == path.resolve() and d.code not in CORPUS_SCOPE]
        assert alone == expected, path
