"""Properties of the whole pipeline, for any text and any bytes.

Each example is written to a real file under a temporary corpus root and goes
through the same path as ``corpus check`` / ``corpus fix``: discovery,
loading, every registered rule (new rules are covered as soon as they are
registered), suppressions, the fixer's fixed-point loop.

* check never raises, and every position it reports lies inside the file;
* fix is idempotent: fixing a fixed file changes nothing;
* fix changes nothing when check reports nothing fixable;
* fix never writes a file whose bytes could not be decoded with certainty;
* fix never alters code blocks, math or front-matter, except through a rule
  allowed to (``MAY_EDIT``: encoding repairs, and front-matter rules inside
  the front-matter).

Run longer with ``HYPOTHESIS_PROFILE=fuzz pytest tests/test_properties.py``
(see docs/robustness.md); CI runs ``HYPOTHESIS_PROFILE=ci``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, SHARED
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.config import Config, Settings
from pipeline.diagnostics import Diagnostic
from pipeline.document import Document, Suppression, parse
from pipeline.fixer import FixOutcome, fix_loaded
from pipeline.loader import Loaded, read_document
from pipeline.runner import Checker, _suppressing, _suppressing_all

NAME = "note.md"
MAX_SIZE = 10_000_000

# Which rule families may change which protected region when they fix.
MAY_EDIT = {
    "code": ("ENC",),
    "math": ("ENC",),
    "front_matter": ("ENC", "FM"),
}

# --------------------------------------------------------------------- strategies

# Pieces of Markdown that exercise every branch of the document builder, and
# the strings the regex audit found dangerous.
FRAGMENTS = [
    "\n", "\n\n", "\r\n", "\r", "\t", " ", "    ", "---\n", "---\r\n", "...\n",
    "# ", "## ", "###### ", "#", "> ", "- ", "* ", "1. ", "+ ", "|", "| --- |", ":-:",
    "```", "```python\n", "~~~", "`", "$", "$$", "\\[", "\\]", "\\(", "\\)",
    "[", "]", "(", ")", "](", "][", "[[", "]]", "![[", "|", "#", "!", "<", ">", "<>",
    "[a](b)", "[a][b]", "[b]: /x", "[b]: <a b>", "![i](p.png)", "<https://a.b/c>", "<a@b.c>",
    "[[note]]", "[[note#h|t]]", "![[img.png]]", "[t](note.md#h)", "[t](<a b.md>)",
    "{#id}", "{#a .b}", "<a id='x'>", '<a name="y"></a>', "<div>", "</div>", "<!--", "-->",
    "<!-- corpus: disable -->", "<!-- corpus: enable -->", "<!-- corpus: disable-next-line SEC002 -->",
    "<!-- corpus: disable FM001, SEC -->", "<!-- corpus: disable NOPE999 -->",
    "title: x\n", "tags: [a, b]\n", "a: &a [1]\nb: *a\n", "key: 'unclosed\n", "- item\n", "x: {y: [z]}\n",
    "中文", "标题", "é", "e\u0301", "\ufeff", "\u200b", "\u2028", "\x00", "\x0c", "\ufffd", "\U0001f600",
    "*", "_", "**", "~~", "&amp;", "&#x2F;", "&nbsp;", "%20", "\\", "\\`",
]

_text_piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8))
markdownish = st.lists(_text_piece, max_size=40).map("".join)
any_text = st.one_of(markdownish, st.text(max_size=200))


@st.composite
def encoded(draw: st.DrawFn) -> bytes:
    """Bytes a note file may really contain: text in some encoding, maybe
    with a BOM, maybe damaged by a stray byte."""
    text = draw(any_text)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16-le", "utf-16-be", "gb18030"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        bom = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
        data = bom + data
    if data and draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\x80", b"\xe6\xa0", b"\x00"])) + data[at:]
    return data


any_bytes = st.one_of(st.binary(max_size=300), encoded())


@st.composite
def notes(draw: st.DrawFn) -> str:
    """A well-formed note of the corpus: front-matter, one H1, sections with
    prose, a formula, code and a table (valid structure, random content)."""
    words = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=8)
    title = draw(words)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    parts = ["---", f"title: \"{title}\"", f"tags: [{draw(words)}]", "---", "", f"# {title}", ""]
    for _ in range(draw(st.integers(0, 4))):
        parts += [f"## {draw(words)}", "", " ".join(draw(st.lists(words, min_size=1, max_size=6))), ""]
        kind = draw(st.sampled_from(["math", "code", "table", "list", "quote", "none"]))
        if kind == "math":
            parts += ["$$", f"{draw(words)} = \\sum_i x_i", "$$", ""]
        elif kind == "code":
            parts += ["```python", f"print({draw(words)!r})", "```", ""]
        elif kind == "table":
            parts += ["| a | b |", "| --- | --- |", f"| {draw(words)} | {draw(words)} |", ""]
        elif kind == "list":
            parts += [f"- {draw(words)}", f"  - {draw(words)}", ""]
        elif kind == "quote":
            parts += [f"> {draw(words)}", ""]
    return newline.join(parts)


# ------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prop")


def _config(root: Path) -> Config:
    return Config(Settings(root="."), root, None)


def _write(root: Path, data: bytes) -> Path:
    for stale in root.iterdir():
        stale.unlink()
    path = root / NAME
    path.write_bytes(data)
    return path


def _load(path: Path) -> Loaded:
    return read_document(path, NAME, max_size=MAX_SIZE, doc_type="note")


def check(root: Path, data: bytes) -> tuple[list[Diagnostic], Loaded]:
    path = _write(root, data)
    result = Checker(_config(root)).check_paths([root])
    return result.diagnostics, _load(path)


def fix(root: Path, loaded: Loaded, *, unsafe: bool) -> FixOutcome:
    return fix_loaded(Checker(_config(root)), loaded, unsafe=unsafe)


def assert_positions(diagnostics: list[Diagnostic], doc: Document | None) -> None:
    for d in diagnostics:
        assert d.path.endswith(NAME), d
        points = [(d.line, d.column)]
        if d.end_line is not None:
            points.append((d.end_line, d.end_column if d.end_column is not None else 1))
        for line, column in points:
            if doc is None:
                assert (line, column) == (1, 1), d
                continue
            assert 1 <= line <= doc.line_count, (d, doc.line_count)
            assert 1 <= column <= len(doc.line_text(line)) + 1, (d, doc.line_text(line))


def protected(doc: Document) -> dict[str, object]:
    return {
        "code": [c.content for c in doc.code_blocks],
        "math": sorted(m.content for m in doc.math),
        "front_matter": doc.front_matter.raw if doc.front_matter else None,
    }


def assert_fix_is_sound(root: Path, loaded: Loaded, *, unsafe: bool) -> None:
    outcome = fix(root, loaded, unsafe=unsafe)
    if loaded.document is not None and not loaded.document.exact:
        # Undecodable bytes (or a guessed encoding): writing would destroy them.
        assert not outcome.changed and outcome.error is not None
        return
    assert outcome.error is None, outcome.error  # fixes must converge
    if not outcome.changed:
        return
    assert outcome.new_data is not None and outcome.new_text is not None and loaded.document is not None
    # Protected regions: unchanged unless a rule allowed to edit them fixed something.
    codes = {code for code, _fix in outcome.applied}
    before = protected(loaded.document)
    after = protected(parse(outcome.new_text, NAME))
    for region, families in MAY_EDIT.items():
        if not any(code.startswith(families) for code in codes):
            assert after[region] == before[region], (region, sorted(codes))
    # Idempotent: the fixed file, read back from disk, has nothing left to fix.
    path = root / NAME
    path.write_bytes(outcome.new_data)
    again = fix(root, _load(path), unsafe=unsafe)
    assert again.error is None, again.error
    assert not again.changed, (sorted(codes), again.applied)


# ------------------------------------------------------------------------ properties


@given(any_text)
@example("")
@example("---\n- a\n---\n")
@example("---\na: " + "[" * 200 + "\n---\n")
@example("---\n---")  # SEC010 was anchored on line 3 of 2 (body_start_line past the end)
@example("# a\r# b\r\xff")
def test_check_any_text(root: Path, text: str) -> None:
    diagnostics, loaded = check(root, text.encode("utf-8", errors="surrogatepass"))
    assert_positions(diagnostics, loaded.document)


@given(any_bytes)
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"a\rb\r\xff")
@example(b"\x89PNG\r\n\x1a\n")
@example(b"\xff\xfe#\x00 \x00")
@example(b"-;`\n``\xfc\xb10`@\xe8` `\"")  # atheris: guessed UTF-16, ENC006 was on line 2 of 1
@example("\ufeff# 标题\n\n正文 ".encode() + b"\xff\xfe" + " 后文\n# 二\n".encode())  # guessed ptcp154
def test_check_any_bytes(root: Path, data: bytes) -> None:
    diagnostics, loaded = check(root, data)
    assert_positions(diagnostics, loaded.document)


@given(any_bytes, st.booleans())
@example(b"\xef\xbb\xbf# t\r\n", False)
@example("# 标题\n".encode("gb18030"), False)
@example("# 标题\n\n正文 ".encode() + b"\xff\xfe" + " 后文\n# 二\n".encode(), False)  # was rewritten as mojibake
def test_fix_any_bytes(root: Path, data: bytes, unsafe: bool) -> None:
    _write(root, data)
    assert_fix_is_sound(root, _load(root / NAME), unsafe=unsafe)


@given(any_text, st.booleans())
def test_fix_any_text(root: Path, text: str, unsafe: bool) -> None:
    _write(root, text.encode("utf-8", errors="surrogatepass"))
    assert_fix_is_sound(root, _load(root / NAME), unsafe=unsafe)


@given(notes(), st.booleans())
def test_fix_changes_nothing_without_fixable_findings(root: Path, text: str, unsafe: bool) -> None:
    diagnostics, loaded = check(root, text.encode("utf-8"))
    assert_positions(diagnostics, loaded.document)
    fixable = [d for d in diagnostics if d.fix is not None and (unsafe or d.fix.safe)]
    outcome = fix(root, loaded, unsafe=unsafe)
    if not fixable:
        assert not outcome.changed, outcome.applied
    assert_fix_is_sound(root, loaded, unsafe=unsafe)


# ------------------------------------------------------------------- real documents


def _real_documents() -> Iterator[Path]:
    yield from sorted((FIXTURES / "cli").rglob("*.md"))
    yield from sorted((FIXTURES / "rules").rglob("*.md"))
    seeds = SHARED / "seeds"
    if seeds.is_dir():
        yield from sorted(p for p in seeds.iterdir() if p.suffix in (".md", ".txt"))


@pytest.mark.parametrize("source", [p for p in _real_documents() if p.is_file()],
                         ids=lambda p: os.path.relpath(p, FIXTURES.parent.parent))
def test_real_documents(root: Path, source: Path) -> None:
    data = source.read_bytes()
    diagnostics, loaded = check(root, data)
    assert_positions(diagnostics, loaded.document)
    for unsafe in (False, True):
        _write(root, data)
        assert_fix_is_sound(root, _load(root / NAME), unsafe=unsafe)


# ------------------------------------------------------------------ the fuzz target


def test_fuzz_target_runs() -> None:
    """fuzz/fuzz_check.py's property function, on a few inputs, so the
    target cannot rot between fuzzing campaigns."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_check", FIXTURES.parent.parent / "fuzz" / "fuzz_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for data in (b"", b"\xef\xbb\xbf\xef\xbb\xbf# t\n", "# 标题\n".encode("gb18030"), b"---\n- a\n---\n", b"\x00\xff"):
        module.check_one(data)


# ------------------------------------------------------------------ suppressions


_codes = st.sampled_from(["ALL", "SEC", "SEC002", "SEC003", "S", "FM", "FM001", "ENC005"])
_suppression = st.builds(
    Suppression, st.sampled_from(["disable", "enable", "disable-next-line"]),
    st.lists(_codes, max_size=3).map(tuple), st.integers(1, 12), st.integers(1, 3))


@given(st.lists(_suppression, max_size=12),
       st.lists(st.tuples(st.sampled_from(["SEC002", "SEC003", "FM001", "ENC005", "LNK001"]), st.integers(1, 14)),
                max_size=12))
def test_one_sweep_suppression_matches_the_reference(events: list[Suppression], queries: list[tuple[str, int]]) -> None:
    """The runner's one-pass suppression lookup (linear) answers exactly as
    the per-finding reference did."""
    events = sorted(events, key=lambda s: (s.line, s.column))
    assert _suppressing_all(events, queries) == [_suppressing(events, code, line) for code, line in queries]


def _glob_reference(rel_path: str, pattern: str) -> bool:
    # The definition: fnmatch, where a leading "**/" may also match no folder.
    import fnmatch

    if fnmatch.fnmatchcase(rel_path, pattern):
        return True
    return pattern.startswith("**/") and _glob_reference(rel_path, pattern[3:])


_GLOB_PARTS = st.sampled_from(["**/", "*", "*.md", "README.md", "a/", "notes/", "?", "[ab]", "x", "/", ".md", "笔记"])
_PATH_PARTS = st.sampled_from(["a", "b", "notes", "README.md", "x.md", "笔记.md", "/", ".", "md", "ab"])


@given(st.lists(_PATH_PARTS, max_size=6).map("".join), st.lists(_GLOB_PARTS, max_size=5).map("".join))
@example("README.md", "**/README.md")
@example("a/b/x.md", "**/**/*.md")
@example("x.md", "**/a/**/*.md")
def test_glob_match_is_the_reference(rel_path: str, pattern: str) -> None:
    from pipeline.config import glob_match

    assert glob_match(rel_path, pattern) == _glob_reference(rel_path, pattern)


_GLOBS = st.lists(_GLOB_PARTS, max_size=4).map("".join)


@given(st.lists(_PATH_PARTS, max_size=6).map("".join), st.lists(_GLOBS, max_size=3), st.lists(_GLOBS, max_size=3))
@example("notes/x.md", ["**/*.md"], [])
@example("a/x.md", ["**/*.md", "x"], ["a/*"])
def test_included_is_any_include_and_no_exclude(rel_path: str, include: list[str], exclude: list[str]) -> None:
    """Config.is_included joins the globs into one regex; it answers as
    matching them one by one does."""
    config = Config(Settings(include=include, exclude=exclude), Path("."), None)
    expected = (any(_glob_reference(rel_path, g) for g in include)
                and not any(_glob_reference(rel_path, g) for g in exclude))
    assert config.is_included(rel_path) == expected


_NAMES = st.sampled_from(["a", "b", "ab", "a b", "笔记", "a.md", "b.md", "README.md", "x.txt", "Z.md", "a-b.md"])


@given(st.lists(st.lists(_NAMES, min_size=1, max_size=4).map("/".join), max_size=30),
       st.lists(_NAMES, max_size=3).map("/".join))
@example(["a/x.md", "a.md", "a b/y.md", "a/b/z.md", "a-b.md"], "a")
def test_markdown_in_is_the_folder_s_markdown_files(paths: list[str], folder: str) -> None:
    """Corpus.markdown_in bisects the sorted listing; it answers as grouping
    the Markdown files by their folder does (neighbours such as "a b/" and
    "a-b.md" sort between "a/" entries' siblings)."""
    from pipeline.corpus import Corpus

    corpus = Corpus(Config(Settings(root="."), Path("."), None))
    corpus._files = sorted(set(paths))  # the listing, as a scan would leave it
    corpus._dirs = {""}
    expected = tuple(p for p in corpus.markdown_files if os.path.dirname(p) == folder)
    assert corpus.markdown_in(folder) == expected
    assert corpus.markdown_in(folder) is corpus.markdown_in(folder)
