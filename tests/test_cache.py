"""The on-disk cache and the process pool: results never depend on them."""

from __future__ import annotations

from pathlib import Path

from pipeline.cache import Cache
from pipeline.config import load_config
from pipeline.runner import Checker

NOTE_A = """# 甲

## 关键公式

正文。
"""

NOTE_B = """# 乙

见 [甲的公式](./a.md#关键公式)。
"""


def _corpus(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "notes"\nselect = ["LNK", "SEC003"]\n',
                                             encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(NOTE_A, encoding="utf-8")
    (notes / "b.md").write_text(NOTE_B, encoding="utf-8")
    (notes / "README.md").write_text("# 索引\n\n- [甲](./a.md)\n- [乙](./b.md)\n", encoding="utf-8")
    return notes


def _check(tmp_path: Path, *, jobs: int = 1, cache: bool = True) -> list[tuple[str, int, str]]:
    config = load_config(tmp_path / "pyproject.toml")
    store = Cache(tmp_path / ".corpus_cache", config.fingerprint) if cache else None
    result = Checker(config, jobs=jobs, cache=store).check_paths([config.root])
    return [(Path(d.path).name, d.line, d.code) for d in result.diagnostics]


def test_heading_change_in_one_note_rechecks_links_in_another(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    assert _check(tmp_path) == []
    assert _check(tmp_path) == []  # warm
    (notes / "a.md").write_text(NOTE_A.replace("关键公式", "核心公式"), encoding="utf-8")
    assert ("b.md", 3, "LNK005") in _check(tmp_path)
    (notes / "a.md").write_text(NOTE_A, encoding="utf-8")
    assert _check(tmp_path) == []


def test_prose_edit_keeps_other_results(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    (notes / "b.md").write_text(NOTE_B + "\n[坏链接](./missing.md)\n", encoding="utf-8")
    first = _check(tmp_path)
    assert ("b.md", 5, "LNK001") in first
    (notes / "a.md").write_text(NOTE_A + "\n再补充一句。\n", encoding="utf-8")
    assert _check(tmp_path) == first


def test_configuration_change_invalidates(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    (notes / "b.md").write_text("# 乙\n\n#### 跳级\n\n正文。\n", encoding="utf-8")
    assert ("b.md", 3, "SEC003") in _check(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "notes"\nselect = ["LNK"]\n', encoding="utf-8")
    assert _check(tmp_path) == []


def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    (notes / "b.md").write_text(NOTE_B.replace("关键公式", "不存在"), encoding="utf-8")
    expected = _check(tmp_path)
    assert expected
    cache_dir = tmp_path / ".corpus_cache"
    assert (cache_dir / "CACHEDIR.TAG").is_file() and (cache_dir / ".gitignore").is_file()
    for f in cache_dir.rglob("*.pickle"):
        f.write_bytes(b"\x80\x04garbage")
    assert _check(tmp_path) == expected
    assert _check(tmp_path) == expected


def test_parallel_and_serial_agree(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    for i in range(60):
        (notes / f"n{i:02d}.md").write_text(f"# 笔记 {i}\n\n[下一篇](./n{i + 1:02d}.md#笔记-{i + 1})\n\n#### 跳级\n",
                                              encoding="utf-8")
    (notes / "README.md").write_text("# 索引\n\n- [甲](./a.md)\n- [乙](./b.md)\n- [首篇](./n00.md)\n",
                                     encoding="utf-8")
    serial = _check(tmp_path, jobs=1, cache=False)
    parallel = _check(tmp_path, jobs=2, cache=False)
    assert serial == parallel
    assert any(code == "LNK001" for _, _, code in serial)
    assert sum(code == "SEC003" for _, _, code in serial) == 60


def test_cross_file_phase_in_workers_agrees_with_serial(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Enough notes that the cross-file phase is finished by forked workers
    # too; their findings (anchors in other notes, the index, broken links)
    # must be exactly the serial run's, fresh and from the cache alike.
    from pipeline import runner

    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    count = 5 * runner.PARALLEL_THRESHOLD
    for i in range(count):
        anchor = f"笔记-{i + 1}" if i % 7 else "不存在的标题"
        (notes / f"n{i:03d}.md").write_text(
            f"# 笔记 {i}\n\n[下一篇](./n{i + 1:03d}.md#{anchor})\n\n#### 跳级\n", encoding="utf-8"
        )
    # Notes finished in this process (forked workers count in their own memory).
    here: list[int] = []
    original = runner._finish_chunk_with

    def spy(checker, items):  # type: ignore[no-untyped-def]
        here.append(len(items))
        return original(checker, items)

    monkeypatch.setattr(runner, "_finish_chunk_with", spy)
    serial = _check(tmp_path, jobs=1, cache=False)
    assert sum(here) > count
    here.clear()
    parallel = _check(tmp_path, jobs=2, cache=False)
    assert sum(here) == runner.PARALLEL_THRESHOLD  # the warm-up; workers did the rest
    assert serial == parallel
    assert sum(code == "LNK005" for _, _, code in serial) == len(range(0, count, 7))
    assert any(code == "LNK001" for _, _, code in serial)  # the last note links past the end
    assert _check(tmp_path, jobs=2) == serial  # fills the cache
    assert _check(tmp_path, jobs=2) == serial  # answered from it


# A note whose front-matter has schema problems, one with a fix (FM011
# renames "titel" to "title"): the memoised problems must give the same.
NOTE_FM = """---
titel: 甲
id: "01"
---

# 甲

## 关键公式

正文。
"""


def _fm_corpus(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "notes"\nselect = ["FM"]\n', encoding="utf-8")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text(NOTE_FM, encoding="utf-8")
    for i in range(3):
        (notes / f"n{i}.md").write_text(NOTE_FM.replace('"01"', f'"1{i}"'), encoding="utf-8")
    return notes


_PROBE = """
import json, sys
from pipeline.cli import main
try:
    main(["check", "--format", "json", *sys.argv[1:]])
except SystemExit:
    pass
print("\\n" + json.dumps("pipeline.schema" in sys.modules))
"""


def _probe(tmp_path: Path, *args: str) -> tuple[list[dict[str, object]], bool]:
    """The JSON findings of ``corpus check args``, and whether the run
    imported the pydantic schema models."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    out = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True).stdout
    report, _, imported = out.rstrip("\n").rpartition("\n")
    return json.loads(report), json.loads(imported)


def test_a_prose_edit_reuses_the_validated_front_matter(tmp_path: Path) -> None:
    notes = _fm_corpus(tmp_path)
    first, imported = _probe(tmp_path, "notes/a.md")
    assert imported and any(d["code"] == "FM011" and d["fixable"] for d in first)
    (notes / "a.md").write_text(NOTE_FM + "\n补充一句。\n", encoding="utf-8")
    again, imported = _probe(tmp_path, "notes/a.md")
    assert again == first and not imported  # the same findings and fix, without the pydantic models
    (notes / "a.md").write_text(NOTE_FM.replace('"01"', '"02"'), encoding="utf-8")
    changed, imported = _probe(tmp_path, "notes/a.md")
    assert imported and changed == first  # a front-matter edit is validated again


def test_one_changed_note_rewrites_few_record_files(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    for i in range(40):
        (notes / f"n{i:02d}.md").write_text(f"# 笔记 {i}\n\n正文。\n", encoding="utf-8")
    first = _check(tmp_path)
    shards = sorted((tmp_path / ".corpus_cache").glob("notes-*/*.pickle"))
    assert len(shards) > 10
    before = {p: p.stat().st_mtime_ns for p in shards}
    (notes / "n07.md").write_text("# 笔记 7\n\n改过的正文。\n", encoding="utf-8")
    assert _check(tmp_path) == first
    rewritten = [p for p in shards if p.stat().st_mtime_ns != before[p]]
    assert 1 <= len(rewritten) <= 2  # the new record's pack, and the old record's (forgotten)


def test_deleted_notes_leave_the_per_file_tables(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    notes = _fm_corpus(tmp_path)
    _check(tmp_path, jobs=1)
    config = load_config(tmp_path / "pyproject.toml")
    assert "n1.md" in Cache(tmp_path / ".corpus_cache", config.fingerprint).table("front-matter")
    (notes / "n1.md").unlink()
    _check(tmp_path, jobs=1)
    assert "n1.md" not in Cache(tmp_path / ".corpus_cache", config.fingerprint).table("front-matter")


def test_the_collector_thresholds_are_raised_for_a_run_and_restored(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gc

    from pipeline.rules.links import BrokenLink

    monkeypatch.chdir(tmp_path)
    _corpus(tmp_path)
    seen: list[tuple[int, int, int]] = []
    original = BrokenLink.check

    def spy(self, doc, ctx):  # type: ignore[no-untyped-def]
        seen.append(gc.get_threshold())
        return original(self, doc, ctx)

    monkeypatch.setattr(BrokenLink, "check", spy)
    before = gc.get_threshold()
    assert _check(tmp_path, cache=False) == []
    assert seen and all(t[0] > before[0] for t in seen)
    assert gc.get_threshold() == before


def test_an_unchanged_note_is_not_read_again(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After one note is edited, a run over many notes reads that note only:
    the others' records are found by their unchanged stat (size, mtime,
    inode). (A run over a few files reads them: loading the table of every
    file's digest would cost more.)"""
    import pipeline.runner as runner

    monkeypatch.chdir(tmp_path)
    notes = _corpus(tmp_path)
    for i in range(runner.PARALLEL_THRESHOLD):
        (notes / f"n{i:02d}.md").write_text(f"# 笔记 {i}\n\n见 [甲](./a.md)。\n", encoding="utf-8")
    first = _check(tmp_path)
    read: list[str] = []
    original = runner.read_bytes

    def counting(path, rel, **kwargs):  # type: ignore[no-untyped-def]
        read.append(rel)
        return original(path, rel, **kwargs)

    monkeypatch.setattr(runner, "read_bytes", counting)
    (notes / "b.md").write_text(NOTE_B.replace("关键公式", "不存在"), encoding="utf-8")
    assert sorted([*first, ("b.md", 3, "LNK005")]) == sorted(_check(tmp_path))
    assert read == ["b.md"]
