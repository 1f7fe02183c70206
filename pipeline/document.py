"""Text -> Document: front-matter, tokens, section tree, links, math, code, tables.

Everything here is positional: lines are 1-based, columns are 1-based and
count characters (not bytes), so a CJK heading reports the column a reader
sees in an editor.  The source text is kept exactly as read (line endings
included) because fixes are edits on its character offsets.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.texmath import texmath_plugin

from pipeline.slug import Slugger

_NEWLINE = re.compile(r"\r\n|\r|\n")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class YamlProblem:
    """A YAML error or a structural problem, at a 1-based position in the file."""

    kind: str  # "syntax" | "not-mapping" | "duplicate-key" | "alias-bomb" | "unclosed"
    message: str
    line: int
    column: int


@dataclass(frozen=True)
class FrontMatter:
    raw: str
    data: dict[str, Any] | None  # None when the YAML is invalid or not a mapping
    start_line: int  # line of the opening ``---``
    end_line: int  # line of the closing ``---``
    key_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    value_positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: tuple[YamlProblem, ...] = ()


@dataclass(frozen=True)
class Section:
    level: int
    title: str
    slug: str
    line: int  # line of the heading
    end_line: int  # last line of the section, its subsections included
    column: int
    children: tuple[Section, ...] = ()

    def walk(self) -> list[Section]:
        out = [self]
        for child in self.children:
            out.extend(child.walk())
        return out


@dataclass(frozen=True)
class Link:
    kind: str  # "inline" | "reference" | "image" | "autolink" | "wiki" | "embed" | "definition"
    target: str  # as written in the source (not percent-encoded by the parser)
    text: str
    line: int
    column: int  # column of the target in the source
    start: int = -1  # character offset of the target
    end: int = -1
    label: str = ""  # reference label, for reference-style links and definitions


@dataclass(frozen=True)
class Math:
    kind: str  # "inline" | "display"
    content: str
    line: int
    end_line: int


@dataclass(frozen=True)
class CodeBlock:
    info: str
    language: str
    content: str
    line: int  # line of the opening fence
    end_line: int
    fenced: bool
    closed: bool


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line: int
    end_line: int


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    slug: str
    line: int
    column: int


@dataclass(frozen=True)
class Suppression:
    action: str  # "disable" | "enable" | "disable-next-line"
    codes: tuple[str, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """One parsed Markdown file.  Built by :func:`parse`; never mutated."""

    path: str  # POSIX path relative to the corpus root when inside it
    text: str
    tokens: tuple[Token, ...]
    front_matter: FrontMatter | None
    headings: tuple[Heading, ...]
    sections: tuple[Section, ...]  # top-level sections (the tree)
    links: tuple[Link, ...]
    math: tuple[Math, ...]
    code_blocks: tuple[CodeBlock, ...]
    tables: tuple[Table, ...]
    anchors: frozenset[str]  # heading slugs + explicit ids
    suppressions: tuple[Suppression, ...]
    references: dict[str, str]  # normalized label -> target
    encoding: str = "utf-8"
    bom: bool = False
    doc_type: str = "note"
    # False when the bytes could not be decoded with certainty (undecodable
    # bytes read as U+FFFD, or an encoding guessed): writing this text back
    # would destroy the original bytes, so the fixer leaves such files alone.
    exact: bool = True

    @cached_property
    def line_starts(self) -> list[int]:
        starts = [0]
        for m in _NEWLINE.finditer(self.text):
            starts.append(m.end())
        return starts

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def offset(self, line: int, column: int = 1) -> int:
        """Character offset of a 1-based (line, column)."""
        line = max(1, min(line, self.line_count))
        return self.line_starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < self.line_count else len(self.text)
        return _NEWLINE.sub("", self.text[start:end])

    @property
    def newline(self) -> str:
        m = _NEWLINE.search(self.text)
        return m.group(0) if m else "\n"

    @property
    def all_sections(self) -> list[Section]:
        out: list[Section] = []
        for s in self.sections:
            out.extend(s.walk())
        return out

    @property
    def meta(self) -> dict[str, Any]:
        fm = self.front_matter
        return fm.data if fm is not None and fm.data is not None else {}

    @property
    def body_start_line(self) -> int:
        # Clamped: a file that ends on its closing "---" (no newline after it)
        # has no line after the front-matter, and a finding anchored there
        # pointed past the end of the file.
        return min(self.front_matter.end_line + 1, self.line_count) if self.front_matter else 1


def replace_exact(doc: Document, exact: bool) -> Document:
    return doc if exact else replace(doc, exact=False)


def entry_tokens(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """The tokens an index listing's entries are read from, and nothing else.

    An entry is an inline token after a ``heading_open`` (its first link),
    or after the ``paragraph_open`` of a list item that starts with a link.
    Three tokens are kept per entry, in order: the two before it and the
    inline token, its children cut to that link. The result is its own
    answer again (``entry_tokens(entry_tokens(t)) == entry_tokens(t)`` in
    shape), which is how ``pipeline.index.entry_targets`` reads light index
    documents and whole ones alike.
    """
    kept: list[Token] = []
    for i in range(1, len(tokens)):
        tok, prev = tokens[i], tokens[i - 1]
        if tok.type != "inline":
            continue
        children = tok.children or []
        link: Token | None = None
        if prev.type == "heading_open":
            link = next((c for c in children if c.type == "link_open"), None)
        elif prev.type == "paragraph_open" and i >= 2 and tokens[i - 2].type == "list_item_open":
            link = children[0] if children and children[0].type == "link_open" else None
        if link is not None:
            kept.extend((tokens[i - 2] if i >= 2 else prev, prev, tok.copy(children=[link])))
    return tuple(kept)


def lighten(doc: Document) -> Document:
    """The document without what cross-file rules never read (tokens, text,
    code, math, tables): small enough to send between processes and to cache
    for every note of a large corpus."""
    # Index READMEs (a handful) keep their text: the index rules compare it
    # with what would be generated from every other note. Of their tokens
    # (5 MB in memory for a README listing 250 notes) only the entries are kept.
    if doc.doc_type == "index":
        return replace(doc, tokens=entry_tokens(doc.tokens))
    light = replace(doc, text="", tokens=(), math=(), code_blocks=(), tables=())
    # Keep the line table so positions computed from offsets stay right.
    light.__dict__["line_starts"] = doc.line_starts
    return light


# ------------------------------------------------------------------------- parser


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    # allow_space/allow_digits off: "$5 and $10" in prose must not become math.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    return md


_PARSER: MarkdownIt | None = None


def parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        _PARSER = _make_parser()
    return _PARSER


# Every pattern below runs on untrusted text and must stay linear: no two
# adjacent quantifiers may match the same characters (or the first is
# possessive), and a scan that can fail stops at the next character that
# could start another attempt ("<" or "{"), so failed attempts never re-read
# the same text.  tests/test_hostile.py runs each of them on long repetitive
# strings (fuzz/regex_audit.py).
_WIKI = re.compile(r"(!?)\[\[([^\[\]\n|#]*)(#[^\[\]\n|]*)?(?:\|([^\[\]\n]*))?\]\]")
# Matched against the body of one HTML comment (found with str.find), never
# against the whole text: a lazy group before "\s*-->" backtracked cubically
# on a long run of spaces after "<!-- corpus: disable".
_SUPPRESS_BODY = re.compile(r"corpus:\s*+(disable-next-line|disable|enable)\b([A-Za-z0-9_,\s-]*)")
# id= on any element (GitHub keeps them, prefixed "user-content-"), name= on <a>.
_EXPLICIT_ID = re.compile(
    r"""<(?:[A-Za-z][\w-]*\s[^<>]*?(?<![\w-])id|a\s[^<>]*?(?<![\w-])name)\s*=\s*["']([^"'<>]+)["']""",
    re.IGNORECASE)
_ATTR_ID = re.compile(r"\{#([^\s{}]++)[^{}]*+\}")
_INLINE_DEST = re.compile(r"\]\(\s*(<[^<>\n]*>|[^\s)]*)")
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def parse(text: str, path: str = "<string>", *, encoding: str = "utf-8", bom: bool = False,
          doc_type: str = "note", exact: bool = True) -> Document:
    """Parse decoded text into a :class:`Document`.  Never raises on any text."""
    env: dict[str, Any] = {}
    tokens = parser().parse(text, env)
    lines = _NEWLINE.split(text)
    builder = _Builder(text, lines, tokens, env)
    return replace_exact(builder.build(path, encoding=encoding, bom=bom, doc_type=doc_type), exact)


class _Builder:
    def __init__(self, text: str, lines: list[str], tokens: list[Token], env: dict[str, Any]):
        self.text = text
        self.lines = lines
        self.tokens = tokens
        self.env = env
        starts = [0]
        for m in _NEWLINE.finditer(text):
            starts.append(m.end())
        self.line_starts = starts
        # str.find calls that may miss scan to the end of their block; on a
        # paragraph of thousands of links that was quadratic.  Past this many
        # characters scanned in vain, a miss only looks _FIND_WINDOW ahead.
        self._find_budget = 4 * len(text) + 100_000

    def _find(self, needle: str, start: int, end: int) -> int:
        if self._find_budget <= 0:
            end = min(end, start + _FIND_WINDOW + len(needle))
        found = self.text.find(needle, start, end)
        self._find_budget -= (found if found >= 0 else end) - start
        return found

    # positions ----------------------------------------------------------------
    def offset(self, line0: int, col0: int = 0) -> int:
        line0 = max(0, min(line0, len(self.line_starts) - 1))
        return self.line_starts[line0] + col0

    def pos(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def block_span(self, line0: int, end0: int) -> tuple[int, int]:
        start = self.offset(line0)
        end = self.line_starts[end0] if end0 < len(self.line_starts) else len(self.text)
        return start, end

    # build ------------------------------------------------------------------------
    def build(self, path: str, *, encoding: str, bom: bool, doc_type: str) -> Document:
        front_matter: FrontMatter | None = None
        headings: list[Heading] = []
        links: list[Link] = []
        math: list[Math] = []
        code: list[CodeBlock] = []
        tables: list[Table] = []
        explicit_ids: set[str] = set()
        slugger = Slugger()
        code_lines: list[tuple[int, int]] = []  # 0-based [start, end) of code/math blocks
        last_line0 = 0

        tokens = self.tokens
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.map:
                last_line0 = tok.map[0]
            ttype = tok.type
            if ttype == "front_matter" and tok.map:
                front_matter = parse_front_matter(tok.content, tok.map[0] + 1, tok.map[1])
                code_lines.append((tok.map[0], tok.map[1]))
            elif ttype == "heading_open" and tok.map:
                inline = tokens[i + 1]
                title = _plain_text(inline)
                slug = slugger.slug(title)
                line0 = tok.map[0]
                col = len(self.lines[line0]) - len(self.lines[line0].lstrip()) + 1 if tok.markup.startswith("#") else 1
                headings.append(Heading(int(tok.tag[1]), title, slug, line0 + 1, col))
                for m in _ATTR_ID.finditer(inline.content):
                    explicit_ids.add(m.group(1))
            elif ttype in ("fence", "code_block") and tok.map:
                start0, end0 = tok.map
                info = tok.info.strip()
                closed = True
                if ttype == "fence":
                    closed = self._fence_closed(tok, start0, end0)
                code.append(CodeBlock(info, info.split()[0].lower() if info else "", tok.content,
                                      start0 + 1, end0, ttype == "fence", closed))
                code_lines.append((start0, end0))
            elif ttype in ("math_block", "math_block_label", "math_block_eqno"):
                if tok.map:
                    start0, end0 = tok.map
                else:  # texmath's \[...\] block carries no map: find it from the last line seen
                    start0 = self._find_line(r"\\\[", last_line0)
                    end0 = self._find_line(r"\\\]", start0) + 1
                    # The next unmapped block starts after this one: without this,
                    # consecutive blocks all got the first one's line (and each
                    # search re-read the same lines).
                    last_line0 = max(last_line0, end0)
                math.append(Math("display", tok.content, start0 + 1, end0))
                code_lines.append((start0, end0))
            elif ttype == "table_open" and tok.map:
                tables.append(self._table(tokens, i))
            elif ttype == "html_block":
                for m in _EXPLICIT_ID.finditer(tok.content):
                    explicit_ids.add(m.group(1))
            elif ttype == "inline" and tok.map:
                self._inline(tok, links, math, explicit_ids)
            i += 1

        links.extend(self._definitions())
        links.sort(key=lambda link: (link.line, link.column))
        sections = _section_tree(headings, len(self.line_starts))
        suppressions = self._suppressions(code_lines)
        references = {k: v.get("href", "") for k, v in self.env.get("references", {}).items()}
        anchors = frozenset({h.slug for h in headings} | explicit_ids)
        # An explicit ``type:`` in the front-matter beats the type the path gave
        # (docs/note-format.md); an unknown one is reported by the schema rules.
        if front_matter is not None and front_matter.data is not None:
            explicit = front_matter.data.get("type")
            if isinstance(explicit, str) and explicit.strip():
                doc_type = explicit.strip()
        return Document(
            path=path,
            text=self.text,
            tokens=tuple(tokens),
            front_matter=front_matter,
            headings=tuple(headings),
            sections=sections,
            links=tuple(links),
            math=tuple(math),
            code_blocks=tuple(code),
            tables=tuple(tables),
            anchors=anchors,
            suppressions=suppressions,
            references=references,
            encoding=encoding,
            bom=bom,
            doc_type=doc_type,
        )

    def _find_line(self, pattern: str, from0: int) -> int:
        rx = re.compile(pattern)
        for n in range(from0, len(self.lines)):
            if rx.search(self.lines[n]):
                return n
        return from0

    def _fence_closed(self, tok: Token, start0: int, end0: int) -> bool:
        # markdown-it closes an unterminated fence at the end of its container;
        # the fence is closed only if its last line is a closing fence.
        if end0 - start0 < 2:
            return False
        last = self.lines[end0 - 1] if end0 - 1 < len(self.lines) else ""
        stripped = last.strip()
        marker = tok.markup
        return bool(stripped) and stripped[0] == marker[0] and set(stripped) == {marker[0]} and len(stripped) >= len(marker)

    def _table(self, tokens: list[Token], i: int) -> Table:
        tok = tokens[i]
        assert tok.map is not None
        header: list[str] = []
        rows: list[tuple[str, ...]] = []
        current: list[str] = []
        in_head = False
        j = i + 1
        while j < len(tokens) and tokens[j].type != "table_close":
            t = tokens[j]
            if t.type == "thead_open":
                in_head = True
            elif t.type == "thead_close":
                in_head = False
            elif t.type == "tr_open":
                current = []
            elif t.type == "inline":
                current.append(_plain_text(t))
            elif t.type == "tr_close":
                if in_head:
                    header = current
                else:
                    rows.append(tuple(current))
            j += 1
        return Table(tuple(header), tuple(rows), tok.map[0] + 1, tok.map[1])

    def _inline(self, tok: Token, links: list[Link], math: list[Math], ids: set[str]) -> None:
        assert tok.map is not None
        start0, end0 = tok.map
        span_start, span_end = self.block_span(start0, end0)
        cursor = span_start
        children = tok.children or []
        dests = _Destinations(self.text, span_start, span_end)
        for k, child in enumerate(children):
            ctype = child.type
            if ctype == "math_inline" or ctype == "math_inline_double":
                line = start0 + 1
                found = self._find(child.content, cursor, span_end)
                if found >= 0:
                    line = self.pos(found)[0]
                math.append(Math("inline" if ctype == "math_inline" else "display", child.content, line, line))
            elif ctype in ("link_open", "image"):
                href = str(child.attrs.get("href") or child.attrs.get("src") or "")
                if ctype == "image":
                    text = child.content
                    kind = "image"
                else:
                    text = _link_text(children, k)
                    kind = "autolink" if child.markup == "autolink" else "inline"
                link, cursor = self._locate(kind, href, text, cursor, span_start, span_end, dests)
                links.append(link)
            elif ctype == "html_inline":
                for m in _EXPLICIT_ID.finditer(child.content):
                    ids.add(m.group(1))
            elif ctype == "text" and "[[" in child.content:
                pass  # wiki-links are scanned on the source below, with exact positions
        if "[[" in tok.content:
            has_math = any(c.type.startswith("math_inline") for c in children)
            # Backtick parity and math spans of the current line, kept
            # incrementally: recomputing them from the line start for every
            # match was quadratic on a long line of wiki-links.
            seen, odd, line_start = span_start, False, span_start
            math_spans: _Spans | None = None
            for m in _WIKI.finditer(self.text, span_start, span_end):
                offset = m.start()
                newline = self.text.rfind("\n", seen, offset)
                if newline >= 0:
                    seen, odd, line_start, math_spans = newline + 1, False, newline + 1, None
                odd ^= self.text.count("`", seen, offset) % 2 == 1
                seen = offset
                if odd:  # inside a code span
                    continue
                if has_math:
                    if math_spans is None:
                        math_spans = self._math_spans(line_start)
                    if math_spans.contains(offset):
                        continue  # $[[1, 2]]$ is a matrix, not a wiki-link
                target = m.group(2).strip() + (m.group(3) or "")
                line, col = self.pos(m.start(2))
                kind = "embed" if m.group(1) else "wiki"
                links.append(Link(kind, target, (m.group(4) or "").strip(), line, col, m.start(2), m.end(3) if m.group(3) else m.end(2)))

    def _math_spans(self, line_start: int) -> _Spans:
        """The $...$ and $$...$$ spans of the line starting at ``line_start``
        (matched on the line alone, so the look-behind sees its start)."""
        line_end = self.text.find("\n", line_start)
        line = self.text[line_start:line_end if line_end >= 0 else len(self.text)]
        return _Spans([(line_start + m.start(), line_start + m.end()) for m in _MATH_SPAN.finditer(line)])

    def _locate(self, kind: str, href: str, text: str, cursor: int, span_start: int, span_end: int,
                dests: _Destinations) -> tuple[Link, int]:
        """Find where the parser's link sits in the source, scanning forward."""
        decoded = unquote(href)
        if kind == "autolink":
            found = self._find(href, cursor, span_end)
            if found < 0:
                found = self._find(decoded, cursor, span_end)
            if found >= 0:
                line, col = self.pos(found)
                return Link(kind, self.text[found:found + len(href)] if self.text.startswith(href, found) else decoded,
                            text, line, col, found, found + len(href)), found + len(href)
        else:
            hit = dests.first(href, cursor)
            if hit is not None:
                start, raw = hit
                line, col = self.pos(start)
                return Link(kind, raw, text, line, col, start, start + len(raw)), start + len(raw)
            # Not an inline destination: a reference-style link.  Point at its label.
            for label in (text,):
                for pattern in (f"[{label}][", f"[{label}]"):
                    found = self._find(pattern, cursor, span_end) if label else -1
                    if found >= 0:
                        line, col = self.pos(found + 1)
                        ref_kind = "image" if kind == "image" else "reference"
                        return Link(ref_kind, decoded, text, line, col, -1, -1, label), found + len(pattern)
        line, col = self.pos(max(cursor, span_start))
        return Link("reference" if kind == "inline" else kind, decoded, text, line, col), cursor

    def _definitions(self) -> list[Link]:
        out: list[Link] = []
        for label, ref in self.env.get("references", {}).items():
            ref_map = ref.get("map")
            if not ref_map:
                continue
            line0 = ref_map[0]
            line_text = self.lines[line0] if line0 < len(self.lines) else ""
            idx = line_text.find("]:")
            col0 = idx + 2 if idx >= 0 else 0
            while col0 < len(line_text) and line_text[col0] in " \t":
                col0 += 1
            rest = line_text[col0:]
            if rest.startswith("<") and ">" in rest:  # <dest with spaces> keeps its spaces
                raw = rest[1:rest.index(">")]
                col0 += 1
            else:
                raw = rest.split()[0] if rest.split() else ref.get("href", "")
            start = self.offset(line0, col0)
            out.append(Link("definition", raw, "", line0 + 1, col0 + 1, start, start + len(raw), label))
        return out

    def _suppressions(self, code_lines: list[tuple[int, int]]) -> tuple[Suppression, ...]:
        if "corpus:" not in self.text:
            return ()
        in_code = _LineIntervals(code_lines)
        out: list[Suppression] = []
        text = self.text
        start = text.find("<!--")
        while start >= 0:
            end = text.find("-->", start + 4)
            if end < 0:
                break  # an unclosed comment runs to the end: nothing after it is a comment
            body = start + 4
            while body < end and text[body].isspace():
                body += 1
            m = _SUPPRESS_BODY.fullmatch(text, body, end)
            if m is not None:
                line, col = self.pos(start)
                if not in_code.contains(line - 1):
                    codes = tuple(c for c in re.split(r"[\s,]+", m.group(2).strip().upper()) if c)
                    out.append(Suppression(m.group(1), codes, line, col))
            start = text.find("<!--", end + 3)
        return tuple(out)


class _LineIntervals:
    """Membership of a line in a set of [start, end) line ranges in O(log n):
    a per-suppression scan of every code block was quadratic."""

    def __init__(self, ranges: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def contains(self, line0: int) -> bool:
        index = bisect.bisect_right(self.starts, line0) - 1
        return index >= 0 and line0 < self.ends[index]


class _Spans:
    """Membership of an offset in sorted, disjoint [start, end) spans, in O(log n)."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]

    def contains(self, offset: int) -> bool:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.ends[index]


_FIND_WINDOW = 1024


class _Destinations:
    """The inline-link destinations (``](target)``) of one block, indexed by
    target so each link finds its own in O(log n).  Scanning forward from the
    cursor for every link was quadratic when links did not match (reference
    links, or targets the parser rewrote)."""

    def __init__(self, text: str, start: int, end: int):
        self._text, self._start, self._end = text, start, end
        self._by_raw: dict[str, list[tuple[int, int, str]]] | None = None
        self._by_norm: dict[str, list[tuple[int, int, str]]] | None = None

    def _scan(self) -> dict[str, list[tuple[int, int, str]]]:
        if self._by_raw is None:
            self._by_raw = {}
            for m in _INLINE_DEST.finditer(self._text, self._start, self._end):
                raw, start = m.group(1), m.start(1)
                if raw.startswith("<") and raw.endswith(">"):
                    raw, start = raw[1:-1], start + 1
                # (where the "](" is, where the target starts, the target)
                self._by_raw.setdefault(raw, []).append((m.start(), start, raw))
        return self._by_raw

    def _normalised(self) -> dict[str, list[tuple[int, int, str]]]:
        if self._by_norm is None:
            self._by_norm = {}
            for raw, hits in self._scan().items():
                for key in _target_keys(raw):
                    self._by_norm.setdefault(key, []).extend(hits)
            for hits in self._by_norm.values():
                hits.sort()
        return self._by_norm

    def first(self, href: str, cursor: int) -> tuple[int, str] | None:
        """The first destination at or after ``cursor`` that the parser would
        read as ``href``: (offset of the target, the target as written)."""
        best = _first_after(self._scan().get(href), cursor)
        if best is None:
            # Only now pay for normalising every target of the block (once).
            norm = self._normalised()
            for key in (href, "\0" + unquote(href)):
                hit = _first_after(norm.get(key), cursor)
                if hit is not None and (best is None or hit < best):
                    best = hit
        return None if best is None else (best[1], best[2])


def _first_after(hits: list[tuple[int, int, str]] | None, cursor: int) -> tuple[int, int, str] | None:
    if not hits:
        return None
    index = bisect.bisect_left(hits, (cursor,))
    return hits[index] if index < len(hits) else None


def _target_keys(raw: str) -> tuple[str, ...]:
    """The hrefs the parser may have made of a destination written ``raw``."""
    from markdown_it.common.normalize_url import normalizeLink
    from markdown_it.common.utils import unescapeAll

    try:
        return (normalizeLink(unescapeAll(raw)),)
    except Exception:  # defensive: a malformed URL must not break parsing
        return ("\0" + unquote(raw),)


def _plain_text(inline: Token) -> str:
    """The text a reader sees in an inline token (what GitHub slugs)."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _link_text(children: list[Token], k: int) -> str:
    parts: list[str] = []
    depth = 0
    # Index, not children[k + 1:]: a slice per link copied the rest of the
    # paragraph each time (quadratic in the links of one paragraph).
    for index in range(k + 1, len(children)):
        child = children[index]
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            if depth == 0:
                break
            depth -= 1
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
    return "".join(parts)


def _section_tree(headings: list[Heading], line_count: int) -> tuple[Section, ...]:
    """Nest headings into sections; a section ends before the next heading of
    the same or a higher level."""

    def build(index: int) -> tuple[Section, int]:
        h = headings[index]
        children: list[Section] = []
        j = index + 1
        while j < len(headings) and headings[j].level > h.level:
            child, j = build(j)
            children.append(child)
        end_line = headings[j].line - 1 if j < len(headings) else line_count
        return Section(h.level, h.title, h.slug, h.line, end_line, h.column, tuple(children)), j

    out: list[Section] = []
    i = 0
    while i < len(headings):
        section, i = build(i)
        out.append(section)
    return tuple(out)


# ------------------------------------------------------------------ front-matter

# Expanded node count above which a front-matter is refused: aliases make
# "billion laughs" documents that are small on disk and huge in memory.
MAX_YAML_NODES = 100_000
# Nesting depth above which a front-matter is refused before it is composed.
# libyaml's composer recurses in C: about 40,000 nested "[" crash the process
# (SIGSEGV, no exception), and its scanner is quadratic in the flow depth.
# Real front-matter nests two or three levels; the data we hand to rules (and
# to pydantic, json...) must also stay far below Python's recursion limit.
MAX_YAML_DEPTH = 64




class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Keeps a scalar that looks like a date but is not one (``2026-13-01``) as
    its string, so the schema reports it at its own line (FM013) instead of
    the whole front-matter failing as invalid YAML."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


_OPEN_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _too_deep(raw: str) -> yaml.Event | None:
    """The event that opens a collection deeper than MAX_YAML_DEPTH, if any.

    Events come from a streaming parser with no recursion, and the scan stops
    at the first level too deep, so the cost is linear in the YAML's size.
    Syntax errors are left to the composer, which reports them with context.
    """
    # Every level opens with a bracket, a new line or an indicator ("-", "?",
    # ":"): counting them all bounds the depth from above.
    cheap_bound = sum(raw.count(c) for c in "[{\n-?:") + 1
    if cheap_bound <= MAX_YAML_DEPTH:
        return None  # too short to nest that deep: skip the second parse
    depth = 0
    try:
        for event in yaml.parse(raw, Loader=_Loader):
            if isinstance(event, _OPEN_EVENTS):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return event
            elif isinstance(event, _CLOSE_EVENTS):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def _expanded_size(root: yaml.Node) -> tuple[int, int, bool]:
    """(nodes once aliases are expanded, nesting depth once expanded, whether
    an alias refers to a node that contains it).

    Iterative: through aliases the depth of the graph is not bounded by the
    nesting depth of the text (each anchor may refer to the previous one).
    Sizes are capped just above MAX_YAML_NODES so the sums stay small.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    cap = MAX_YAML_NODES + 1
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children.extend((k, v))
        elif isinstance(node, yaml.SequenceNode):
            children.extend(node.value)
        if done:
            on_path.discard(key)
            size[key] = min(cap, 1 + sum(size[id(c)] for c in children))
            # Collections count, scalars do not: the same depth the event scan measures.
            own = 1 if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) else 0
            depth[key] = own + max((depth[id(c)] for c in children), default=0)
            continue
        if key in size:
            continue
        if key in on_path:
            return cap, 0, True
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            child_key = id(child)
            if child_key in on_path:
                return cap, 0, True
            if child_key not in size:
                stack.append((child, False))
    return size[id(root)], depth[id(root)], False


def parse_front_matter(raw: str, start_line: int, end_line: int) -> FrontMatter:
    """Parse the YAML between the ``---`` lines.  ``start_line`` is the 1-based
    line of the opening ``---``.  Problems are returned, never raised."""
    base = start_line  # YAML line 0 is file line start_line + 1
    problems: list[YamlProblem] = []
    deep = _too_deep(raw)
    if deep is not None:
        problems.append(YamlProblem(
            "syntax", f"invalid YAML: front-matter nests deeper than {MAX_YAML_DEPTH} levels; it was not read",
            base + 1 + deep.start_mark.line, deep.start_mark.column + 1))
        return FrontMatter(raw, None, start_line, end_line, problems=tuple(problems))
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        loader.dispose()
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = base + 1 + (mark.line if mark else 0)
        col = (mark.column + 1) if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        msg = f"{context}, {problem}" if context else str(problem)
        context_mark = getattr(exc, "context_mark", None)
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            msg += f" (started on line {base + 1 + context_mark.line})"
        problems.append(YamlProblem("syntax", f"invalid YAML: {msg}", line, col))
        return FrontMatter(raw, None, start_line, end_line, problems=tuple(problems))
    except RecursionError:
        loader.dispose()
        problems.append(YamlProblem("syntax", "invalid YAML: nesting too deep", base + 1, 1))
        return FrontMatter(raw, None, start_line, end_line, problems=tuple(problems))
    try:
        return _front_matter_from_node(loader, node, raw, start_line, end_line, base, problems)
    finally:
        loader.dispose()


def _front_matter_from_node(loader: yaml.SafeLoader, node: yaml.Node | None, raw: str, start_line: int,
                            end_line: int, base: int, problems: list[YamlProblem]) -> FrontMatter:
    if node is None:
        return FrontMatter(raw, {}, start_line, end_line)
    # Without an alias ("*name") nothing expands, and a text this short
    # cannot hold more nodes than the cap (a node costs at least half a
    # character: "{a,b}" is five): the walk below is then skipped, as it is
    # for almost every note.
    if "*" in raw or 2 * len(raw) > MAX_YAML_NODES:
        expanded, expanded_depth, cyclic = _expanded_size(node)
    else:
        expanded, expanded_depth, cyclic = 0, 0, False
    if cyclic or expanded > MAX_YAML_NODES or expanded_depth > MAX_YAML_DEPTH:
        if cyclic:
            why = "an alias refers to a value that contains it (a cycle)"
        elif expanded > MAX_YAML_NODES:
            why = f"it expands to more than {MAX_YAML_NODES} values through YAML aliases"
        else:
            why = f"it nests deeper than {MAX_YAML_DEPTH} levels through YAML aliases"
        problems.append(YamlProblem("alias-bomb", f"front-matter was not read: {why}",
                                    base + 1 + node.start_mark.line, node.start_mark.column + 1))
        return FrontMatter(raw, None, start_line, end_line, problems=tuple(problems))
    if not isinstance(node, yaml.MappingNode):
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a scalar"
        problems.append(YamlProblem("not-mapping", f"front-matter is {kind}, not a mapping of keys to values",
                                    base + 1 + node.start_mark.line, node.start_mark.column + 1))
        return FrontMatter(raw, None, start_line, end_line, problems=tuple(problems))
    key_positions: dict[str, tuple[int, int]] = {}
    value_positions: dict[str, tuple[int, int]] = {}
    for knode, vnode in node.value:
        key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else repr(knode.value)
        pos = (base + 1 + knode.start_mark.line, knode.start_mark.column + 1)
        if key in key_positions:
            problems.append(YamlProblem("duplicate-key", f'duplicate key "{key}" (first at line {key_positions[key][0]})',
                                        pos[0], pos[1]))
        else:
            key_positions[key] = pos
            value_positions[key] = (base + 1 + vnode.start_mark.line, vnode.start_mark.column + 1)
    try:
        data = loader.construct_document(node)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as exc:
        problems.append(YamlProblem("syntax", f"invalid YAML: {exc}", base + 1, 1))
        return FrontMatter(raw, None, start_line, end_line, key_positions, value_positions, tuple(problems))
    if not isinstance(data, dict):
        data = None
    else:
        data = {str(k): v for k, v in data.items()}
    return FrontMatter(raw, data, start_line, end_line, key_positions, value_positions, tuple(problems))


def unclosed_front_matter(text: str) -> YamlProblem | None:
    """A file that opens with ``---`` and a YAML-looking line but never closes it."""
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        return None
    lines = _NEWLINE.split(text, maxsplit=3)
    if len(lines) > 1 and re.match(r"^[A-Za-z_][\w-]*\s*:", lines[1]):
        return YamlProblem("unclosed", "front-matter opened with '---' on line 1 is never closed", 1, 1)
    return None


def relative_posix(path: str) -> str:
    return PurePosixPath(path).as_posix()
