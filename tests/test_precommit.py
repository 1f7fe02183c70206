"""The published hooks, run by the real pre-commit in a throw-away repository:
a commit with a broken note fails, a clean one passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _head_with_hooks(tmp: Path) -> tuple[Path, str]:
    """A clone of this repository whose HEAD has the current hooks file and package."""
    clone = tmp / "tool"
    shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(".venv", ".git", "corpus", "__pycache__",
                                                                ".pytest_cache", ".corpus_cache", "bench"))
    _git(clone, "init", "-q")
    _git(clone, "add", "-A")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tool")
    return clone, _git(clone, "rev-parse", "HEAD")


def test_pre_commit_blocks_a_broken_note(tmp_path: Path) -> None:
    tool, rev = _head_with_hooks(tmp_path)
    repo = tmp_path / "notes"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tool.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: corpus-check\n",
        encoding="utf-8")
    (repo / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\n', encoding="utf-8")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    pre_commit = [sys.executable, "-m", "pre_commit"]

    (repo / "bad.md").write_text("# 一\n\n# 二\n", encoding="utf-8")
    _git(repo, "add", "-A")
    bad = subprocess.run([*pre_commit, "run", "--files", "bad.md"], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=900)
    assert bad.returncode != 0, bad.stdout + bad.stderr
    assert "SEC002" in bad.stdout

    # A complete note: front-matter, 公式, 代码 and 对比 sections (docs/note-format.md).
    good_note = REPO / "tests" / "fixtures" / "cli" / "good-note.md"
    (repo / "bad.md").write_text(good_note.read_text(encoding="utf-8"), encoding="utf-8")
    # Its related note "06" must exist too, or LNK009 rightly reports the dangling id.
    partner = good_note.read_text(encoding="utf-8").replace('id: "07"', 'id: "06"').replace('target: "06"', 'target: "07"')
    (repo / "partner.md").write_text(partner, encoding="utf-8")
    _git(repo, "add", "-A")
    good = subprocess.run([*pre_commit, "run", "--files", "bad.md"], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)
    assert good.returncode == 0, good.stdout + good.stderr
