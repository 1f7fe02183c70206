"""Front-matter schemas: positions, fixes, the JSON Schema export and its
agreement with the pydantic models, and what the seeds get."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, SHARED

from pipeline.cli import cli
from pipeline.config import Config, Settings
from pipeline.document import parse
from pipeline.fixer import fix_loaded
from pipeline.loader import read_document
from pipeline.runner import Checker
from pipeline.schema import SCHEMAS, json_schema, render_schema, spans, validate_front_matter

RULES = FIXTURES / "rules"
GOOD_NOTE = FIXTURES / "cli" / "good-note.md"


def problems(text: str, doc_type: str = "note") -> list[tuple[str, int, int, str]]:
    doc = parse(text, "x.md", doc_type=doc_type)
    assert doc.front_matter is not None and doc.front_matter.data is not None
    return [(p.code, p.line, p.column, p.message) for p in
            validate_front_matter(doc.front_matter, doc.doc_type, doc_type)]


# ------------------------------------------------------------------ positions


def test_nested_items_have_their_own_lines() -> None:
    text = ('---\nrelated:\n  - target: "01"\n    reason: a\n  - target: "02"\n'
            '    reasn: b\n  -   target: 3\n      reason: c\n---\n')
    doc = parse(text, "x.md")
    assert doc.front_matter is not None
    where = spans(doc.front_matter)
    assert where[("related", 1)].value == (5, 5)
    assert where[("related", 1, "reasn")].key == (6, 5)
    assert where[("related", 2, "target")].value == (7, 15)


def test_cjk_columns_count_characters() -> None:
    found = problems("---\ntitle: 中文标题\nstatus: 完成\n---\n")
    status = [p for p in found if p[0] == "FM014"]
    assert status and status[0][1:3] == (3, 9)


def test_missing_key_is_at_the_opening_line() -> None:
    text = GOOD_NOTE.read_text(encoding="utf-8").replace('title: "KV Cache：FP16 → INT8"\n', "")
    assert problems(text) == [("FM010", 1, 1, '"title" is required')]


def test_typo_does_not_also_report_the_key_as_missing() -> None:
    text = GOOD_NOTE.read_text(encoding="utf-8").replace("title:", "tilte:", 1)
    assert [p[0] for p in problems(text)] == ["FM011"]


def test_chinese_key_does_not_also_report_the_key_as_missing() -> None:
    text = GOOD_NOTE.read_text(encoding="utf-8").replace("evolution:", "演进点:", 1)
    found = problems(text)
    assert [p[0] for p in found] == ["FM016"]
    assert 'use "evolution" instead of "演进点"' in found[0][3]


def test_impossible_date_is_one_finding_at_its_value_not_invalid_yaml() -> None:
    text = GOOD_NOTE.read_text(encoding="utf-8").replace("date: 2026-02-03", "date: 2026-13-03")
    doc = parse(text, "x.md")
    assert doc.front_matter is not None and doc.front_matter.problems == ()
    assert [(p[0], p[1], p[2]) for p in problems(text)] == [("FM013", 14, 7)]


def test_explicit_type_overrides_the_path() -> None:
    doc = parse("---\ntype: vault\ntitle: x\n---\n", "notes/a.md", doc_type="note")
    assert doc.doc_type == "vault"
    assert problems("---\ntype: vault\ntitle: x\nanything: goes\n---\n") == []


def test_well_formed_notes_pass() -> None:
    assert problems(GOOD_NOTE.read_text(encoding="utf-8")) == []
    corpus = ROOT / "corpus"
    notes = [p for p in corpus.rglob("*.md") if p.name != "README.md"] if corpus.is_dir() else []
    for path in notes:
        doc = parse(path.read_text(encoding="utf-8"), path.name)
        if doc.front_matter is not None and doc.front_matter.data is not None:
            assert validate_front_matter(doc.front_matter, "note", "note") == (), path


# ----------------------------------------------------------------------- fixes


def _fix(tmp_path: Path, text: str, unsafe: bool = False) -> str:
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    checker = Checker(Config(Settings(root="."), tmp_path, None), select=["FM"])
    loaded = read_document(path, "note.md", max_size=10**7, doc_type="note")
    outcome = fix_loaded(checker, loaded, unsafe=unsafe)
    return outcome.new_text if outcome.new_text is not None else text


def test_fix_renames_chinese_keys_and_quotes_numbers(tmp_path: Path) -> None:
    good = GOOD_NOTE.read_text(encoding="utf-8")
    broken = good.replace("evolution:", "演进点:", 1).replace('id: "07"', "id: 07")
    fixed = _fix(tmp_path, broken)
    assert fixed == good


def test_typo_rename_needs_unsafe_fixes(tmp_path: Path) -> None:
    good = GOOD_NOTE.read_text(encoding="utf-8")
    broken = good.replace("title:", "tilte:", 1)
    assert _fix(tmp_path, broken) == broken
    assert _fix(tmp_path, broken, unsafe=True) == good


# ---------------------------------------------------------------- JSON Schema


def _as_json(value: Any) -> Any:
    """What a YAML 1.2 editor sees: dates are strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    return value


def _fixture_cases() -> list[tuple[Path, str]]:
    cases = []
    for path in sorted(RULES.glob("FM0[1-2]*/**/*.md")):
        doc_type = "index" if path.name == "README.md" else "note"
        cases.append((path, doc_type))
    return cases


@pytest.mark.parametrize(("path", "doc_type"), _fixture_cases(), ids=lambda v: str(v)[-40:])
def test_json_schema_agrees_with_the_models(path: Path, doc_type: str) -> None:
    """Where JSON Schema can express a rule, it reaches the same verdict."""
    doc = parse(path.read_text(encoding="utf-8"), path.name, doc_type=doc_type)
    fm = doc.front_matter
    if fm is None or fm.data is None or doc.doc_type not in SCHEMAS:
        pytest.skip("no front-matter to compare")
    found = {p.code for p in validate_front_matter(fm, doc.doc_type, doc_type)}
    # Not expressible in JSON Schema: date order, real calendar dates, list uniqueness by key,
    # typos in open types; and FM019 replaces the per-key findings.
    beyond = {"FM018", "FM013", "FM020", "FM019", "FM011"}
    validator = jsonschema.Draft7Validator(json_schema(doc.doc_type))
    errors = list(validator.iter_errors(_as_json(fm.data)))
    if not found:
        assert errors == [], [e.message for e in errors]
    elif not found <= beyond:
        assert errors, f"{path}: models found {found}, JSON Schema found nothing"


def test_schemas_are_valid_draft7() -> None:
    for doc_type in SCHEMAS:
        jsonschema.Draft7Validator.check_schema(json_schema(doc_type))
        assert json.loads(render_schema(doc_type)) == json_schema(doc_type)


def test_committed_schemas_are_current() -> None:
    result = CliRunner().invoke(cli, ["schema", "--check", "--out", str(ROOT / "schemas")], catch_exceptions=False)
    assert result.exit_code == 0, "schemas/ is stale: run `make schemas` and commit\n" + result.output


def test_schema_command_writes_checks_and_prunes(tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    runner = CliRunner()
    stale = runner.invoke(cli, ["schema", "--check", "--out", str(out)], catch_exceptions=False)
    assert stale.exit_code == 1
    assert "+++ b/note.schema.json" in stale.stdout
    assert runner.invoke(cli, ["schema", "--out", str(out)]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{t}.schema.json" for t in sorted(SCHEMAS)]
    assert runner.invoke(cli, ["schema", "--check", "--out", str(out)]).exit_code == 0
    (out / "note.schema.json").write_text("{}\n", encoding="utf-8")
    (out / "old.schema.json").write_text("{}\n", encoding="utf-8")
    changed = runner.invoke(cli, ["schema", "--check", "--out", str(out)], catch_exceptions=False)
    assert changed.exit_code == 1
    assert "-{}" in changed.stdout and "+++ /dev/null" in changed.stdout
    assert runner.invoke(cli, ["schema", "--out", str(out)]).exit_code == 0
    assert not (out / "old.schema.json").exists()
    assert runner.invoke(cli, ["schema", "--check", "--out", str(out)]).exit_code == 0


# ----------------------------------------------------------------------- seeds


SEEDS = SHARED / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
def test_seeds_get_one_clear_front_matter_finding_each(tmp_path: Path) -> None:
    names = {"000": "README.md", "001": "001.md", "002": "002.md", "003": "003.md"}
    for seed in sorted(SEEDS.glob("00[0-3]_*.txt")):
        shutil.copy(seed, tmp_path / names[seed.name[:3]])
    checker = Checker(Config(Settings(root="."), tmp_path, None), select=["FM"])
    result = checker.check_paths([tmp_path])
    by_file: dict[str, list[str]] = {}
    for d in result.diagnostics:
        by_file.setdefault(Path(d.path).name, []).append(d.code)
    assert by_file == {"README.md": ["FM017"], "001.md": ["FM017"], "002.md": ["FM017"], "003.md": ["FM019"]}
