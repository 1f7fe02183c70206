"""pipeline.slug against github-slugger's own test suite (GitHub's heading anchors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.slug import Slugger, slug

LOCAL = Path(__file__).parent / "fixtures" / "github-slugger-fixtures.json"
SHARED = Path(__file__).parents[2] / "shared" / "fixtures" / "github-slugger-fixtures.json"


def _cases(path: Path) -> list[dict[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, list) and data, f"{path} holds no cases"
    return data


def _check(cases: list[dict[str, str]]) -> None:
    # One slugger over the whole list, as the upstream suite runs it: repeats get -1, -2.
    slugger = Slugger()
    failures = [(c["name"], c["input"], c["expected"], got) for c in cases
                if (got := slugger.slug(c["input"])) != c["expected"]]
    assert not failures, failures


def test_github_slugger_suite_local_copy() -> None:
    _check(_cases(LOCAL))


def test_github_slugger_suite_shared_copy() -> None:
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is absent (a clone without shared/)")
    _check(_cases(SHARED))


def test_local_copy_matches_shared() -> None:
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is absent")
    assert _cases(LOCAL) == _cases(SHARED)


@pytest.mark.parametrize(("text", "expected"), [
    ("8. 面试题库（12 题）", "8-面试题库12-题"),
    ("关键公式", "关键公式"),
    ("Q-Former → MLP", "q-former--mlp"),
])
def test_corpus_headings(text: str, expected: str) -> None:
    assert slug(text) == expected
