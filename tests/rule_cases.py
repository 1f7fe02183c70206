"""Discover and run the per-rule fixture cases under tests/fixtures/rules/.

Layout, one folder per rule code::

    tests/fixtures/rules/FM003/fail.md            a document that must trigger FM003
    tests/fixtures/rules/FM003/fail.expected      the expected findings, one per line
    tests/fixtures/rules/FM003/pass.md            a document that must not trigger it
    tests/fixtures/rules/LNK001/fail-moved/       a folder: a small corpus (its root),
    tests/fixtures/rules/LNK001/fail-moved.expected   optional pyproject.toml inside

Each case name starts with ``fail`` or ``pass``.  Expected lines read
``relative/path:line:column: CODE message``, paths relative to the case (the
file name for a one-file case).  Set ``UPDATE_EXPECTED=1`` to rewrite them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config, Settings, load_config
from pipeline.runner import Checker

RULE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"


@dataclass(frozen=True)
class Case:
    code: str
    name: str
    path: Path

    @property
    def expected_path(self) -> Path:
        return self.path.parent / f"{self.name}.expected"

    @property
    def failing(self) -> bool:
        return self.name.startswith("fail")

    @property
    def id(self) -> str:
        return f"{self.code}-{self.name}"


def discover_cases() -> list[Case]:
    cases: list[Case] = []
    if not RULE_FIXTURES.is_dir():
        return cases
    for folder in sorted(RULE_FIXTURES.iterdir()):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            if entry.suffix == ".expected":
                continue
            name = entry.name[:-3] if entry.name.endswith(".md") and entry.is_file() else entry.name
            if name.startswith(("fail", "pass")):
                cases.append(Case(folder.name, name, entry))
    return cases


def case_config(case: Case) -> Config:
    """A folder case's own pyproject.toml if it has one; the defaults otherwise."""
    pyproject = case.path / "pyproject.toml"
    if case.path.is_dir() and pyproject.is_file():
        return load_config(pyproject)
    return Config(Settings(root="."), (case.path if case.path.is_dir() else case.path.parent).resolve(), None)


def run_case(case: Case) -> list[str]:
    config = case_config(case)
    base = config.project_dir
    target = config.root if case.path.is_dir() else case.path.resolve()
    # All rules run (suppressions interact across rules); only the case's code is compared.
    checker = Checker(config)
    result = checker.check_paths([target])
    lines = []
    for d in result.diagnostics:
        if d.code != case.code:
            continue
        rel = Path(os.path.relpath(Path.cwd() / d.path, base)).as_posix()
        lines.append(f"{rel}:{d.line}:{d.column}: {d.code} {d.message}")
    return lines


def expected_lines(case: Case) -> list[str]:
    if not case.expected_path.is_file():
        return []
    return [line for line in case.expected_path.read_text(encoding="utf-8").splitlines() if line.strip()]
