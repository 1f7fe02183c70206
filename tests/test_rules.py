"""Every rule: documented, with a failing and a passing fixture, and each
fixture produces exactly its expected findings."""

from __future__ import annotations

import os

import pytest
from rule_cases import Case, discover_cases, expected_lines, run_case

from pipeline.rules import all_rules

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
