"""The corpus as one graph: where every link, wiki-link and related entry points.

Built once per run and memoized in ``ctx.cache`` (:func:`link_index`): the file
listing as a set (compared case-sensitively, whatever the filesystem does),
maps from base names and stems to paths, note ids, and anchors per file.  A
rule that checks one note's links asks this index; it never re-parses a
target (the corpus caches parses, and each file's anchors are computed once).

Resolution follows the two renderers the corpus is read in:

* Markdown links and images resolve as on GitHub: relative to the linking
  note's folder, percent-decoded, ``?query`` dropped, a folder meaning its
  ``README.md``.  Fragments match heading anchors as github-slugger computes
  them, exactly (see :func:`match_fragment` for what is forgiven and why).
* Wiki-links resolve as in Obsidian, with the corpus root as the vault:
  a path from the vault root (``.md`` optional), a path relative to the note,
  or else a file name unique in the vault.  Heading parts match heading text
  the way Obsidian compares it (:func:`wiki_heading_key`).
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml

from pipeline.loader import read_document
from pipeline.slug import slug

if TYPE_CHECKING:
    from pipeline.corpus import Corpus
    from pipeline.document import Document, Section
    from pipeline.rules.base import Context

CACHE_KEY = "links.index"
README = "README.md"
# Names too generic to say "the file moved there" with certainty.
_GENERIC_NAMES = frozenset({"readme.md", "index.md"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")
_WIKI = re.compile(r"(!?)\[\[([^\[\]\n|#]*)(#[^\[\]\n|]*)?(?:\|([^\[\]\n]*))?\]\]")
_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)[ \t]*$", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FRONT_MATTER_READ_LIMIT = 64_000


# ----------------------------------------------------------------- link targets


# Above this many files of one extension, did-you-mean looks only in the same
# folder and among names with the same first two characters.
SUGGESTION_SCAN_LIMIT = 2000


@dataclass(frozen=True)
class Target:
    """A Markdown link destination split into its parts (path percent-decoded)."""

    raw: str
    path: str  # decoded, query and fragment removed; "" for a same-file link
    fragment: str | None  # decoded, without "#"; None when there is no "#"
    raw_fragment: str | None  # as written
    scheme: str | None  # "http", "mailto"...; None for a relative path


def split_target(raw: str) -> Target:
    """Split a link destination as a browser would: scheme, path, query, fragment."""
    text = raw.strip()
    scheme: str | None = None
    m = _SCHEME.match(text)
    if m and not _WINDOWS_PATH.match(text):
        scheme = m.group(1).lower()
    path, hash_sign, fragment = text.partition("#")
    path = path.split("?", 1)[0]
    return Target(
        raw=raw,
        path=unquote(path),
        fragment=unquote(fragment) if hash_sign else None,
        raw_fragment=fragment if hash_sign else None,
        scheme=scheme,
    )


@dataclass(frozen=True)
class Resolved:
    """Where a relative link lands.

    ``status``: "file" (``rel`` exists), "folder" (``rel`` is the folder's
    README.md), "folder-without-readme", "missing", "outside" (climbs out of
    the corpus root), "absolute" (a path from ``/`` or a drive letter).
    """

    status: str
    rel: str  # normalized path relative to the corpus root ("" when outside)
    climbed: str = ""  # for "outside": the path as resolved beyond the root


def classify_path(from_rel: str, path: str) -> tuple[str, str]:
    """("absolute" | "outside" | "inside", normalized path from the root) of a
    decoded relative path written in note ``from_rel``.  Pure: no listing."""
    if path.startswith("/") or _WINDOWS_PATH.match(path) or path.startswith("\\\\"):
        return "absolute", ""
    folder = note_folder(from_rel)
    normalized = posixpath.normpath(posixpath.join(folder, path) if folder else path)
    if normalized == ".":
        normalized = ""
    if normalized == ".." or normalized.startswith("../"):
        return "outside", normalized
    return "inside", normalized


def note_folder(rel: str) -> str:
    return posixpath.dirname(rel)


def relative_link(from_rel: str, to_rel: str, *, dot_slash: bool = True) -> str:
    """A link from note ``from_rel`` to ``to_rel`` (both relative to the root)."""
    rel = posixpath.relpath(to_rel, note_folder(from_rel) or ".")
    if dot_slash and not rel.startswith("../"):
        rel = "./" + rel
    return rel


def encode_link_path(path: str) -> str:
    """Escape what would end or break a Markdown link destination; keep CJK readable."""
    return path.replace("%", "%25").replace(" ", "%20").replace("(", "%28").replace(")", "%29") \
        .replace("<", "%3C").replace(">", "%3E")


# ---------------------------------------------------------------- anchor logic


@dataclass(frozen=True)
class FragmentMatch:
    ok: bool
    fix: str | None = None  # the exact anchor, when the fragment surely means it
    reason: str = ""  # why the fix is certain ("letter case", ...)
    suggestion: str | None = None  # a merely similar anchor


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def match_fragment(fragment: str, anchors: frozenset[str] | set[str]) -> FragmentMatch:
    """Does a decoded fragment name one of ``anchors``?

    GitHub's page script finds a heading whatever the case of the fragment
    (``#DiAgNoStIc`` works there), but browsers, VS Code, GitLab and most
    static-site generators compare ids exactly, and markdownlint's MD051 does
    too.  So an exact match is required; a fragment that is the anchor up to
    letter case, Unicode normalization or the punctuation the slugger drops is
    a finding with a certain fix.  A fragment that is only similar gets a
    suggestion.  ``#top`` and an empty fragment mean the top of the page
    (HTML), ``user-content-`` is the prefix GitHub gives every id.
    """
    if fragment in ("", "top") or fragment in anchors:
        return FragmentMatch(True)
    if fragment.startswith("user-content-") and fragment[len("user-content-"):] in anchors:
        return FragmentMatch(True)
    nfc = _nfc(fragment)
    if nfc in anchors:
        return FragmentMatch(False, nfc, "Unicode normalization")
    lowered = nfc.lower()
    if lowered in anchors:
        return FragmentMatch(False, lowered, "letter case")
    slugged = slug(nfc)
    if slugged and slugged in anchors:
        return FragmentMatch(False, slugged, "punctuation or spaces that the heading's anchor drops")
    return FragmentMatch(False, suggestion=closest_anchor(lowered, anchors))


def closest_anchor(fragment: str, anchors: Iterable[str]) -> str | None:
    ordered = sorted(anchors)
    if not ordered or not fragment:
        return None
    # "#8-面试题库" for the heading "8. 面试题库（12 题）" (anchor "8-面试题库12-题"):
    # a heading that grew a suffix is the likeliest meaning.
    prefixed = [a for a in ordered if a.startswith(fragment)]
    if prefixed:
        return min(prefixed, key=len)
    close = difflib.get_close_matches(fragment, ordered, n=1, cutoff=0.5)
    return close[0] if close else None


def wiki_heading_key(text: str) -> str:
    """How Obsidian compares a wiki-link's heading part with a heading.

    Obsidian strips the characters that cannot appear in a link (``# | ^ :
    %% [[ ]]``) and, when it completes a heading, other punctuation too; both
    ``[[Note#a, b]]`` and ``[[Note#a b]]`` reach ``# a, b``, and
    ``[[#Is it?]]`` and ``[[#Is it]]`` reach ``# Is it?``.  So both sides are
    reduced to their letters, marks, digits, ``_`` and ``-`` separated by
    single spaces, and compared without regard to case.
    """
    out: list[str] = []
    for ch in _nfc(text):
        cat = unicodedata.category(ch)
        if cat[0] in "LMN" or ch in "_-":
            out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split()).casefold()


# ------------------------------------------------------------- front-matter bits


@dataclass(frozen=True)
class FrontMatterLink:
    """A wiki-link written inside a front-matter value."""

    target: str  # path part plus "#heading", as in Link.target
    alias: str
    embed: bool
    key: str  # top-level key it sits under
    line: int
    column: int
    start: int = -1  # character offsets of the target in doc.text, when exact
    end: int = -1


@dataclass(frozen=True)
class RelatedEntry:
    """One entry of the front-matter ``related`` list: its target and where it is written."""

    target: str
    line: int
    column: int
    start: int = -1
    end: int = -1


_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Compositions by front-matter text: every link rule asks for the same note's
# front-matter, and composing YAML is the slowest step of the link checks.
_COMPOSED: dict[str, yaml.Node | None] = {}
_COMPOSED_MAX = 4096


def _compose(doc: Document) -> yaml.Node | None:
    fm = doc.front_matter
    if fm is None or fm.data is None:
        return None  # invalid YAML is the front-matter rules' finding
    if fm.raw in _COMPOSED:
        return _COMPOSED[fm.raw]
    node: yaml.Node | None
    try:
        loader = _YamlLoader(fm.raw)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError):
        node = None
    if len(_COMPOSED) >= _COMPOSED_MAX:
        _COMPOSED.clear()
    _COMPOSED[fm.raw] = node
    return node


def _scalar_position(doc: Document, node: yaml.ScalarNode) -> tuple[int, int, int, int]:
    """(line, column, start, end) of a scalar's text; offsets -1 when the value
    is not written verbatim (escapes, folded lines).  Uses the front-matter's
    raw YAML, not ``doc.text``, so it works on light documents too."""
    fm = doc.front_matter
    assert fm is not None
    line = fm.start_line + 1 + node.start_mark.line
    column = node.start_mark.column + 1
    if node.style in ("'", '"'):
        column += 1
    value = str(node.value)
    raw_lines = fm.raw.split("\n")
    raw_line = raw_lines[node.start_mark.line].rstrip("\r") if node.start_mark.line < len(raw_lines) else ""
    if "\n" not in value and raw_line[column - 1:column - 1 + len(value)] == value:
        start = doc.offset(line, column)
        return line, column, start, start + len(value)
    return line, column, -1, -1


def _walk_scalars(node: yaml.Node, key: str = "") -> Iterator[tuple[str, yaml.ScalarNode]]:
    if isinstance(node, yaml.ScalarNode):
        yield key, node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk_scalars(item, key)
    elif isinstance(node, yaml.MappingNode):
        for knode, vnode in node.value:
            yield from _walk_scalars(vnode, key or str(getattr(knode, "value", "")))


def front_matter_wikilinks(doc: Document) -> list[FrontMatterLink]:
    """Wiki-links in front-matter string values, each at its own line and column."""
    fm = doc.front_matter
    if fm is None or "[[" not in fm.raw:
        return []
    root = _compose(doc)
    if root is None:
        return []
    out: list[FrontMatterLink] = []
    for key, node in _walk_scalars(root):
        value = str(node.value)
        if "[[" not in value:
            continue
        line, column, start, _end = _scalar_position(doc, node)
        for m in _WIKI.finditer(value):
            target = m.group(2).strip() + (m.group(3) or "")
            if start >= 0:
                t_start = start + m.start(2)
                t_end = start + (m.end(3) if m.group(3) else m.end(2))
                t_line, t_col = doc.position(t_start)
                out.append(FrontMatterLink(target, (m.group(4) or "").strip(), bool(m.group(1)), key,
                                           t_line, t_col, t_start, t_end))
            else:  # folded or escaped scalar: report at the value
                out.append(FrontMatterLink(target, (m.group(4) or "").strip(), bool(m.group(1)), key, line, column))
    return out


# related_entries by (path, front-matter text): three rules and the graph ask
# for every note's entries, and composing the YAML again each time was the
# slowest part of a large run's cross-file phase. The entries are small; the
# composed nodes they come from are not kept.
_RELATED: dict[tuple[str, str], tuple[RelatedEntry, ...]] = {}
_RELATED_MAX = 65536


def related_entries(doc: Document) -> list[RelatedEntry]:
    """The targets of ``related``: ``{target, reason}`` items, or plain strings."""
    if "related" not in doc.meta or doc.front_matter is None:
        return []
    key = (doc.path, doc.front_matter.raw)
    found = _RELATED.get(key)
    if found is None:
        found = tuple(_related_entries(doc))
        if len(_RELATED) >= _RELATED_MAX:
            _RELATED.clear()
        _RELATED[key] = found
    return list(found)


def _related_entries(doc: Document) -> list[RelatedEntry]:
    root = _compose(doc)
    if not isinstance(root, yaml.MappingNode):
        return []
    out: list[RelatedEntry] = []
    for knode, vnode in root.value:
        if getattr(knode, "value", None) != "related" or not isinstance(vnode, yaml.SequenceNode):
            continue
        for item in vnode.value:
            target_node: yaml.Node | None = item
            if isinstance(item, yaml.MappingNode):
                target_node = next((v for k, v in item.value if getattr(k, "value", None) == "target"), None)
            if not isinstance(target_node, yaml.ScalarNode) or target_node.tag.endswith(":null"):
                continue  # a missing or non-scalar target is the schema's finding
            value = str(target_node.value).strip()
            if not value:
                continue
            line, column, start, end = _scalar_position(doc, target_node)
            out.append(RelatedEntry(value, line, column, start, end))
    return out


def read_front_matter(path: Path) -> dict[str, Any] | None:
    """The front-matter of a file without parsing its Markdown: for the id map
    when only a few notes are being checked."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_FRONT_MATTER_READ_LIMIT)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace")
    m = _FRONT_MATTER.match(text)
    if not m:
        return None
    try:
        data = yaml.load(m.group(1), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loader
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


Head = tuple[str | None, str | None]  # (note id, declared doc type)


def _head(ident: object, declared: object) -> Head:
    return note_id({"id": ident}), declared if isinstance(declared, str) and declared else None


def _head_of_file(path: Path) -> Head:
    meta = read_front_matter(path) or {}
    return _head(meta.get("id"), meta.get("type"))


def note_heads(corpus: Corpus, rels: Iterable[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """``(rel, id, declared type)`` of each of ``rels``.

    From the document when the run holds it, else from the front-matter
    alone, remembered under the file's stat: checking one note must not
    parse (or unpack) the rest of the corpus to learn their ids.
    """
    held = {rel: corpus.held_head(rel) for rel in rels}
    # A packed note is recorded too, so that the next run checking a few
    # notes finds every id without reading 10k front-matters.
    asked = [(rel, _head_of_file if h is None else lambda _path, h=h: _head(h[0], h[1]))
             for rel, h in held.items() if h is None or h[2]]
    memo = dict(zip([rel for rel, _ in asked], corpus.memo_by_stat("note-head", asked), strict=True))
    for rel, h in held.items():
        head = memo[rel] if h is None or h[2] else _head(h[0], h[1])
        yield rel, head[0], head[1]


def note_id(meta: dict[str, Any]) -> str | None:
    value = meta.get("id")
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


# --------------------------------------------------------------------- the index


@dataclass(frozen=True)
class WikiResolution:
    status: str  # "file" | "missing" | "ambiguous" | "self"
    rels: tuple[str, ...] = ()

    @property
    def rel(self) -> str:
        return self.rels[0] if self.rels else ""


@dataclass
class LinkIndex:
    """Everything about the corpus that link checks look up, computed lazily, once."""

    corpus: Corpus
    _anchors: dict[str, frozenset[str]] = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict)
    _closest: dict[str, str | None] = field(default_factory=dict)
    _ids: dict[str, list[str]] | None = None

    # -- file listing ---------------------------------------------------------
    @cached_property
    def files(self) -> frozenset[str]:
        return frozenset(self.corpus.files)

    @cached_property
    def folded(self) -> dict[str, list[str]]:
        """Lower-cased path -> paths: to tell a case mismatch from a missing file."""
        out: dict[str, list[str]] = defaultdict(list)
        for rel in self.corpus.files:
            out[rel.casefold()].append(rel)
        return dict(out)

    @cached_property
    def by_name(self) -> dict[str, list[str]]:
        """File name -> paths, exact case."""
        out: dict[str, list[str]] = defaultdict(list)
        for rel in self.corpus.files:
            out[posixpath.basename(rel)].append(rel)
        return dict(out)

    @cached_property
    def by_name_folded(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for rel in self.corpus.files:
            out[posixpath.basename(rel).casefold()].append(rel)
        return dict(out)

    @cached_property
    def _stems(self) -> dict[str, list[tuple[str, str, str]]]:
        """Extension -> (lower-cased stem, folder, path): the did-you-mean table."""
        out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for rel in self.corpus.files:
            stem, ext = posixpath.splitext(posixpath.basename(rel))
            out[ext.lower()].append((stem.casefold(), note_folder(rel), rel))
        return dict(out)

    @cached_property
    def _stems_by_prefix(self) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
        """(extension, first two characters of the stem) -> entries of _stems."""
        out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for ext, entries in self._stems.items():
            for entry in entries:
                out[(ext, entry[0][:2])].append(entry)
        return dict(out)

    def _suggestion_pool(self, stem: str, ext: str, folder: str) -> list[tuple[str, str, str]]:
        """Where to look for a did-you-mean.  Every file of that extension in a
        corpus of ordinary size; in a large one (a name compared with tens of
        thousands of similar names for each broken link made the check
        quadratic), the files of the same folder plus those whose name starts
        like the missing one."""
        entries = self._stems.get(ext, [])
        if len(entries) <= SUGGESTION_SCAN_LIMIT:
            return entries
        near = [e for e in self._by_folder_stems.get((ext, folder), [])]
        return near + [e for e in self._stems_by_prefix.get((ext, stem[:2]), []) if e[1] != folder]

    @cached_property
    def _by_folder_stems(self) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
        out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for ext, entries in self._stems.items():
            for entry in entries:
                out[(ext, entry[1])].append(entry)
        return dict(out)

    def is_file(self, rel: str) -> bool:
        if rel in self.files:
            return True
        # Hidden folders (".assets/") are not listed; look on disk, still case-sensitively.
        if any(part.startswith(".") or part == "node_modules" for part in rel.split("/")):
            return _exists_exact(self.corpus.root, rel)
        return False

    def is_dir(self, rel: str) -> bool:
        return self.corpus.is_dir(rel)

    # -- relative links -------------------------------------------------------
    def resolve(self, from_rel: str, path: str) -> Resolved:
        """Resolve a decoded relative path written in note ``from_rel``."""
        where, normalized = classify_path(from_rel, path)
        if where == "absolute":
            return Resolved("absolute", "")
        if where == "outside":
            return Resolved("outside", "", normalized)
        if not path.endswith("/") and self.is_file(normalized):
            return Resolved("file", normalized)
        if self.is_dir(normalized):
            readme = f"{normalized}/{README}" if normalized else README
            if self.is_file(readme):
                return Resolved("folder", readme)
            return Resolved("folder-without-readme", normalized)
        return Resolved("missing", normalized)

    def case_variants(self, rel: str) -> list[str]:
        return [r for r in self.folded.get(rel.casefold(), []) if r != rel]

    def moved_to(self, rel: str) -> str | None:
        """The one file elsewhere with this file name, if there is exactly one."""
        name = posixpath.basename(rel)
        if name.casefold() in _GENERIC_NAMES:
            return None
        found = self.by_name.get(name, [])
        return found[0] if len(found) == 1 and found[0] != rel else None

    def closest_file(self, rel: str) -> str | None:
        """A did-you-mean for a missing path: an existing file whose name is
        nearly the same (a typo, a renamed note that kept its number), nearest
        first.  Similar folder prefixes do not count: "LLM_Advances/10_DPO.md"
        must not suggest "VLM_Advances/README.md"."""
        if posixpath.basename(rel).casefold() in _GENERIC_NAMES:
            return None  # every folder has one: any suggestion would be a guess
        if rel in self._closest:
            return self._closest[rel]
        stem, ext = posixpath.splitext(posixpath.basename(rel))
        folder = note_folder(rel)
        a = stem.casefold()
        matcher = difflib.SequenceMatcher(None)
        matcher.set_seq2(a)  # difflib caches what it learns about the fixed side
        best: tuple[float, int, str] | None = None
        for b, c_folder, candidate in self._suggestion_pool(a, ext.lower(), folder):
            # ratio() >= 0.85 needs lengths within that ratio: most files are rejected here, cheaply.
            shorter, longer = sorted((len(a), len(b)))
            score = 0.0
            if 2 * shorter >= 0.85 * (shorter + longer):
                matcher.set_seq1(b)
                if matcher.quick_ratio() >= 0.85:
                    score = matcher.ratio()
            if c_folder == folder and shorter >= 3 and (a.startswith(b) or b.startswith(a)):
                score = max(score, 0.85)  # "11_Connector" for "11_Connector_MLP"
            if score < 0.85:
                continue
            key = (-score, _distance(candidate, rel), candidate)
            if best is None or key < best:
                best = key
        self._closest[rel] = best[2] if best else None
        return self._closest[rel]

    def missing_folder(self, rel: str) -> str | None:
        """The first folder of ``rel`` that does not exist, if any."""
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if not self.is_dir(folder):
                return folder
        return None

    # -- anchors ---------------------------------------------------------------
    def anchors(self, rel: str) -> frozenset[str] | None:
        """Heading anchors and explicit ids of a Markdown file (None if unreadable)."""
        if rel in self._anchors:
            return self._anchors[rel]
        doc = self.corpus.document(rel)
        if doc is None:
            return None
        anchors = doc.anchors
        self._anchors[rel] = anchors
        return anchors

    def document(self, rel: str) -> Document | None:
        return self.corpus.document(rel)

    def text_of(self, doc: Document) -> str:
        """The full text of a document, read again when it is a light one
        (block references need it; headings and anchors do not)."""
        if doc.text or doc.path not in self.files:
            return doc.text
        if doc.path not in self._texts:
            loaded = read_document(self.corpus.root / doc.path, doc.path,
                                   max_size=self.corpus.config.settings.max_file_size, doc_type=doc.doc_type)
            self._texts[doc.path] = loaded.document.text if loaded.document is not None else ""
        return self._texts[doc.path]

    # -- wiki-links ------------------------------------------------------------
    def resolve_wiki(self, from_rel: str, path: str) -> WikiResolution:
        """Resolve the path part of a wiki-link as Obsidian does (vault = corpus root)."""
        path = path.strip()
        if not path:
            return WikiResolution("self", (from_rel,))
        if path.startswith("/"):
            path = path.lstrip("/")
        names = [path] if posixpath.splitext(path)[1] else [path + ".md", path]
        # 1. a path from the vault root
        for name in names:
            normalized = posixpath.normpath(name)
            if self.is_file(normalized):
                return WikiResolution("file", (normalized,))
        # 2. a path relative to the note ("./x", "../x")
        if path.startswith(("./", "../")):
            for name in names:
                joined = posixpath.normpath(posixpath.join(note_folder(from_rel), name))
                if not joined.startswith("../") and self.is_file(joined):
                    return WikiResolution("file", (joined,))
            return WikiResolution("missing")
        # 3. a file name (or a path's tail) anywhere in the vault; Obsidian ignores case
        for fold in (False, True):
            found: list[str] = []
            for name in names:
                base = posixpath.basename(name)
                pool = self.by_name_folded.get(base.casefold(), []) if fold else self.by_name.get(base, [])
                for rel in pool:
                    tail_ok = ("/" + rel).casefold().endswith(("/" + name).casefold()) if fold \
                        else ("/" + rel).endswith("/" + name)
                    if tail_ok and rel not in found:
                        found.append(rel)
                if found:
                    break
            if len(found) == 1:
                return WikiResolution("file", (found[0],))
            if len(found) > 1:
                return WikiResolution("ambiguous", tuple(sorted(found)))
        return WikiResolution("missing")

    def closest_wiki(self, path: str) -> str | None:
        """A did-you-mean for a missing wiki target: a file whose name is nearly
        the same, written as Obsidian would (the bare name when it is unique in
        the vault, else the vault path), without ".md"."""
        has_ext = bool(posixpath.splitext(path)[1])
        name = posixpath.basename(path).casefold()
        best: tuple[float, int, str] | None = None
        for rel in self.corpus.files:
            if not has_ext and not rel.endswith(".md"):
                continue
            written = rel if has_ext else _strip_md(rel)
            score = difflib.SequenceMatcher(None, name, posixpath.basename(written).casefold()).ratio()
            if score < 0.85:
                continue
            key = (-score, _distance(written, path), written)
            if best is None or key < best:
                best = key
        if best is None:
            return None
        written = best[2]
        base = posixpath.basename(written)
        unique = len(self.by_name.get(base if has_ext else base + ".md", [])) == 1
        return base if unique and "/" not in path else written

    # -- note ids --------------------------------------------------------------
    @property
    def ids(self) -> dict[str, list[str]]:
        """Note id -> paths, over every Markdown file of the corpus.

        Uses the parsed document when the corpus already holds it, and reads
        only the front-matter of the others: checking one note must not parse
        the whole corpus.
        """
        if self._ids is None:
            out: dict[str, list[str]] = defaultdict(list)
            for rel, ident, _declared in note_heads(self.corpus, self.corpus.markdown_files):
                if ident is not None:
                    out[ident].append(rel)
            self._ids = dict(out)
        return self._ids

    # -- the graph ---------------------------------------------------------------
    def resolve_related(self, doc: Document, target: str) -> tuple[str, str | None]:
        """(kind, rel) of a related target: kind "id" | "path" | "wiki" | "missing-id" |
        "missing-path" | "outside"; rel when it resolves."""
        if "[[" in target:
            m = _WIKI.search(target)
            if not m:
                return "missing-path", None
            wiki = self.resolve_wiki(doc.path, m.group(2))
            return ("wiki", wiki.rel) if wiki.status in ("file", "self") else ("wiki", None)
        found = self.ids.get(target)
        if found:
            return "id", found[0]
        if looks_like_id(target):
            return "missing-id", None
        parsed = split_target(target)
        res = self.resolve(doc.path, parsed.path)
        if res.status in ("file", "folder"):
            return "path", res.rel
        if res.status in ("outside", "absolute"):
            return "outside", None
        return "missing-path", None

    def outgoing(self, doc: Document) -> set[str]:
        """Every corpus file this document links to (links, wiki-links, related)."""
        out: set[str] = set()
        for link in doc.links:
            if link.kind in ("wiki", "embed"):
                wiki = self.resolve_wiki(doc.path, link.target.partition("#")[0])
                if wiki.status == "file":
                    out.add(wiki.rel)
            elif link.kind in ("inline", "image", "definition", "reference"):
                parsed = split_target(link.target)
                if parsed.scheme is None and parsed.path:
                    res = self.resolve(doc.path, parsed.path)
                    if res.status in ("file", "folder"):
                        out.add(res.rel)
        for fl in front_matter_wikilinks(doc):
            wiki = self.resolve_wiki(doc.path, fl.target.partition("#")[0])
            if wiki.status == "file":
                out.add(wiki.rel)
        for entry in related_entries(doc):
            _kind, rel = self.resolve_related(doc, entry.target)
            if rel:
                out.add(rel)
        out.discard(doc.path)
        return out


def looks_like_id(target: str) -> bool:
    """"10", "S1", "S12": what note ids look like (a path has a "/" or a ".")."""
    return bool(re.fullmatch(r"[A-Za-z]{0,3}\d{1,4}[A-Za-z]?", target))


def find_wiki_heading(doc: Document, parts: list[str], text: str | None = None) -> tuple[bool, str | None]:
    """Does ``[[note#A#B]]``'s heading path exist in ``doc``?  (ok, suggestion).

    Each part must match a heading nested under the previous part's heading,
    as Obsidian's "Note#Heading#Subheading" links do.  ``^id`` parts are block
    references.
    """
    last = parts[-1]
    if last.startswith("^"):
        block = last[1:]
        ids = set(_BLOCK_ID.findall(doc.text if text is None else text))
        if block in ids:
            return True, None
        close = difflib.get_close_matches(block, sorted(ids), n=1, cutoff=0.6)
        return False, ("^" + close[0]) if close else None
    scope: list[Section] = list(doc.sections)
    for index, part in enumerate(parts):
        key = wiki_heading_key(part)
        candidates = [s for section in scope for s in section.walk()]
        match = next((s for s in candidates if wiki_heading_key(s.title) == key), None)
        if match is None:
            titles = [s.title for s in candidates] if index else [s.title for s in doc.all_sections]
            by_key = {wiki_heading_key(t): t for t in titles}
            close = difflib.get_close_matches(key, sorted(by_key), n=1, cutoff=0.5)
            # "面试题" for "8. 面试题库（12 题）": a heading that contains the words is the likeliest.
            containing = sorted((k for k in by_key if key and key in k), key=len)
            pick = containing[0] if containing else (close[0] if close else None)
            return False, by_key[pick] if pick else None
        scope = list(match.children)
    return True, None


def block_ids(text: str) -> list[str]:
    """Obsidian block ids (``^id`` ending a paragraph) in a text, sorted: what
    ``[[note#^id]]`` links reach; part of what other notes see of a note."""
    return sorted(set(_BLOCK_ID.findall(text)))


def link_index(ctx: Context) -> LinkIndex:
    """The run's link index, built on first use."""
    index = ctx.cache.get(CACHE_KEY)
    if not isinstance(index, LinkIndex) or index.corpus is not ctx.corpus:
        index = LinkIndex(ctx.corpus)
        ctx.cache[CACHE_KEY] = index
    return index


# ------------------------------------------------------------------------ helpers


def _strip_md(rel: str) -> str:
    return rel[:-3] if rel.endswith(".md") else rel


def _distance(a: str, b: str) -> int:
    pa, pb = a.split("/"), b.split("/")
    common = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        common += 1
    return len(pa) + len(pb) - 2 * common


def _exists_exact(root: Path, rel: str) -> bool:
    """Case-sensitive existence check on disk, one folder listing per segment:
    ``os.path.exists`` says yes to "readme.md" on macOS and Windows."""
    current = str(root)
    parts = rel.split("/")
    for i, part in enumerate(parts):
        try:
            names = os.listdir(current)
        except OSError:
            return False
        if part not in names:
            return False
        current = os.path.join(current, part)
        if i < len(parts) - 1 and not os.path.isdir(current):
            return False
    return os.path.isfile(current)
