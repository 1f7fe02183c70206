"""The link index: resolution as GitHub and Obsidian do it, anchors, front-matter positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config, Settings
from pipeline.corpus import Corpus
from pipeline.document import parse
from pipeline.linkindex import (
    LinkIndex,
    find_wiki_heading,
    front_matter_wikilinks,
    match_fragment,
    read_front_matter,
    related_entries,
    relative_link,
    split_target,
    wiki_heading_key,
)


def make_corpus(root: Path, files: dict[str, str]) -> Corpus:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Corpus(Config(Settings(root="."), root, None))


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize(("raw", "path", "fragment", "scheme"), [
    ("./a.md", "./a.md", None, None),
    ("./a.md#x", "./a.md", "x", None),
    ("./%E7%AC%94%E8%AE%B0.md?plain=1#%E5%85%AC", "./笔记.md", "公", None),
    ("#", "", "", None),
    ("https://x.org/a#b", "https://x.org/a", "b", "https"),
    ("C:/notes/x.md", "C:/notes/x.md", None, None),
    ("mailto:a@b.c", "mailto:a@b.c", None, "mailto"),
])
def test_split_target(raw: str, path: str, fragment: str | None, scheme: str | None) -> None:
    t = split_target(raw)
    assert (t.path, t.fragment, t.scheme) == (path, fragment, scheme)


def test_relative_link() -> None:
    assert relative_link("A/note.md", "B/x.md") == "../B/x.md"
    assert relative_link("A/note.md", "A/x.md") == "./x.md"
    assert relative_link("A/note.md", "A/x.md", dot_slash=False) == "x.md"
    assert relative_link("note.md", "A/x.md") == "./A/x.md"


def test_resolve_is_case_sensitive_and_knows_folders(tmp_path: Path) -> None:
    index = LinkIndex(make_corpus(tmp_path, {
        "README.md": "# R\n", "A/note.md": "# N\n", "A/README.md": "# A\n", "B/keep.txt": "x\n",
    }))
    assert index.resolve("A/note.md", "./README.md").status == "file"
    assert index.resolve("A/note.md", "./readme.md").status == "missing"
    assert index.case_variants("A/readme.md") == ["A/README.md"]
    assert index.resolve("A/note.md", "../A/").rel == "A/README.md"
    assert index.resolve("A/note.md", "../A").status == "folder"
    assert index.resolve("A/note.md", "./").rel == "A/README.md"
    assert index.resolve("A/note.md", "../B").status == "folder-without-readme"
    assert index.resolve("A/note.md", "../../x.md").status == "outside"
    assert index.resolve("A/note.md", "/x.md").status == "absolute"
    assert index.resolve("A/note.md", "C:\\x.md").status == "absolute"
    assert index.resolve("A/note.md", "../A/./note.md").rel == "A/note.md"


def test_hidden_folders_are_checked_on_disk_case_sensitively(tmp_path: Path) -> None:
    index = LinkIndex(make_corpus(tmp_path, {"n.md": "# N\n", ".assets/Icon.png": "x"}))
    assert index.resolve("n.md", "./.assets/Icon.png").status == "file"
    assert index.resolve("n.md", "./.assets/icon.png").status == "missing"


def test_moved_and_closest(tmp_path: Path) -> None:
    index = LinkIndex(make_corpus(tmp_path, {
        "A/11_Connector.md": "# C\n", "B/README.md": "# B\n", "C/README.md": "# C\n", "A/x.md": "# X\n",
    }))
    assert index.moved_to("Z/11_Connector.md") == "A/11_Connector.md"
    assert index.moved_to("Z/README.md") is None  # too generic to be certain
    assert index.closest_file("A/11_Conector.md") == "A/11_Connector.md"
    assert index.closest_file("A/12_Other.md") is None
    assert index.closest_file("D/README.md") is None
    assert index.missing_folder("D/E/x.md") == "D"


# ------------------------------------------------------------------ anchors


def test_match_fragment() -> None:
    anchors = frozenset({"关键公式", "8-面试题库12-题", "key-formula", "key-formula-1"})
    assert match_fragment("关键公式", anchors).ok
    assert match_fragment("top", anchors).ok and match_fragment("", anchors).ok
    assert match_fragment("user-content-key-formula", anchors).ok
    case = match_fragment("Key-Formula", anchors)
    assert not case.ok and case.fix == "key-formula" and case.reason == "letter case"
    punct = match_fragment("8. 面试题库（12 题）", anchors)
    assert punct.fix == "8-面试题库12-题"
    similar = match_fragment("8-面试题库", anchors)
    assert similar.fix is None and similar.suggestion == "8-面试题库12-题"
    assert match_fragment("公式", anchors).suggestion == "关键公式"
    assert match_fragment("zzz", anchors).suggestion is None


def test_nfd_fragment_is_fixed_to_nfc() -> None:
    match = match_fragment("cafe\u0301", frozenset({"caf\u00e9"}))
    assert match.fix == "caf\u00e9"


def test_explicit_ids_are_anchors() -> None:
    doc = parse('# T\n\n<a name="n1"></a> <span id="s1">x</span>\n\n<div data-id="no" id="d1"></div>\n\n## H {#h1}\n')
    assert {"t", "n1", "s1", "d1", "h1"} <= doc.anchors
    assert "no" not in doc.anchors


# ------------------------------------------------------------------ wiki


def test_wiki_heading_key_follows_obsidian() -> None:
    assert wiki_heading_key("8. 面试题库（12 题）") == wiki_heading_key("8 面试题库 12 题")
    assert wiki_heading_key("Is it fast?") == wiki_heading_key("is it fast")
    assert wiki_heading_key("a, b") == wiki_heading_key("a b")
    assert wiki_heading_key("Q-Former") != wiki_heading_key("QFormer")


def test_find_wiki_heading_nesting_and_blocks() -> None:
    doc = parse("# T\n\n## A\n\n### B\n\n## C\n\ntext ^blk-1\n")
    assert find_wiki_heading(doc, ["A", "B"]) == (True, None)
    assert find_wiki_heading(doc, ["A", "C"])[0] is False
    assert find_wiki_heading(doc, ["^blk-1"]) == (True, None)
    assert find_wiki_heading(doc, ["^blk-2"]) == (False, "^blk-1")


def test_resolve_wiki(tmp_path: Path) -> None:
    index = LinkIndex(make_corpus(tmp_path, {
        "AI/MLLM/CLIP.md": "# C\n", "papers/CLIP.md": "# P\n", "AI/BLIP-2.md": "# B\n",
        "AI/img/fig.png": "x", "AI/note.md": "# N\n",
    }))
    assert index.resolve_wiki("AI/note.md", "AI/MLLM/CLIP").rel == "AI/MLLM/CLIP.md"
    assert index.resolve_wiki("AI/note.md", "AI/MLLM/CLIP.md").rel == "AI/MLLM/CLIP.md"
    assert index.resolve_wiki("AI/note.md", "MLLM/CLIP").rel == "AI/MLLM/CLIP.md"
    assert index.resolve_wiki("AI/note.md", "BLIP-2").rel == "AI/BLIP-2.md"
    assert index.resolve_wiki("AI/note.md", "blip-2").rel == "AI/BLIP-2.md"  # Obsidian ignores case
    assert index.resolve_wiki("AI/note.md", "./BLIP-2").rel == "AI/BLIP-2.md"
    assert index.resolve_wiki("AI/note.md", "fig.png").rel == "AI/img/fig.png"
    amb = index.resolve_wiki("AI/note.md", "CLIP")
    assert amb.status == "ambiguous" and amb.rels == ("AI/MLLM/CLIP.md", "papers/CLIP.md")
    assert index.resolve_wiki("AI/note.md", "Nope").status == "missing"
    assert index.resolve_wiki("AI/note.md", "").status == "self"
    assert index.closest_wiki("BLIP2") == "BLIP-2"


# ------------------------------------------------------------------ front-matter

FM = """---
title: T
id: "11"
related:
  - "[[AI/MLLM/CLIP|CLIP]]"
  - target: "S1"
    reason: r
  - target: ../x.md
    reason: r
  - {target: '12', reason: r}
sources: ["see [[A]] and [[B#h]]"]
---

# T
"""


def test_front_matter_wikilinks_have_their_own_positions() -> None:
    doc = parse(FM)
    found = [(fl.target, fl.line, fl.column, fl.key) for fl in front_matter_wikilinks(doc)]
    assert found == [("AI/MLLM/CLIP", 5, 8, "related"), ("A", 11, 18, "sources"), ("B#h", 11, 28, "sources")]
    first = front_matter_wikilinks(doc)[0]
    assert doc.text[first.start:first.end] == "AI/MLLM/CLIP"


def test_front_matter_positions_survive_crlf() -> None:
    doc = parse(FM.replace("\n", "\r\n"))
    fl = front_matter_wikilinks(doc)[0]
    assert (fl.line, fl.column) == (5, 8) and doc.text[fl.start:fl.end] == "AI/MLLM/CLIP"


def test_related_entries() -> None:
    doc = parse(FM)
    entries = [(e.target, e.line, e.column) for e in related_entries(doc)]
    assert entries == [("[[AI/MLLM/CLIP|CLIP]]", 5, 6), ("S1", 6, 14), ("../x.md", 8, 13), ("12", 10, 15)]
    for e in related_entries(doc):
        assert doc.text[e.start:e.end] == e.target


def test_read_front_matter_cheaply(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(FM, encoding="utf-8")
    (tmp_path / "b.md").write_text("# no front-matter\n", encoding="utf-8")
    (tmp_path / "c.md").write_text("---\n: [bad\n---\n", encoding="utf-8")
    assert (read_front_matter(tmp_path / "a.md") or {})["id"] == "11"
    assert read_front_matter(tmp_path / "b.md") is None
    assert read_front_matter(tmp_path / "c.md") is None
    assert read_front_matter(tmp_path / "missing.md") is None


def test_wiki_links_in_math_and_code_are_not_links() -> None:
    doc = parse("a $x$ [[real]] $$[[1]]$$ and $[[2, 3]]$ `[[code]]` [[b|B]]\n")
    assert [link.target for link in doc.links] == ["real", "b"]


def test_definition_in_angle_brackets_keeps_its_spaces() -> None:
    doc = parse("# T\n\n[x][d]\n\n[d]: <./my notes.md> \"title\"\n")
    (definition,) = [link for link in doc.links if link.kind == "definition"]
    assert definition.target == "./my notes.md"
    assert doc.text[definition.start:definition.end] == "./my notes.md"


def test_a_note_looked_up_is_held_light_and_forget_reads_it_again(tmp_path: Path) -> None:
    """Corpus.document keeps a note it reads for other files' rules light
    (index READMEs whole); after forget (corpus fix rewrote the file) the
    next ask reads the file again instead of the held copy."""
    corpus = make_corpus(tmp_path, {"a.md": "# 甲\n\n## 关键公式\n", "README.md": "# 索引\n\n- [甲](./a.md)\n"})
    assert corpus.digest("a.md") and corpus.holds("a.md")
    light = corpus.document("a.md")
    assert light is not None and light.text == "" and "关键公式" in light.anchors
    readme = corpus.document("README.md")
    assert readme is not None and readme.text.startswith("# 索引")
    (tmp_path / "a.md").write_text("# 甲\n\n## 核心公式\n", encoding="utf-8")
    assert "关键公式" in corpus.document("a.md").anchors  # type: ignore[union-attr]  # held: not re-read
    corpus.forget("a.md")
    assert not corpus.holds("a.md")
    assert "核心公式" in corpus.document("a.md").anchors  # type: ignore[union-attr]
