"""corpus -> templates -> README blocks: the generated parts of the index READMEs.

An index README (``type: index``) is hand-written except between marker
comments, which this module regenerates from the notes' front-matter::

    <!-- corpus:index:start -->            the main listing (block "index")
    …generated…
    <!-- corpus:index:end -->
    <!-- corpus:index:start graph -->      a named block
    …generated…
    <!-- corpus:index:end graph -->

Everything outside the markers, the front-matter included, is kept byte for
byte.  Block names: ``index``, ``overview``, ``graph`` in every index, and
``group:<key>`` (one group's entries) in a section index; each is rendered
by the Jinja2 template of its *role* (``section-index``, ``root-graph``…),
see :data:`DEFAULT_TEMPLATES`.

Everything here returns data; the CLI (``corpus build-index``) prints and
writes, and the IDX rules turn the same results into findings.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pipeline.config import Config
from pipeline.corpus import Corpus
from pipeline.document import Document, entry_tokens, parse
from pipeline.errors import ConfigError, TemplateError

# ----------------------------------------------------------------------- markers

MARKER_PREFIX = "corpus:index:"
_MARKER = re.compile(r"^[ \t]*<!--[ \t]*corpus:index:(?P<kind>start|end)(?:[ \t]+(?P<name>[^\s>]+))?[ \t]*-->[ \t]*$")
# A line that mentions the marker prefix but is not a well-formed marker: a typo
# there would otherwise make the block silently disappear.
_MARKERISH = re.compile(r"^\s*<!--\s*corpus:index\b")

DEFAULT_BLOCK = "index"
SECTION_BLOCKS = ("index", "overview", "graph")
ROOT_BLOCKS = ("index", "overview", "graph")
GROUP_PREFIX = "group:"
#: blocks that list notes (and so must list every note of their scope)
LISTING_BLOCKS = ("index",)

#: template role -> default file name (in the templates folder)
DEFAULT_TEMPLATES: dict[str, str] = {
    "section-index": "section_index.md.j2",
    "section-group": "section_group.md.j2",
    "section-entry": "_note_entry.md.j2",
    "section-overview": "section_overview.md.j2",
    "section-graph": "section_graph.md.j2",
    "root-index": "root_index.md.j2",
    "root-overview": "root_overview.md.j2",
    "root-graph": "root_graph.md.j2",
}

#: the built-in templates: beside the package in a checkout or editable install,
#: under ``share/`` for a wheel install (see [tool.setuptools.data-files])
BUILTIN_TEMPLATE_DIRS = (Path(__file__).resolve().parent.parent / "templates",
                         Path(sys.prefix) / "share" / "corpus-pipeline" / "templates")
BUILTIN_TEMPLATES = next((p for p in BUILTIN_TEMPLATE_DIRS if p.is_dir()), BUILTIN_TEMPLATE_DIRS[0])


def start_marker(name: str = DEFAULT_BLOCK) -> str:
    return f"<!-- {MARKER_PREFIX}start -->" if name == DEFAULT_BLOCK else f"<!-- {MARKER_PREFIX}start {name} -->"


def end_marker(name: str = DEFAULT_BLOCK) -> str:
    return f"<!-- {MARKER_PREFIX}end -->" if name == DEFAULT_BLOCK else f"<!-- {MARKER_PREFIX}end {name} -->"


@dataclass(frozen=True)
class Block:
    """One generated region: the text strictly between its two marker lines."""

    name: str
    start_line: int  # 1-based line of the start marker
    end_line: int  # 1-based line of the end marker
    content_start: int  # character offset just after the start marker's line ending
    content_end: int  # character offset of the first character of the end marker's line


@dataclass(frozen=True)
class MarkerProblem:
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class MarkerScan:
    blocks: tuple[Block, ...]
    problems: tuple[MarkerProblem, ...]
    marker_lines: tuple[int, ...]  # every line holding something that looks like a marker

    @property
    def has_markers(self) -> bool:
        return bool(self.marker_lines)


def scan_markers(doc: Document, allowed: Sequence[str] = (), groups: Sequence[str] = ()) -> MarkerScan:
    """Find the generated blocks of ``doc``.  Markers inside fenced code are
    text (so the format can be documented in a README), not markers.

    ``allowed`` names the blocks this kind of index knows (empty: any name);
    ``group:<key>`` is allowed when ``key`` is in ``groups``."""
    in_code: set[int] = set()
    for cb in doc.code_blocks:
        in_code.update(range(cb.line, cb.end_line + 1))
    if doc.front_matter is not None:
        in_code.update(range(doc.front_matter.start_line, doc.front_matter.end_line + 1))
    blocks: list[Block] = []
    problems: list[MarkerProblem] = []
    seen: dict[str, int] = {}
    marker_lines: list[int] = []
    open_name: str | None = None
    open_line = 0
    open_offset = 0
    for line in range(1, doc.line_count + 1):
        if line in in_code:
            continue
        text = doc.line_text(line)
        if "corpus:index" not in text:
            continue
        m = _MARKER.match(text)
        if m is None:
            if _MARKERISH.search(text):
                marker_lines.append(line)
                problems.append(MarkerProblem(line, text.find("<!--") + 1,
                                              f"malformed index marker \"{text.strip()}\": write "
                                              f"{start_marker()} or {end_marker()} (optionally with a block "
                                              "name), alone on its line"))
            continue
        marker_lines.append(line)
        name = m.group("name") or DEFAULT_BLOCK
        column = text.find("<!--") + 1
        if m.group("kind") == "start":
            if open_name is not None:
                problems.append(MarkerProblem(line, column, f'block "{name}" starts inside block "{open_name}" '
                                                            f"(opened on line {open_line}); close it first with "
                                                            f"{end_marker(open_name)}"))
                continue
            problem = _name_problem(name, allowed, groups)
            if problem:
                problems.append(MarkerProblem(line, column, problem))
            if name in seen:
                problems.append(MarkerProblem(line, column, f'block "{name}" appears twice (first on line '
                                                            f"{seen[name]}); keep one"))
            seen.setdefault(name, line)
            open_name, open_line = name, line
            open_offset = doc.line_starts[line] if line < doc.line_count else len(doc.text)
        else:
            if open_name is None:
                problems.append(MarkerProblem(line, column, f'end of block "{name}" without a start: add '
                                                            f"{start_marker(name)} above it"))
                continue
            if name != open_name:
                problems.append(MarkerProblem(line, column, f'end of block "{name}" closes block "{open_name}" '
                                                            f"(opened on line {open_line}): write "
                                                            f"{end_marker(open_name)}"))
                open_name = None
                continue
            blocks.append(Block(name, open_line, line, open_offset, doc.line_starts[line - 1]))
            open_name = None
    if open_name is not None:
        problems.append(MarkerProblem(open_line, 1, f'block "{open_name}" is never closed: add '
                                                    f"{end_marker(open_name)} where the generated part ends"))
    return MarkerScan(tuple(blocks), tuple(problems), tuple(marker_lines))


def _name_problem(name: str, allowed: Sequence[str], groups: Sequence[str]) -> str | None:
    if not allowed:
        return None
    if name.startswith(GROUP_PREFIX):
        key = name[len(GROUP_PREFIX):]
        if GROUP_PREFIX + "*" in allowed and key in groups:
            return None
        if GROUP_PREFIX + "*" in allowed:
            hint = _did_you_mean(key, groups)
            return f'block "{name}" names group "{key}", which the front-matter\'s groups do not declare{hint}'
    elif name in allowed:
        return None
    names = [a for a in allowed if a != GROUP_PREFIX + "*"]
    hint = _did_you_mean(name, names)
    extra = ", group:<key>" if GROUP_PREFIX + "*" in allowed else ""
    return f'unknown block "{name}"{hint} (known: {", ".join(names)}{extra})'


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f'; did you mean "{match[0]}"?' if match else ""


# ------------------------------------------------------------------ escaping


class Unescaped(str):
    """Front-matter text on its way to a template.  Printing it with ``{{ }}``
    without an escaping filter is a template error: a title is data, and data
    must not become Markdown or HTML by accident."""

    __slots__ = ()


_BREAKS = re.compile(r"[\r\n\t\f\v\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# Characters with an inline meaning in CommonMark/GFM (and GitHub's $-math),
# escaped wherever they appear.  `_` between two letters cannot start or end
# emphasis and `&` matters only as an entity, so those are escaped only where
# they could act: "LLM_Advances" and "Q&A" stay readable in the source.
_MD_ALWAYS = frozenset("\\`*[]<|~$")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LINE_START_MARK = re.compile(r"^([#>+=-])")
_LINE_START_NUMBER = re.compile(r"^(\d+)([.)])")


def _one_line(value: object) -> str:
    text = "" if value is None else str(value)
    text = _BREAKS.sub(" ", text)
    return _CONTROL.sub("", text).strip()


def md_text(value: object) -> str:
    """Inline Markdown text that renders as exactly ``value``, on one line.

    >>> md_text("a|b *c* <script>")
    'a\\\\|b \\\\*c\\\\* \\\\<script>'
    """
    text = _one_line(value)
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in _MD_ALWAYS:
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()):
            out.append("\\_")
        elif ch == "&" and _ENTITY.match(text, i):
            out.append("\\&")
        else:
            out.append(ch)
    escaped = "".join(out)
    # The value may land at the start of a line (a custom template): no heading,
    # quote, list, setext underline or ordered list may begin there.
    escaped = _LINE_START_MARK.sub(r"\\\1", escaped)
    return _LINE_START_NUMBER.sub(r"\1\\\2", escaped)


def md_link_text(value: object) -> str:
    """Text inside ``[...]``: brackets escaped, so the link cannot be closed early."""
    return md_text(value)


def md_table_cell(value: object) -> str:
    """Text inside a GFM table cell: pipes escaped so the row keeps its columns."""
    return md_text(value)


_URL_KEEP = frozenset("-._~/!$&'*+,;=:@")


def md_url(value: object) -> str:
    """A link destination: spaces, parentheses, angle brackets, ``%``, ``#``,
    ``?`` and controls percent-encoded; other characters (CJK included) kept,
    so the path stays readable and ``unquote`` gives it back exactly."""
    out: list[str] = []
    for ch in "" if value is None else str(value):
        if ch.isalnum() and (ord(ch) > 127 or ch.isascii()):
            out.append(ch)
        elif ch in _URL_KEEP:
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out)


_MERMAID_ENTITIES = (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"),
                     ("\\", "#92;"))


def mermaid_label(value: object) -> str:
    """Text inside a quoted mermaid label ``["..."]``: quotes, ``#``, ``&``,
    angle brackets, backticks and backslashes as mermaid entity codes, on one line."""
    text = _one_line(value)
    for raw, entity in _MERMAID_ENTITIES:
        text = text.replace(raw, entity)
    return text


FILTERS = {"md_text": md_text, "md_link_text": md_link_text, "md_table_cell": md_table_cell, "md_url": md_url,
           "mermaid_label": mermaid_label}


# ------------------------------------------------------------------- the model


def id_sort_key(note_id: str) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    """Numbers numerically (01 < 02 < 10), then other ids naturally (S1 < S2 <
    S10), then notes without an id."""
    if not note_id:
        return (2, (), "")
    if note_id.isdigit():
        return (0, ((0, int(note_id)),), note_id)
    parts: list[tuple[int, int | str]] = []
    for piece in re.split(r"(\d+)", note_id.casefold()):
        if piece.isdigit():
            parts.append((0, int(piece)))
        elif piece:
            parts.append((1, piece))
    return (1, tuple(parts), note_id)


def canonical_id(note_id: str) -> str:
    """``"1"`` and ``"01"`` are the same number."""
    return str(int(note_id)) if note_id.isdigit() else note_id.casefold()


@dataclass(frozen=True)
class Related:
    target: str
    reason: str


@dataclass(frozen=True)
class Note:
    path: str  # relative to the corpus root
    folder: str
    id: str
    title: str
    group: str
    tagline: str
    evolution: str
    value: str
    models: tuple[str, ...]
    related: tuple[Related, ...]

    @property
    def file(self) -> str:
        return posixpath.basename(self.path)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (*id_sort_key(self.id), self.path)

    @property
    def display(self) -> str:
        """How messages name the note: ``07 "RoPE → ALiBi" (07_ALiBi.md)``."""
        head = f'{self.id} "{self.title}"' if self.id else f'"{self.title}"'
        return f"{head} ({self.file})"


@dataclass(frozen=True)
class GroupDecl:
    key: str
    title: str


@dataclass(frozen=True)
class IndexFile:
    path: str
    folder: str
    kind: str  # "root" | "section"
    title: str
    label: str
    description: str
    groups: tuple[GroupDecl, ...]
    groups_declared: bool
    sections: tuple[str, ...] | None  # root: folders in order; None: not given


def doc_kind(doc: Document) -> str:
    """The effective doc type: an explicit ``type:`` wins over the path's."""
    declared = doc.meta.get("type")
    return declared if isinstance(declared, str) and declared else doc.doc_type


def _text(value: object) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def note_from(doc: Document) -> Note:
    meta = doc.meta
    title = _text(meta.get("title"))
    if not title:
        h1 = next((h for h in doc.headings if h.level == 1), None)
        title = h1.title if h1 else posixpath.splitext(posixpath.basename(doc.path))[0]
    raw_models = meta.get("models")
    if isinstance(raw_models, list):
        models = tuple(t for t in (_text(m) for m in raw_models) if t)
    else:
        models = (_text(raw_models),) if _text(raw_models) else ()
    related: list[Related] = []
    raw_related = meta.get("related")
    for item in raw_related if isinstance(raw_related, list) else ():
        if isinstance(item, dict):
            target = _text(item.get("target"))
            if target:
                related.append(Related(target, _text(item.get("reason"))))
        elif isinstance(item, (str, int)) and _text(item):
            related.append(Related(_text(item), ""))
    return Note(doc.path, posixpath.dirname(doc.path), _text(meta.get("id")), title, _text(meta.get("group")),
                _text(meta.get("tagline")), _text(meta.get("evolution")), _text(meta.get("value")), models,
                tuple(related))


def index_from(doc: Document) -> IndexFile:
    meta = doc.meta
    folder = posixpath.dirname(doc.path)
    groups: list[GroupDecl] = []
    raw_groups = meta.get("groups")
    for item in raw_groups if isinstance(raw_groups, list) else ():
        if isinstance(item, dict):
            key = _text(item.get("key"))
            title = _text(item.get("title")) or key
        else:
            key = title = _text(item)
        if key and all(g.key != key for g in groups):
            groups.append(GroupDecl(key, title))
    raw_sections = meta.get("sections")
    sections: tuple[str, ...] | None = None
    if isinstance(raw_sections, list):
        sections = tuple(s.strip("/") for s in (_text(x) for x in raw_sections) if s.strip("/"))
    kind = "root" if sections is not None or not folder else "section"
    title = _text(meta.get("title"))
    if not title:
        h1 = next((h for h in doc.headings if h.level == 1), None)
        title = h1.title if h1 else (posixpath.basename(folder) or "README")
    label = _text(meta.get("label")) or posixpath.basename(folder) or title
    return IndexFile(doc.path, folder, kind, title, label, _text(meta.get("description")), tuple(groups),
                     isinstance(raw_groups, list), sections)


@dataclass(frozen=True)
class Target:
    """Where a ``related`` target leads: a file, and the note there if any."""

    path: str
    note: Note | None


_WIKI = re.compile(r"^!?\[\[(.+?)\]\]$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class Model:
    """Every note and index of the corpus, normalised; built once per run."""

    def __init__(self, notes: Iterable[Note], indexes: Iterable[IndexFile], files: Iterable[str]):
        self.notes: dict[str, Note] = {n.path: n for n in notes}
        self.indexes: dict[str, IndexFile] = {i.path: i for i in indexes}
        self.files = frozenset(files)
        by_folder: dict[str, list[Note]] = {}
        for note in self.notes.values():
            by_folder.setdefault(note.folder, []).append(note)
        self._by_folder = {k: tuple(sorted(v, key=lambda n: n.sort_key)) for k, v in by_folder.items()}
        by_id: dict[str, list[Note]] = {}
        for note in sorted(self.notes.values(), key=lambda n: n.path):
            if note.id:
                by_id.setdefault(canonical_id(note.id), []).append(note)
        self._by_id = by_id
        stems: dict[str, list[str]] = {}
        for f in sorted(self.files):
            if f.endswith(".md"):
                stems.setdefault(posixpath.splitext(posixpath.basename(f))[0].casefold(), []).append(f)
        self._stems = stems

    def notes_in(self, folder: str) -> tuple[Note, ...]:
        return self._by_folder.get(folder, ())

    def index_of(self, folder: str) -> IndexFile | None:
        return self.indexes.get(posixpath.join(folder, "README.md") if folder else "README.md")

    def label_of(self, folder: str) -> str:
        index = self.index_of(folder)
        return index.label if index else (posixpath.basename(folder) or folder)

    def resolve(self, note: Note, target: str) -> Target | None:
        """A ``related`` target: a note id, a relative path or a ``[[wiki-link]]``."""
        target = target.strip()
        wiki = _WIKI.match(target)
        if wiki:
            name = wiki.group(1).split("|", 1)[0].split("#", 1)[0].strip()
            for candidate in (name, name + ".md", posixpath.join(note.folder, name),
                              posixpath.join(note.folder, name + ".md")):
                path = posixpath.normpath(candidate)
                if path in self.files:
                    return Target(path, self.notes.get(path))
            found = self._stems.get(posixpath.basename(name).casefold(), [])
            return Target(found[0], self.notes.get(found[0])) if len(found) == 1 else None
        if _SCHEME.match(target):
            return None
        if "/" in target or target.endswith(".md"):
            raw = unquote(target.split("#", 1)[0])
            path = posixpath.normpath(raw.lstrip("/") if raw.startswith("/") else posixpath.join(note.folder, raw))
            return Target(path, self.notes.get(path)) if path in self.files else None
        same = [n for n in self._by_id.get(canonical_id(target), []) if n.folder == note.folder]
        matches = same or self._by_id.get(canonical_id(target), [])
        return Target(matches[0].path, matches[0]) if len(matches) == 1 else None

    def root_sections(self, index: IndexFile) -> tuple[str, ...]:
        """The folders a root index lists: its ``sections`` (relative to its
        folder), or every sub-folder holding an index README."""
        if index.sections is not None:
            return tuple(posixpath.normpath(posixpath.join(index.folder, s)) for s in index.sections)
        out = []
        for other in sorted(self.indexes.values(), key=lambda i: i.path):
            parent = posixpath.dirname(other.folder) if other.folder else None
            if other.kind == "section" and other.folder and parent == index.folder:
                out.append(other.folder)
        return tuple(out)


def build_model(corpus: Corpus) -> Model:
    """The notes and indexes of the corpus (each note's document as light as
    the corpus keeps it: see Corpus.document)."""
    notes: list[Note] = []
    indexes: list[IndexFile] = []
    for rel in corpus.markdown_files:
        doc = corpus.document(rel)
        if doc is None:
            continue
        kind = doc_kind(doc)
        if kind == "index":
            indexes.append(index_from(doc))
        elif kind == "note":
            notes.append(note_from(doc))
    return Model(notes, indexes, corpus.files)


def fingerprint(corpus: Corpus, rels: Iterable[str]) -> tuple[str, ...]:
    """Changes whenever one of the files ``rels`` changes (as the corpus has
    loaded it): the key under which derived data is memoised."""
    return tuple(corpus.digest(rel) for rel in rels)


# --------------------------------------------------------------- template views
#
# What templates see: frozen dataclasses whose text fields are Unescaped (from
# front-matter or file names) or plain (numbers, node ids we made up).


@dataclass(frozen=True)
class RelatedView:
    target: Unescaped  # as written in the front-matter
    reason: Unescaped
    resolved: bool
    href: Unescaped  # "" when unresolved
    id: Unescaped
    title: Unescaped
    section_label: Unescaped  # "" when the target is in the same section
    external: bool


@dataclass(frozen=True)
class NoteView:
    path: Unescaped
    file: Unescaped
    href: Unescaped
    id: Unescaped
    title: Unescaped
    group: Unescaped
    tagline: Unescaped
    evolution: Unescaped
    value: Unescaped
    models: tuple[Unescaped, ...]
    related: tuple[RelatedView, ...]


@dataclass(frozen=True)
class GroupView:
    key: Unescaped
    title: Unescaped
    declared: bool
    notes: tuple[NoteView, ...]
    count: int
    first_id: Unescaped
    last_id: Unescaped


@dataclass(frozen=True)
class SectionView:
    folder: Unescaped
    href: Unescaped  # to the section README, from the README being rendered
    title: Unescaped
    label: Unescaped
    description: Unescaped
    exists: bool
    groups: tuple[GroupView, ...]
    notes: tuple[NoteView, ...]
    count: int


@dataclass(frozen=True)
class GraphNode:
    node_id: str
    id: Unescaped
    title: Unescaped
    label: Unescaped  # the section label, for nodes of other sections


@dataclass(frozen=True)
class GraphCluster:
    node_id: str
    title: Unescaped
    nodes: tuple[GraphNode, ...]


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    mutual: bool
    external: bool
    count: int = 1


@dataclass(frozen=True)
class GraphView:
    clusters: tuple[GraphCluster, ...]  # this section's groups
    external: tuple[GraphCluster, ...]  # other sections' notes, one cluster per section
    edges: tuple[GraphEdge, ...]
    external_nodes: tuple[str, ...]
    node_count: int


@dataclass(frozen=True)
class RootGraphView:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


def href(from_folder: str, to_path: str) -> str:
    rel = posixpath.relpath(to_path, from_folder or ".")
    return rel if rel.startswith("../") else "./" + rel


def _u(value: str) -> Unescaped:
    return Unescaped(value)


class Views:
    """Builds the template context of one README, links relative to it."""

    def __init__(self, model: Model, readme_folder: str):
        self.model = model
        self.folder = readme_folder

    def related(self, note: Note) -> tuple[RelatedView, ...]:
        out: list[RelatedView] = []
        for rel in note.related:
            target = self.model.resolve(note, rel.target)
            if target is None:
                out.append(RelatedView(_u(rel.target), _u(rel.reason), False, _u(""), _u(""), _u(rel.target),
                                       _u(""), False))
                continue
            other = target.note
            folder = posixpath.dirname(target.path)
            external = folder != note.folder
            label = self.model.label_of(folder) if external else ""
            title = other.title if other else posixpath.splitext(posixpath.basename(target.path))[0]
            out.append(RelatedView(_u(rel.target), _u(rel.reason), True, _u(href(self.folder, target.path)),
                                   _u(other.id if other else ""), _u(title), _u(label), external))
        return tuple(out)

    def note(self, note: Note) -> NoteView:
        return NoteView(_u(note.path), _u(note.file), _u(href(self.folder, note.path)), _u(note.id), _u(note.title),
                        _u(note.group), _u(note.tagline), _u(note.evolution), _u(note.value),
                        tuple(_u(m) for m in note.models), self.related(note))

    def groups(self, index: IndexFile | None, notes: Sequence[Note]) -> tuple[GroupView, ...]:
        declared = index.groups if index else ()
        keys = {g.key for g in declared}
        out = [self._group(g.key, g.title, True, [n for n in notes if n.group == g.key]) for g in declared]
        # Notes of an undeclared group are listed after the declared ones (and
        # reported by IDX006), never silently dropped.
        for key in sorted({n.group for n in notes if n.group not in keys}):
            out.append(self._group(key, key or "未分组", False, [n for n in notes if n.group == key]))
        return tuple(out)

    def _group(self, key: str, title: str, declared: bool, notes: list[Note]) -> GroupView:
        views = tuple(self.note(n) for n in notes)
        first = notes[0].id if notes else ""
        last = notes[-1].id if notes else ""
        return GroupView(_u(key), _u(title), declared, views, len(views), _u(first), _u(last))

    def section(self, folder: str) -> SectionView:
        index = self.model.index_of(folder)
        notes = self.model.notes_in(folder)
        groups = self.groups(index, notes)
        ordered = tuple(n for g in groups for n in g.notes)
        readme = posixpath.join(folder, "README.md") if folder else "README.md"
        title = index.title if index else posixpath.basename(folder)
        label = index.label if index else posixpath.basename(folder)
        return SectionView(_u(folder), _u(href(self.folder, readme)), _u(title), _u(label),
                           _u(index.description if index else ""), index is not None, groups, ordered, len(ordered))

    def graph(self, folder: str) -> GraphView:
        groups = self.groups(self.model.index_of(folder), self.model.notes_in(folder))
        notes = [self.model.notes[str(nv.path)] for g in groups for nv in g.notes]
        local: dict[str, str] = {}
        clusters: list[GraphCluster] = []
        counter = 0
        for gi, group in enumerate(groups, 1):
            nodes = []
            for nv in group.notes:
                counter += 1
                local[str(nv.path)] = f"N{counter}"
                nodes.append(GraphNode(f"N{counter}", nv.id, nv.title, _u("")))
            clusters.append(GraphCluster(f"G{gi}", group.title, tuple(nodes)))
        external: dict[str, Note] = {}
        raw_edges: list[tuple[str, str]] = []
        for note in notes:
            for rel in note.related:
                target = self.model.resolve(note, rel.target)
                if target is None or target.note is None or target.path == note.path:
                    continue
                if target.path not in local:
                    external[target.path] = target.note
                raw_edges.append((note.path, target.path))
        ext_ids: dict[str, str] = {}
        ext_clusters: list[GraphCluster] = []
        by_folder: dict[str, list[Note]] = {}
        for n in external.values():
            by_folder.setdefault(n.folder, []).append(n)
        ext_counter = 0
        for fi, ext_folder in enumerate(self._folder_order(by_folder), 1):
            nodes = []
            for n in sorted(by_folder[ext_folder], key=lambda n: n.sort_key):
                ext_counter += 1
                ext_ids[n.path] = f"X{ext_counter}"
                nodes.append(GraphNode(f"X{ext_counter}", _u(n.id), _u(n.title), _u(self.model.label_of(ext_folder))))
            index_of = self.model.index_of(ext_folder)
            title = index_of.title if index_of else posixpath.basename(ext_folder)
            ext_clusters.append(GraphCluster(f"E{fi}", _u(title), tuple(nodes)))
        ids = {**local, **ext_ids}
        pairs = set(raw_edges)
        edges: list[GraphEdge] = []
        done: set[tuple[str, str]] = set()
        order = {p: i for i, p in enumerate([*local, *ext_ids])}
        for a, b in sorted(pairs, key=lambda e: (order[e[0]], order[e[1]])):
            if (a, b) in done:
                continue
            mutual = (b, a) in pairs
            done.add((a, b))
            if mutual:
                done.add((b, a))
            edges.append(GraphEdge(ids[a], ids[b], mutual, b in ext_ids))
        return GraphView(tuple(clusters), tuple(ext_clusters), tuple(edges), tuple(ext_ids.values()), counter)

    def _folder_order(self, folders: Mapping[str, object]) -> list[str]:
        root = self.model.indexes.get("README.md")
        ranked = list(self.model.root_sections(root)) if root else []
        return sorted(folders, key=lambda f: (ranked.index(f) if f in ranked else len(ranked), f))

    def root_graph(self, sections: Sequence[str]) -> RootGraphView:
        nodes = []
        ids: dict[str, str] = {}
        for i, folder in enumerate(sections, 1):
            ids[folder] = f"S{i}"
            index = self.model.index_of(folder)
            nodes.append(GraphNode(f"S{i}", _u(""), _u(index.title if index else posixpath.basename(folder)),
                                   _u(self.model.label_of(folder))))
        counts: dict[tuple[str, str], int] = {}
        for folder in sections:
            for note in self.model.notes_in(folder):
                for rel in note.related:
                    target = self.model.resolve(note, rel.target)
                    if target is None or target.note is None:
                        continue
                    other = target.note.folder
                    if other != folder and other in ids:
                        counts[(folder, other)] = counts.get((folder, other), 0) + 1
        order = {f: i for i, f in enumerate(sections)}
        edges = tuple(GraphEdge(ids[a], ids[b], False, False, c)
                      for (a, b), c in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])))
        return RootGraphView(tuple(nodes), edges)


# -------------------------------------------------------------------- templates


def _finalize(value: object) -> object:
    if isinstance(value, Unescaped):
        raise _RawOutput(f"front-matter value {str(value)[:40]!r} is printed without an escaping filter: "
                         "add |md_text (or md_link_text, md_url, md_table_cell, mermaid_label)")
    return value


class _RawOutput(Exception):
    pass


class Renderer:
    """The Jinja2 templates of the index: the project's ``templates`` folder
    first, then the built-in ones; ``index-templates`` maps roles to files."""

    def __init__(self, config: Config):
        settings = config.settings
        unknown = sorted(r for r in settings.index_templates if r not in DEFAULT_TEMPLATES)
        if unknown:
            where = f"{config.source}: " if config.source else ""
            raise ConfigError(f"{where}[tool.corpus] index-templates: unknown template role {unknown[0]!r}"
                              f"{_did_you_mean(unknown[0], DEFAULT_TEMPLATES)} (roles: {', '.join(DEFAULT_TEMPLATES)})")
        self.project_dir = config.project_dir
        folder = (config.project_dir / settings.templates).resolve()
        search: list[Path] = []
        if folder.is_dir():
            search.append(folder)
        elif settings.templates != "templates":
            raise ConfigError(f"templates folder {folder} does not exist: create it or fix [tool.corpus] templates")
        if BUILTIN_TEMPLATES.is_dir() and BUILTIN_TEMPLATES.resolve() not in search:
            search.append(BUILTIN_TEMPLATES.resolve())
        self.search = tuple(search)
        self.names = {**DEFAULT_TEMPLATES, **settings.index_templates}
        # Imported here: `corpus check one.md` never renders, so it never pays for Jinja.
        import jinja2
        from jinja2.sandbox import SandboxedEnvironment

        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in search]),
            autoescape=False,  # Markdown, not HTML: escaping is explicit, per context, with the filters
            undefined=jinja2.StrictUndefined,  # a typo in a template is an error, not an empty string
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=_finalize,
        )
        self.env.filters.update(FILTERS)

    def display(self, filename: str | None, name: str) -> str:
        if not filename:
            return name
        try:
            return Path(os.path.relpath(filename, self.project_dir)).as_posix()
        except ValueError:
            return filename

    def render(self, role: str, **context: Any) -> str:
        import jinja2

        name = self.names[role]
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound as exc:
            places = " or ".join(self.display(str(p), str(p)) for p in self.search) or "no templates folder"
            raise TemplateError(f"template {exc.name!r} (role {role}) not found in {places}") from None
        except jinja2.TemplateSyntaxError as exc:
            shown = self.display(exc.filename, exc.name or name)
            raise TemplateError(f"{shown}:{exc.lineno}: template syntax error: {exc.message}") from None
        try:
            text = template.render(**context)
        except jinja2.TemplateSyntaxError as exc:  # in an included template
            shown = self.display(exc.filename, exc.name or name)
            raise TemplateError(f"{shown}:{exc.lineno}: template syntax error: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 - any render failure is the template's, reported with its line
            filename, line = self._where(exc, template.filename)
            shown = self.display(filename, name)
            raise TemplateError(f"{shown}:{line}: template error ({role}): {exc}") from None
        return tidy(text)

    def _where(self, exc: BaseException, default: str | None) -> tuple[str | None, int]:
        # Jinja2 rewrites tracebacks so template frames carry the template's
        # file name and line; the innermost such frame is where it failed.
        roots = tuple(str(p) for p in self.search)
        found: tuple[str | None, int] = (default, 0)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(roots) or frame.filename == "<template>":
                found = (frame.filename, frame.lineno or 0)
        return found


def tidy(text: str) -> str:
    """Trailing spaces off, runs of blank lines collapsed to one, exactly one
    final newline: templates can be written for legibility."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


# --------------------------------------------------------------------- READMEs


@dataclass(frozen=True)
class BlockResult:
    block: Block
    old: str  # the text between the markers now
    new: str  # what it should be

    @property
    def stale(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class ReadmeResult:
    path: str
    index: IndexFile
    scan: MarkerScan
    blocks: tuple[BlockResult, ...]
    text: str
    new_text: str | None  # None: not regenerated (no markers, or malformed ones)

    @property
    def stale(self) -> bool:
        return self.new_text is not None and self.new_text != self.text


def allowed_blocks(index: IndexFile) -> tuple[str, ...]:
    return ROOT_BLOCKS if index.kind == "root" else (*SECTION_BLOCKS, GROUP_PREFIX + "*")


def render_readme(model: Model, renderer: Renderer, doc: Document) -> ReadmeResult:
    """The README ``doc`` with its generated blocks brought up to date."""
    index = index_from(doc)
    if model.indexes.get(doc.path) != index:
        # The README as given (e.g. mid-fix) wins over the corpus's copy.
        model = Model(model.notes.values(), [*(i for p, i in model.indexes.items() if p != doc.path), index],
                      model.files)
    scan = scan_markers(doc, allowed_blocks(index), [g.key for g in index.groups])
    if scan.problems or not scan.blocks:
        same = tuple(BlockResult(b, doc.text[b.content_start:b.content_end],
                                 doc.text[b.content_start:b.content_end]) for b in scan.blocks)
        return ReadmeResult(doc.path, index, scan, same, doc.text, None)
    newline = doc.newline
    context = _Context(model, renderer, index)
    results: list[BlockResult] = []
    for block in scan.blocks:
        rendered = context.render(block.name)
        body = "\n" + rendered + "\n" if rendered else ""
        if newline != "\n":
            body = body.replace("\n", newline)
        results.append(BlockResult(block, doc.text[block.content_start:block.content_end], body))
    text = doc.text
    for br in sorted(results, key=lambda r: r.block.content_start, reverse=True):
        text = text[: br.block.content_start] + br.new + text[br.block.content_end:]
    return ReadmeResult(doc.path, index, scan, tuple(results), doc.text, text)


class _Context:
    """Renders the blocks of one README, building each view once."""

    def __init__(self, model: Model, renderer: Renderer, index: IndexFile):
        self.model = model
        self.renderer = renderer
        self.index = index
        self.views = Views(model, index.folder)
        self._section: SectionView | None = None
        self._sections: tuple[SectionView, ...] | None = None

    @property
    def readme(self) -> dict[str, object]:
        i = self.index
        return {"path": _u(i.path), "title": _u(i.title), "label": _u(i.label), "description": _u(i.description)}

    @property
    def section(self) -> SectionView:
        if self._section is None:
            self._section = self.views.section(self.index.folder)
        return self._section

    @property
    def sections(self) -> tuple[SectionView, ...]:
        if self._sections is None:
            self._sections = tuple(self.views.section(f) for f in self.model.root_sections(self.index))
        return self._sections

    def render(self, name: str) -> str:
        r = self.renderer
        if self.index.kind == "root":
            common = {"readme": self.readme, "sections": self.sections, "total": sum(s.count for s in self.sections)}
            if name == "graph":
                return r.render("root-graph", graph=self.views.root_graph(self.model.root_sections(self.index)),
                                **common)
            return r.render(f"root-{name}", **common)
        common = {"readme": self.readme, "section": self.section, "entry_template": r.names["section-entry"]}
        if name.startswith(GROUP_PREFIX):
            key = name[len(GROUP_PREFIX):]
            group = next(g for g in self.section.groups if g.key == key)
            return r.render("section-group", group=group, **common)
        if name == "graph":
            return r.render("section-graph", graph=self.views.graph(self.index.folder), **common)
        return r.render(f"section-{name}", **common)


# ------------------------------------------------------------ entries (IDX002)


def entry_targets(tokens: Sequence[Any], folder: str, first_line: int = 1, last_line: int = 10**9) -> list[str]:
    """Paths (relative to the root) that entries link to, in order.

    An *entry* is a heading whose text holds a link (its first link), or a
    list item that starts with a link: the two shapes index listings take
    (:func:`pipeline.document.entry_tokens` picks them out, for light index
    documents too). Links further inside a list item (关联阅读 …) are
    references, not entries.
    """
    out: list[str] = []
    for tok in entry_tokens(tokens)[2::3]:  # each entry: two tokens of shape, then its inline token
        if not tok.map or not (first_line <= tok.map[0] + 1 <= last_line):
            continue
        link = tok.children[0]
        path = resolve_link(folder, str(link.attrs.get("href") or ""))
        if path is not None:
            out.append(path)
    return out


def resolve_link(folder: str, target: str) -> str | None:
    """A relative link target as a path from the root; None for URLs and anchors."""
    target = target.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1]
    if not target or target.startswith("#") or _SCHEME.match(target) or target.startswith("//"):
        return None
    raw = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not raw:
        return None
    joined = raw.lstrip("/") if raw.startswith("/") else posixpath.join(folder, raw)
    return posixpath.normpath(joined)


def generated_entries(text: str) -> list[str]:
    """Entry targets of a rendered block (parsed on its own)."""
    return entry_targets(parse(text).tokens, "")


# ------------------------------------------------------------------- the build


@dataclass(frozen=True)
class IndexOutput:
    """What ``build-index`` would do with one index README."""

    path: str  # relative to the corpus root
    abspath: Path
    data: bytes | None  # as read
    new_data: bytes | None  # None: leave the file alone
    digest: str
    result: ReadmeResult | None
    problems: tuple[str, ...] = ()  # why it is left alone, or what is wrong with it
    error: bool = False  # problems that should fail the build (malformed markers)

    @property
    def changed(self) -> bool:
        return self.new_data is not None and self.new_data != self.data

    def diff(self, display: str) -> str:
        if self.result is None or self.result.new_text is None:
            return ""
        old = self.result.text.splitlines(keepends=True)
        new = self.result.new_text.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, fromfile=f"a/{display}", tofile=f"b/{display}"))


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[IndexOutput, ...] = ()

    @property
    def stale(self) -> list[IndexOutput]:
        return [o for o in self.outputs if o.changed]


def build(config: Config, corpus: Corpus | None = None) -> BuildResult:
    """Regenerate every index README of the corpus, in memory."""
    from pipeline.fixer import _encode as encode_text  # the fixer's encoder: same bytes rules as `corpus fix`

    corpus = corpus or Corpus(config)
    renderer = Renderer(config)
    model = build_model(corpus)
    indexes = model.indexes  # by path
    outputs: list[IndexOutput] = []
    for rel in corpus.markdown_files:
        if rel not in indexes and posixpath.basename(rel) != "README.md":
            continue  # a note: build_model has made its Note
        loaded = corpus.load(rel)
        doc = loaded.document
        abspath = config.root / rel
        if doc is None or doc_kind(doc) != "index":
            if doc is None and posixpath.basename(rel) == "README.md":
                outputs.append(IndexOutput(rel, abspath, loaded.data, None, loaded.digest, None,
                                           ("cannot be read as text; left unchanged (run corpus check)",), True))
            continue
        if loaded.problems:
            outputs.append(IndexOutput(rel, abspath, loaded.data, None, loaded.digest, None,
                                       ("its encoding needs repair first (run corpus fix); left unchanged",), True))
            continue
        result = render_readme(model, renderer, doc)
        if not result.scan.has_markers:
            outputs.append(IndexOutput(
                rel, abspath, loaded.data, None, loaded.digest, result,
                (f"no index markers; left unchanged (add {start_marker()} and {end_marker()} "
                 "where the generated index goes)",)))
            continue
        if result.scan.problems:
            problems = tuple(f"line {p.line}: {p.message}" for p in result.scan.problems)
            outputs.append(IndexOutput(rel, abspath, loaded.data, None, loaded.digest, result,
                                       (*problems, "left unchanged"), True))
            continue
        assert result.new_text is not None
        new_data = encode_text(result.new_text, doc.encoding, doc.bom)
        outputs.append(IndexOutput(rel, abspath, loaded.data, new_data, loaded.digest, result))
    return BuildResult(tuple(outputs))


def out_of_date_summary(result: ReadmeResult) -> str:
    """``block "index" (+3 -1 lines)``, for messages."""
    parts = []
    for br in result.blocks:
        if br.stale:
            parts.append(f'"{br.block.name}" ({diff_stat(br.old, br.new)})')
    return ", ".join(parts)


def diff_stat(old: str, new: str) -> str:
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return f"+{added} -{removed} lines"
