"""LNK rules end to end: fixes, one-run index, and what a one-file check parses."""

from __future__ import annotations

from pathlib import Path

import pytest

import pipeline.linkindex as linkindex
from pipeline.cli import main
from pipeline.config import Config, Settings
from pipeline.corpus import discover
from pipeline.fixer import fix_loaded
from pipeline.runner import Checker


def write(root: Path, files: dict[str, str]) -> Config:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Config(Settings(root="."), root, None)


def fixed_text(config: Config, rel: str, *, unsafe: bool = False) -> str:
    checker = Checker(config, select=["LNK"])
    files, _ = discover([config.root / rel], config, checker.corpus)
    outcome = fix_loaded(checker, checker.load(files[0]), unsafe=unsafe)
    assert outcome.error is None
    return outcome.new_text if outcome.new_text is not None else (config.root / rel).read_text(encoding="utf-8")


OTHER = "# Other\n\n## Key Formula\n\n## 8. 面试题库（12 题）\n"


def test_safe_fixes_are_certain_and_edit_only_the_target(tmp_path: Path) -> None:
    config = write(tmp_path, {
        "A/note.md": ("# Note\n\n[moved](./moved.md#part) [case](./Other.md) [anchor](./other.md#Key-Formula)\n"
                      "[punct](./other.md#8.-面试题库12-题) [similar](./other.md#8-面试题库) [typo](./othr.md)\n"
                      "[self](#NOTE)\n"),
        "A/other.md": OTHER,
        "B/moved.md": "# Moved\n\n## Part\n",
    })
    assert fixed_text(config, "A/note.md") == (
        "# Note\n\n[moved](../B/moved.md#part) [case](./other.md) [anchor](./other.md#key-formula)\n"
        "[punct](./other.md#8-面试题库12-题) [similar](./other.md#8-面试题库) [typo](./othr.md)\n"
        "[self](#note)\n")


def test_fix_encodes_what_a_destination_cannot_hold(tmp_path: Path) -> None:
    config = write(tmp_path, {"A/note.md": "# N\n\n[x](./my notes.md)\n", "B/my notes.md": "# M\n"})
    # "./my notes.md" is not a link at all (a space ends the destination); with <> it is:
    (tmp_path / "A/note.md").write_text("# N\n\n[x](<./my notes.md>)\n", encoding="utf-8")
    assert fixed_text(config, "A/note.md") == "# N\n\n[x](<../B/my%20notes.md>)\n"


def test_unused_definition_fix_is_unsafe(tmp_path: Path) -> None:
    config = write(tmp_path, {"n.md": "# N\n\n[a][x]\n\n[x]: https://a.example.com\n[y]: https://b.example.com\n"})
    assert fixed_text(config, "n.md") == (tmp_path / "n.md").read_text(encoding="utf-8")
    assert fixed_text(config, "n.md", unsafe=True) == "# N\n\n[a][x]\n\n[x]: https://a.example.com\n"


def test_fix_command_rewrites_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\n', encoding="utf-8")
    write(tmp_path, {"A/note.md": "# N\n\n[m](./moved.md)\n", "B/moved.md": "# M\n", "README.md": "# R\n"})
    code = main(["fix", str(tmp_path / "A/note.md"), "--config", str(tmp_path / "pyproject.toml"), "-q",
                 "--select", "LNK"])
    assert code == 0
    assert (tmp_path / "A/note.md").read_text(encoding="utf-8") == "# N\n\n[m](../B/moved.md)\n"


def _many_notes(n: int) -> dict[str, str]:
    files = {f"S/{i:02d}_n.md": f'---\ntitle: N{i}\nid: "{i:02d}"\n---\n\n# N{i}\n\n## H\n' for i in range(n)}
    files["S/00_n.md"] = ('---\ntitle: N0\nid: "00"\nrelated:\n  - target: "05"\n    reason: r\n---\n\n# N0\n\n'
                          "[one](./01_n.md#h) [two](./02_n.md) [[03_n#H]]\n")
    return files


def test_one_file_check_parses_only_what_it_links_to(tmp_path: Path) -> None:
    config = write(tmp_path, _many_notes(30))
    checker = Checker(config, select=["LNK"])
    result = checker.check_paths([tmp_path / "S/00_n.md"])
    assert result.diagnostics == []
    # The note itself, and the two whose headings it names; "02" needs no parse
    # (existence is a listing lookup) and the id map read front-matter only.
    # (The checked note itself is held packed once its own rules have run.)
    parsed = set(checker.corpus._loaded) | set(checker.corpus._packed)
    assert parsed == {"S/00_n.md", "S/01_n.md", "S/03_n.md"}


def test_index_is_built_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []

    class Counting(linkindex.LinkIndex):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            built.append(self)

    monkeypatch.setattr(linkindex, "LinkIndex", Counting)
    config = write(tmp_path, _many_notes(10))
    Checker(config, select=["LNK"]).check_paths([tmp_path])
    assert len(built) == 1


def test_whole_corpus_orphans_and_duplicates(tmp_path: Path) -> None:
    files = _many_notes(4)
    files["README.md"] = "# R\n\n- [0](./S/00_n.md)\n"
    files["S/03_dup.md"] = '---\ntitle: D\nid: "03"\n---\n\n# D\n\n[[00_n]]\n'
    config = write(tmp_path, files)
    result = Checker(config, select=["LNK011", "LNK012"]).check_paths([tmp_path])
    got = sorted((Path(d.path).name, d.code) for d in result.diagnostics)
    assert got == [("03_dup.md", "LNK011"), ("03_n.md", "LNK012")]


def test_light_documents_keep_positions_fixes_and_block_references(tmp_path: Path) -> None:
    """Cross-file rules run on light documents (no text, no tokens): findings,
    front-matter positions, fixes and block references must not depend on the text."""
    config = write(tmp_path, {
        "A/note.md": ('---\ntitle: N\nrelated:\n  - "[[Nope]]"\n---\n\n# N\n\n'
                      "[m](./moved.md) [[other#^blk]] [[other#^gone]] [x](./other.md#Key)\n"),
        "A/other.md": "# O\n\n## Key\n\ntext ^blk\n",
        "B/moved.md": "# M\n",
    })
    result = Checker(config, select=["LNK"]).check_paths([tmp_path / "A/note.md"])
    got = [(d.code, d.line, d.column, d.fixable) for d in result.diagnostics]
    assert got == [("LNK006", 4, 8, False), ("LNK001", 9, 5, True), ("LNK008", 9, 34, False),
                   ("LNK005", 9, 62, True)]


def test_files_outside_the_root_are_not_link_checked(tmp_path: Path) -> None:
    config = write(tmp_path / "corpus", {"n.md": "# N\n"})
    (tmp_path / "outside.md").write_text("# O\n\n[x](./nope.md) [[nope]] [y](../../z.md)\n", encoding="utf-8")
    result = Checker(config, select=["LNK"]).check_paths([tmp_path / "outside.md"])
    assert result.diagnostics == []


def test_cached_runs_see_block_id_changes(tmp_path: Path) -> None:
    """Block ids live in prose; the runner's cross-file summary must cover them,
    or a cached [[note#^id]] verdict outlives the id."""
    from pipeline.cache import Cache

    config = write(tmp_path, {"README.md": "# R\n\n- [a](./a.md)\n- [b](./b.md)\n",
                              "a.md": "# A\n\n[[b#^blk]]\n", "b.md": "# B\n\ntext ^blk\n"})

    def run() -> list[str]:
        cache = Cache(tmp_path / ".corpus_cache", "test")
        return [d.code for d in Checker(config, select=["LNK"], cache=cache).check_paths([tmp_path]).diagnostics]

    assert run() == []
    (tmp_path / "b.md").write_text("# B\n\ntext ^other\n", encoding="utf-8")
    assert run() == ["LNK008"]
    (tmp_path / "b.md").write_text("# B\n\ntext ^blk\n", encoding="utf-8")
    assert run() == []
