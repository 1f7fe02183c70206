"""LNK: links, anchors, wiki-links, related notes and the corpus link graph.

Every check is a lookup in the run's :class:`~pipeline.linkindex.LinkIndex`
(built once, memoized in ``ctx.cache``); see that module for how targets
resolve on GitHub and in Obsidian.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag

from markdown_it.common.utils import normalizeReference

from pipeline.diagnostics import Edit, Finding, Fix, Severity
from pipeline.document import Document, Link
from pipeline.linkindex import (
    LinkIndex,
    Target,
    WikiResolution,
    classify_path,
    encode_link_path,
    find_wiki_heading,
    front_matter_wikilinks,
    link_index,
    match_fragment,
    note_id,
    related_entries,
    relative_link,
    split_target,
)
from pipeline.online import CACHE_FILE, LinkCache, OnlineChecker, Options, scheme_typo, url_problem
from pipeline.rules import register
from pipeline.rules.base import Context, CorpusRule, Rule

ONLINE_FLAG = "links.online"  # set by ``corpus check --online``
_CHECKER_KEY = "links.online.checker"
_CHECKED_KINDS = ("inline", "image", "definition")


def _online(ctx: Context) -> bool:
    """Are external links requested in this run (``--online`` or the setting)?"""
    return bool(ctx.cache.get(ONLINE_FLAG) or ctx.config.settings.links.online)


# ------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _Checked:
    """A Markdown link whose destination is written in the source (so it can be fixed)."""

    link: Link
    target: Target
    raw_path: str  # the path part as written, before "?" and "#"

    @property
    def exact(self) -> bool:
        """Do the link's offsets hold its target?  (Fixes need that.)"""
        return self.link.start >= 0


def _destinations(doc: Document) -> Iterator[_Checked]:
    """Links whose destination is written where they are: inline links, inline
    images and definitions.  Reference-style uses point at a definition, which
    is checked once, where it is written."""
    for link in doc.links:
        if link.kind not in _CHECKED_KINDS:
            continue
        if link.kind == "image" and link.start < 0:
            continue
        if link.start >= 0 and doc.text and doc.text[link.start:link.end] != link.target:
            link = Link(link.kind, link.target, link.text, link.line, link.column, -1, -1, link.label)
        raw_path = re.split(r"[?#]", link.target.strip(), maxsplit=1)[0]
        yield _Checked(link, split_target(link.target), raw_path)


def _outside_root(doc: Document) -> bool:
    """A file checked from outside the corpus root has an absolute path: its
    links cannot be resolved in the corpus graph, so the link rules skip it."""
    return doc.path.startswith("/") or bool(re.match(r"^[A-Za-z]:[\\/]", doc.path))


def _what(link: Link) -> str:
    return "image" if link.kind == "image" else "link"


def _did_you_mean(value: str | None) -> str:
    return f'; did you mean "{value}"?' if value else ""


def _fragment_span(item: _Checked) -> tuple[int, int] | None:
    """Offsets of the fragment (after "#") in the source."""
    if not item.exact:
        return None
    hash_at = item.link.target.find("#")
    if hash_at < 0:
        return None
    return item.link.start + hash_at + 1, item.link.end


def _target_doc(doc: Document, index: LinkIndex, rel: str) -> Document | None:
    # The note being checked may be a fixed, re-parsed version: use it, not the cached file.
    return doc if rel == doc.path else index.document(rel)


# ----------------------------------------------------------------- relative links


@register
class BrokenLink(Rule):
    """## What it does
    Reports a relative link or image whose target file does not exist in the
    corpus. The target is percent-decoded, `?query` is dropped, `./` and `../`
    are resolved from the linking note's folder, and the name is compared
    **case-sensitively** against the corpus listing (so `./readme.md` is
    reported even on macOS or Windows, where the file system would find
    `README.md`). A link to a folder means its `README.md`; a folder without
    one is reported too.

    The message names the closest existing file.

    ## Why is this bad?
    A broken link is a dead end for the reader, and a case mismatch works on
    the author's laptop but breaks on GitHub and on every Linux machine.

    ## Example
    ```markdown
    见 [Connector](./11_Conector.md)。
    ```

    ## Use instead
    ```markdown
    见 [Connector](./11_Connector.md)。
    ```

    ## Fix safety
    Fixed (safely) only when the answer is certain: the name differs only in
    letter case from exactly one file, or exactly one file with that name
    exists elsewhere in the corpus (it moved). The fix rewrites the link
    target only, relative to the linking note, and keeps its `#fragment`.
    A merely similar name is a suggestion in the message, never a fix.
    """

    code = "LNK001"
    needs_corpus = True
    name = "broken-link"
    summary = "Relative link or image points to a file that does not exist"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        index = link_index(ctx)
        for item in _destinations(doc):
            link, target = item.link, item.target
            if link.kind != "definition" and not link.target.strip():
                yield Finding(link.line, link.column, f"{_what(link)} has an empty target: "
                                                      "write the file it points to, or remove the link")
                continue
            if target.scheme is not None or not target.path or scheme_typo(link.target.strip()):
                continue
            res = index.resolve(doc.path, target.path)
            if res.status in ("file", "folder", "outside", "absolute"):
                continue
            what = _what(link)
            if res.status == "folder-without-readme":
                yield Finding(link.line, link.column,
                              f'{what} "{item.raw_path}" points to a folder that has no README.md: '
                              "link to a file in it, or add a README.md")
                continue
            variants = index.case_variants(res.rel)
            if len(variants) == 1:
                new = variants[0]
                yield Finding(link.line, link.column,
                              f'{what} "{item.raw_path}" does not exist: the file is "{self._written(doc, item, new)}" '
                              "(the letter case differs; that works on macOS and Windows, not on GitHub or Linux)",
                              self._fix(doc, item, new))
                continue
            moved = index.moved_to(res.rel)
            if moved is not None:
                yield Finding(link.line, link.column,
                              f'{what} "{item.raw_path}" does not exist; the only file named '
                              f'"{posixpath.basename(moved)}" is at "{self._written(doc, item, moved)}"',
                              self._fix(doc, item, moved))
                continue
            closest = index.closest_file(res.rel)
            suggestion = self._written(doc, item, closest) if closest else None
            absent = index.missing_folder(res.rel)
            detail = f' (there is no folder "{absent}" in the corpus)' if absent and not suggestion else ""
            yield Finding(link.line, link.column,
                          f'{what} "{item.raw_path}" does not exist{detail}{_did_you_mean(suggestion)}')

    @staticmethod
    def _written(doc: Document, item: _Checked, rel: str) -> str:
        return relative_link(doc.path, rel, dot_slash=item.raw_path.startswith("./"))

    def _fix(self, doc: Document, item: _Checked, rel: str) -> Fix | None:
        if not item.exact:
            return None
        new = encode_link_path(self._written(doc, item, rel))
        start = item.link.start
        return Fix(f'Point the link to "{new}"', (Edit(start, start + len(item.raw_path), new),))


@register
class LinkOutsideCorpus(Rule):
    """## What it does
    Reports a relative link that climbs out of the corpus root
    (`../../papers/clip.md` from a note one folder deep), an absolute path
    (`/home/me/notes/x.md`, `C:\\notes\\x.md`) and a `file:` URL.

    ## Why is this bad?
    Such a link works only on a machine where that file happens to sit at
    that place: the author's. Everywhere else (GitHub, a clone, the
    published site) it is broken, and no check inside the corpus can see it.

    ## Example
    ```markdown
    详细分析见 [论文笔记：CLIP](../../papers/clip.md)。
    ```

    ## Use instead
    Move the note into the corpus and link it relatively, or link its public
    URL:
    ```markdown
    详细分析见 [CLIP 论文](https://arxiv.org/abs/2103.00020)。
    ```
    """

    code = "LNK002"
    name = "link-outside-corpus"
    summary = "Link points outside the corpus root"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        # Pure (this note and its path only), so it runs with the per-note rules and its result can be cached.
        if "file:" in doc.text:
            # markdown-it and GitHub refuse file: URLs, so they never become links: find them in the source.
            for line in _inline_lines(doc):
                text = doc.line_text(line)
                for m in _FILE_URL.finditer(_masked(text)):
                    yield Finding(line, m.start(1) + 1, f'link "{m.group(1)}" is a file: URL, which points at one '
                                                        "machine's disk: link a file inside the corpus relatively")
        for item in _destinations(doc):
            link, target = item.link, item.target
            what = _what(link)
            if target.scheme is not None or not target.path:
                continue
            where, _normalized = classify_path(doc.path, target.path)
            if where == "outside":
                yield Finding(link.line, link.column,
                              f'{what} "{item.raw_path}" leads outside the corpus root: it works only on a machine '
                              "that has that file; move the file into the corpus or link its public URL")
            elif where == "absolute":
                yield Finding(link.line, link.column,
                              f'{what} "{item.raw_path}" is an absolute path, which works on one machine only: '
                              "write it relative to this note")


# ---------------------------------------------------------------------- anchors


@register
class BrokenAnchor(Rule):
    """## What it does
    Reports a link fragment (`#标题`, `./11_Connector.md#公式`) that matches
    no anchor of the target note. Anchors are computed as GitHub computes
    them (github-slugger: lower-cased, punctuation dropped, spaces to `-`,
    `-1`, `-2` for repeated headings); explicit `<a id>`/`<a name>` anchors,
    other HTML `id`s and `{#id}` attributes count too. Fragments are
    percent-decoded first (`#%E5%85%AC%E5%BC%8F` is `#公式`), and `#top` is
    the top of the page.

    The comparison is exact. GitHub's page script forgives letter case
    (`#Key-Formula` reaches `key-formula` there), but browsers, VS Code,
    GitLab and static-site generators compare ids exactly, so a case mismatch
    is reported (with a safe fix) rather than accepted.

    ## Why is this bad?
    A broken fragment opens the note at the top instead of the section the
    reader was promised; it silently breaks whenever a heading is renamed.

    ## Example
    ```markdown
    ## 8. 面试题库（12 题）

    见 [面试题](#8-面试题库)。
    ```

    ## Use instead
    ```markdown
    见 [面试题](#8-面试题库12-题)。
    ```

    ## Fix safety
    Safe, and offered only when the fragment is an anchor up to letter case,
    Unicode normalization, or punctuation and spaces the slug drops
    (`#Key Formula`, `#8.-面试题库12-题`): then exactly one anchor is meant.
    A merely similar heading is named in the message, not fixed.
    """

    code = "LNK005"
    needs_corpus = True
    name = "broken-anchor"
    summary = "Link fragment matches no heading or anchor of its target"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        index = link_index(ctx)
        for item in _destinations(doc):
            link, target = item.link, item.target
            if target.scheme is not None or target.fragment is None:
                continue
            if target.path:
                res = index.resolve(doc.path, target.path)
                if res.status not in ("file", "folder"):
                    continue  # a missing file is LNK001's finding
                rel = res.rel
            else:
                rel = doc.path
            if not rel.endswith(".md"):
                continue  # "#L10" in a source file, a page in a PDF: not ours to judge
            target_doc = _target_doc(doc, index, rel)
            if target_doc is None:
                continue
            anchors = target_doc.anchors if target_doc is doc else index.anchors(rel) or frozenset()
            match = match_fragment(target.fragment, anchors)
            if match.ok:
                continue
            where = "this note" if rel == doc.path else posixpath.basename(rel)
            written = f"#{target.raw_fragment}"
            span = _fragment_span(item)
            line, column = (doc.position(span[0] - 1) if span else (link.line, link.column))
            if match.fix is not None:
                note = ""
                if match.reason == "letter case":
                    note = " (GitHub forgives that, other renderers do not)"
                fix = Fix(f'Change the fragment to "#{match.fix}"', (Edit(span[0], span[1], match.fix),)) \
                    if span else None
                yield Finding(line, column, f'"{written}" differs from the anchor "#{match.fix}" of {where} only in '
                                            f"{match.reason}{note}", fix)
                continue
            hint = f'; did you mean "#{match.suggestion}"?' if match.suggestion else \
                ("; it has no headings" if not anchors else "")
            yield Finding(line, column, f'no heading in {where} has the anchor "{written}"{hint}')


# ------------------------------------------------------------ reference links

_FILE_URL = re.compile(r"\]\(\s*<?(file:[^\s)>]*)", re.IGNORECASE)
# These run on every line of prose and must stay linear (fuzz/regex_audit.py):
# an attempt that fails must not start again inside the text it just read.
# So a code span starts only at the first backtick of a run (possessive), an
# \( ... \) span and an HTML tag stop at the next \( or <.
_CODE_SPAN = re.compile(r"(?<!`)(`++).+?(?<!`)\1(?!`)")
_MATH_SPAN = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$|\\\((?:(?!\\\().)*?\\\)")
_HTML_SPAN = re.compile(r"<[A-Za-z/!][^<>\n]*>")
# ASCII only before the bracket: "dp[i][j]" is indexing, but "详见[原论文][clip]" is a reference.
_FULL_REFERENCE = re.compile(r"(?<![A-Za-z0-9_\\])\[((?:[^\[\]\\\n]|\\.)+)\]\[((?:[^\[\]\\\n]|\\.)*)\](?![(\[:])")
_CITATION = re.compile(r"\d+(?:[-,]\s*\d+)*")
# An escape is consumed on its own (group 1 is None then), so an escaped "\["
# never starts an attempt: with it, "\[" * n was quadratic.
_BRACKETS = re.compile(r"\\.|\[((?:[^\[\]\\\n]|\\.)*+)\]")
_DEFINITION_LINE = re.compile(r"^ {0,3}(?:>\s*)*\[((?:[^\[\]\\]|\\.)+)\]:")


def _masked(line: str) -> str:
    """The line with code spans, math and HTML tags blanked out (same length)."""
    for rx in (_CODE_SPAN, _MATH_SPAN, _HTML_SPAN):
        line = rx.sub(lambda m: " " * len(m.group(0)), line)
    return line


def _inline_lines(doc: Document) -> list[int]:
    """1-based lines that hold inline Markdown (paragraphs, headings, table cells)."""
    lines: set[int] = set()
    for tok in doc.tokens:
        if tok.type == "inline" and tok.map:
            lines.update(range(tok.map[0] + 1, tok.map[1] + 1))
    return sorted(lines)


def _definition_labels(doc: Document) -> dict[str, tuple[str, Link]]:
    """Normalized label -> (label as written, definition link)."""
    out: dict[str, tuple[str, Link]] = {}
    for link in doc.links:
        if link.kind != "definition":
            continue
        m = _DEFINITION_LINE.match(doc.line_text(link.line))
        written = m.group(1) if m else link.label
        out.setdefault(normalizeReference(link.label), (written, link))
    return out


@register
class UndefinedReference(Rule):
    """## What it does
    Reports a full or collapsed reference link, `[text][label]` or
    `[text][]`, whose label has no definition (`[label]: url`) in the note.
    Brackets in code spans and math are ignored, and so are indexing such as
    `dp[i][j]` (a Latin letter or digit right before the bracket) and
    numbered citations such as `文献[1][2]`.

    ## Why is this bad?
    Without a definition, Markdown renders the brackets as plain text: the
    reader sees `[原论文][clip]` and no link.

    ## Example
    ```markdown
    见 [原论文][clip]。

    [blip]: https://arxiv.org/abs/2301.12597
    ```

    ## Use instead
    ```markdown
    见 [原论文][clip]。

    [clip]: https://arxiv.org/abs/2103.00020
    ```
    """

    code = "LNK003"
    name = "undefined-reference"
    summary = "Reference link uses a label that is not defined"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if "][" not in doc.text:
            return
        defined = _definition_labels(doc)
        for line in _inline_lines(doc):
            text = doc.line_text(line)
            if "][" not in text:
                continue
            for m in _FULL_REFERENCE.finditer(_masked(text)):
                collapsed = m.group(2) == ""
                label = m.group(1) if collapsed else m.group(2)
                key = normalizeReference(label)
                if not key or key.startswith("^") or key in doc.references:
                    continue
                if _CITATION.fullmatch(m.group(1)) and _CITATION.fullmatch(m.group(2) or "0"):
                    continue  # "如文献[1][2]所述": numbered citations, not a reference link
                column = (m.start(1) if collapsed else m.start(2)) + 1
                close = difflib.get_close_matches(key, sorted(defined), n=1, cutoff=0.6)
                hint = f'; did you mean "[{defined[close[0]][0]}]"?' if close else \
                    f'; add a definition "[{label}]: <url>"'
                yield Finding(line, column, f'reference "[{label}]" is not defined{hint}')


@register
class UnusedDefinition(Rule):
    """## What it does
    Reports a link reference definition (`[label]: url`) that no link in the
    note uses.

    ## Why is this bad?
    An unused definition is invisible in the rendered note: usually the link
    that should use it has a typo in its label, or the text that used it was
    deleted and the URL is dead weight.

    ## Example
    ```markdown
    见 [原论文][clip-paper]。

    [clip]: https://arxiv.org/abs/2103.00020
    ```

    ## Use instead
    ```markdown
    见 [原论文][clip]。

    [clip]: https://arxiv.org/abs/2103.00020
    ```

    ## Fix safety
    The fix deletes the definition's line. It does not change the rendered
    note, but it discards the URL you wrote, so it is unsafe
    (`--unsafe-fixes`).
    """

    code = "LNK004"
    name = "unused-definition"
    summary = "Link reference definition is never used"
    severity = Severity.WARNING
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        defined = _definition_labels(doc)
        if not defined:
            return
        used: set[str] = set()
        for link in doc.links:
            if link.kind in ("reference", "image") and link.start < 0:
                used.add(normalizeReference(link.label or link.text))
        # Over-approximate: any bracketed text that names a label counts as a use,
        # so a definition is reported only when nothing can be using it.
        for line in _inline_lines(doc):
            text = doc.line_text(line)
            if "[" in text:
                used.update(normalizeReference(m.group(1)) for m in _BRACKETS.finditer(text)
                            if m.group(1) is not None)
        for key, (written, link) in sorted(defined.items(), key=lambda kv: kv[1][1].line):
            if key in used:
                continue
            line_text = doc.line_text(link.line)
            column = line_text.find("[") + 1
            yield Finding(link.line, column, f'definition "[{written}]" is never used: link to it or remove it',
                          self._fix(doc, link.line, written))

    @staticmethod
    def _fix(doc: Document, line: int, label: str) -> Fix | None:
        text = doc.line_text(line)
        if not re.fullmatch(r" {0,3}\[[^\]]+\]:\s*\S+(\s+(\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*", text):
            return None  # a definition spread over lines, or inside a container: leave it to the author
        start = doc.offset(line, 1)
        end = doc.offset(line + 1, 1) if line < doc.line_count else len(doc.text)
        return Fix(f'Remove the definition "[{label}]"', (Edit(start, end, ""),), safe=False)


# -------------------------------------------------------------------- wiki-links


@dataclass(frozen=True)
class _Wiki:
    target: str
    embed: bool
    line: int
    column: int
    in_front_matter: bool


def _wikilinks(doc: Document) -> list[_Wiki]:
    out = [_Wiki(link.target, link.kind == "embed", link.line, link.column, False)
           for link in doc.links if link.kind in ("wiki", "embed")]
    out.extend(_Wiki(fl.target, fl.embed, fl.line, fl.column, True) for fl in front_matter_wikilinks(doc))
    return out


def _wiki_text(path: str) -> str:
    return f"[[{path}]]"


def _wikilinks_resolved_as(doc: Document, ctx: Context, status: str) -> Iterator[tuple[_Wiki, str, WikiResolution]]:
    """(wiki-link, its path part, resolution) for the note's wiki-links whose
    path resolves with ``status`` ("missing", "ambiguous"...)."""
    if _outside_root(doc):
        return
    index = link_index(ctx)
    for wiki in _wikilinks(doc):
        path = wiki.target.partition("#")[0].strip()
        if not path:
            continue
        res = index.resolve_wiki(doc.path, path)
        if res.status == status:
            yield wiki, path, res


@register
class UnresolvedWikiLink(Rule):
    """## What it does
    Reports a wiki-link (`[[target]]`, `[[target|alias]]`, `![[embed]]`) that
    matches no file of the vault, the vault being the corpus root. A target
    resolves as in Obsidian: a path from the vault root with or without `.md`,
    a path relative to the note (`[[./x]]`), or else a file name, or the tail
    of a path, unique in the vault (Obsidian ignores letter case here).
    Embeds may name any file (`![[diagram.png]]`). Wiki-links in front-matter
    values (`related: ["[[AI/MLLM/CLIP|CLIP]]"]`) are checked too, at their
    own line.

    ## Why is this bad?
    Obsidian shows an unresolved link as a faint "create this note" link; on
    GitHub it is plain text either way, and the note it promises is missing.

    ## Example
    ```markdown
    参见 [[BLIP2]]。
    ```

    ## Use instead
    ```markdown
    参见 [[BLIP-2]]。
    ```
    """

    code = "LNK006"
    needs_corpus = True
    name = "unresolved-wiki-link"
    summary = "Wiki-link matches no file in the vault"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        index = link_index(ctx)
        for wiki, path, _res in _wikilinks_resolved_as(doc, ctx, "missing"):
            closest = index.closest_wiki(path)
            what = "embed" if wiki.embed else "wiki-link"
            hint = f'; did you mean "{_wiki_text(closest)}"?' if closest else ""
            yield Finding(wiki.line, wiki.column, f'{what} "{_wiki_text(path)}" matches no file in the vault{hint}')


@register
class AmbiguousWikiLink(Rule):
    """## What it does
    Reports a wiki-link whose target is a bare file name (or a path's tail)
    that several files of the vault share, listing them.

    ## Why is this bad?
    Obsidian silently opens one of them, depending on where the note sits;
    another tool, or Obsidian after a file is moved, opens the other. The
    link's meaning depends on luck.

    ## Example
    ```markdown
    参见 [[CLIP]]。   <!-- AI/MLLM/CLIP.md and papers/CLIP.md -->
    ```

    ## Use instead
    ```markdown
    参见 [[AI/MLLM/CLIP]]。
    ```
    """

    code = "LNK007"
    needs_corpus = True
    name = "ambiguous-wiki-link"
    summary = "Wiki-link target matches several files"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for wiki, path, res in _wikilinks_resolved_as(doc, ctx, "ambiguous"):
            listed = ", ".join(res.rels)
            example = res.rels[0][:-3] if res.rels[0].endswith(".md") else res.rels[0]
            yield Finding(wiki.line, wiki.column,
                          f'"{_wiki_text(path)}" is ambiguous: {len(res.rels)} files match ({listed}); '
                          f'write the path from the vault root, e.g. "{_wiki_text(example)}"')


@register
class MissingWikiHeading(Rule):
    """## What it does
    Reports the heading part of a wiki-link (`[[note#heading]]`,
    `[[#heading]]`, `[[note#heading#subheading]]`) or a block reference
    (`[[note#^id]]`) that the target note does not have. Headings are
    matched as Obsidian matches them: by heading text, not by slug, ignoring
    letter case, punctuation and repeated spaces (`[[x#8 面试题库 12 题]]`
    reaches `## 8. 面试题库（12 题）`). Each `#part` must be nested under the
    one before it.

    ## Why is this bad?
    Obsidian opens the note at the top and the reader has to search for the
    section the link promised.

    ## Example
    ```markdown
    [[11_Connector#公式]]   <!-- the heading is "关键公式" -->
    ```

    ## Use instead
    ```markdown
    [[11_Connector#关键公式]]
    ```
    """

    code = "LNK008"
    needs_corpus = True
    name = "missing-wiki-heading"
    summary = "Wiki-link heading or block is not in the target note"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        index = link_index(ctx)
        for wiki in _wikilinks(doc):
            path, hash_sign, heading = wiki.target.partition("#")
            parts = [p for p in heading.split("#")] if hash_sign else []
            if not parts or not any(p.strip() for p in parts):
                continue
            res = index.resolve_wiki(doc.path, path)
            if res.status not in ("file", "self") or not res.rel.endswith(".md"):
                continue
            target_doc = _target_doc(doc, index, res.rel)
            if target_doc is None:
                continue
            parts = [p.strip() for p in parts if p.strip()]
            text = index.text_of(target_doc) if parts[-1].startswith("^") else None
            ok, suggestion = find_wiki_heading(target_doc, parts, text)
            if ok:
                continue
            where = "this note" if res.rel == doc.path else posixpath.basename(res.rel)
            shown = "#".join(parts)
            kind = "block" if parts[-1].startswith("^") else "heading"
            yield Finding(wiki.line, wiki.column,
                          f'{kind} "{shown}" is not in {where}{_did_you_mean(suggestion)}')


# ------------------------------------------------------------------ related notes


@register
class UnresolvedRelated(Rule):
    """## What it does
    Reports a front-matter `related` entry whose `target` resolves to no
    note. A target is a note id (`"10"`, `"S1"`, the `id` of some note in
    the corpus), a path relative to the note (`../LLM_Advances/10_DPO.md`),
    or a `[[wiki-link]]` (checked by the wiki-link rules). Plain strings in
    the list count as targets.

    ## Why is this bad?
    The index shows 关联阅读 from these entries; a dangling one is a link to
    nowhere in every generated index.

    ## Example
    ```yaml
    related:
      - target: "15"   # no note has id 15
        reason: 推理错误的根源之一
    ```

    ## Use instead
    ```yaml
    related:
      - target: "S4"
        reason: 推理错误的根源之一
    ```
    """

    code = "LNK009"
    needs_corpus = True
    name = "unresolved-related"
    summary = "Related entry names no existing note"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        entries = related_entries(doc)
        if not entries:
            return
        index = link_index(ctx)
        for entry in entries:
            if "[[" in entry.target:
                continue  # LNK006/LNK007 report front-matter wiki-links
            kind, _rel = index.resolve_related(doc, entry.target)
            if kind == "missing-id":
                ids = sorted(index.ids)
                close = difflib.get_close_matches(entry.target, ids, n=1, cutoff=0.5)
                hint = f'; did you mean "{close[0]}" ({posixpath.basename(index.ids[close[0]][0])})?' if close else ""
                yield Finding(entry.line, entry.column, f'related target "{entry.target}" is not the id of any note{hint}')
            elif kind == "missing-path":
                res = index.resolve(doc.path, split_target(entry.target).path)
                closest = index.closest_file(res.rel) if res.rel else None
                hint = _did_you_mean(relative_link(doc.path, closest) if closest else None)
                yield Finding(entry.line, entry.column, f'related target "{entry.target}" does not exist{hint}')
            elif kind == "outside":
                yield Finding(entry.line, entry.column,
                              f'related target "{entry.target}" is outside the corpus: name a note id or a note in it')


@register
class SelfRelated(Rule):
    """## What it does
    Reports a front-matter `related` entry that points to the note itself
    (its own id, its own path or a wiki-link to itself).

    ## Why is this bad?
    "Related reading: this note" is noise in the index, and usually a
    copy-paste slip where another note was meant.

    ## Example
    ```yaml
    id: "11"
    related:
      - target: "11"
        reason: 连接器
    ```

    ## Use instead
    ```yaml
    id: "11"
    related:
      - target: "S1"
        reason: 连接器的输入来自视觉编码器
    ```
    """

    code = "LNK010"
    needs_corpus = True
    name = "self-related"
    summary = "Note lists itself in related"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if _outside_root(doc):
            return
        entries = related_entries(doc)
        if not entries:
            return
        index = link_index(ctx)
        own = note_id(doc.meta)
        for entry in entries:
            if own is not None and entry.target == own:
                yield Finding(entry.line, entry.column, f'note lists itself (id "{own}") in related: name another note')
                continue
            _kind, rel = index.resolve_related(doc, entry.target)
            if rel == doc.path:
                yield Finding(entry.line, entry.column, f'note lists itself ("{entry.target}") in related: '
                                                        "name another note")


# ------------------------------------------------------------------- corpus level


@register
class OrphanNote(CorpusRule):
    """## What it does
    Reports a note that no index and no other note links to: no Markdown
    link, wiki-link or `related` entry anywhere in the corpus reaches it.
    Index files (`README.md`) are never orphans themselves, and a note
    linked only from its section README is fine. Runs when the whole corpus
    is checked.

    ## Why is this bad?
    A reader browsing from the root index never finds the note; it is
    usually a new note someone forgot to add to its section's README.

    ## Example
    `VLM_Advances/17_New_Topic.md`, listed in no README.

    ## Use instead
    Add the note to its section README (`corpus build-index` does it from
    the front-matter), or link it from a related note.
    """

    code = "LNK011"
    name = "orphan-note"
    summary = "Note is not linked from any index or other note"
    severity = Severity.WARNING

    def check_corpus(self, ctx: Context) -> Iterator[tuple[str, Finding]]:
        index = link_index(ctx)
        # Two passes over the documents rather than a list of them: a list
        # would hold every note's light document at once.
        inbound: set[str] = set()
        for doc in ctx.corpus.documents():
            inbound |= index.outgoing(doc)
        for doc in ctx.corpus.documents():
            if doc.doc_type != "note" or posixpath.basename(doc.path) == "README.md" or doc.path in inbound:
                continue
            folder = posixpath.dirname(doc.path)
            readme = f"{folder}/README.md" if folder else "README.md"
            yield doc.path, Finding(1, 1, f"note is not linked from any index or other note: add it to {readme}")


@register
class DuplicateNoteId(CorpusRule):
    """## What it does
    Reports a note whose front-matter `id` another note already uses; every
    occurrence after the first (in path order) is reported, naming the first.
    Runs when the whole corpus is checked.

    ## Why is this bad?
    Ids number the entries of the generated indexes and are the targets of
    `related` entries: with two notes "11", a related link silently reaches
    either.

    ## Example
    ```yaml
    # VLM_Advances/11_Connector.md and VLM_Advances/11_Projector.md
    id: "11"
    ```

    ## Use instead
    Give the newer note the next free id.
    """

    code = "LNK012"
    name = "duplicate-note-id"
    summary = "Two notes share an id"

    def check_corpus(self, ctx: Context) -> Iterator[tuple[str, Finding]]:
        first: dict[str, str] = {}
        for doc in ctx.corpus.documents():
            ident = note_id(doc.meta)
            if ident is None:
                continue
            if ident not in first:
                first[ident] = doc.path
                continue
            fm = doc.front_matter
            line, column = fm.value_positions.get("id", (1, 1)) if fm is not None else (1, 1)
            yield doc.path, Finding(line, column, f'id "{ident}" is already used by {first[ident]}: '
                                                  "give this note an id of its own")


# ---------------------------------------------------------------- external links


def _external(doc: Document) -> Iterator[tuple[Link, str]]:
    for link in doc.links:
        if link.kind not in ("inline", "image", "definition", "autolink"):
            continue
        if link.kind == "image" and link.start < 0:
            continue
        yield link, link.target.strip()


@register
class MalformedUrl(Rule):
    """## What it does
    Checks the syntax of external links (no network): a space in the URL, a
    missing host (`https:/example.com`), an invalid host name or port, a
    host without a domain (`https://arxiv/abs/…`), a mistyped scheme
    (`htps://`), and a web address written without a scheme or colon
    (`www.example.com`, `https//example.com`), which Markdown reads as a
    file path.

    ## Why is this bad?
    A malformed URL is broken for every reader, and unlike a dead link it is
    certain without asking the network.

    ## Example
    ```markdown
    [论文](https:/arxiv.org/abs/2103.00020)
    ```

    ## Use instead
    ```markdown
    [论文](https://arxiv.org/abs/2103.00020)
    ```
    """

    code = "LNK013"
    name = "malformed-url"
    summary = "External link URL is malformed"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for link, url in _external(doc):
            if not url:
                continue
            scheme = split_target(url).scheme
            problem = url_problem(url) if scheme in ("http", "https") else scheme_typo(url)
            if problem:
                yield Finding(link.line, link.column, problem)


@register
class DeadExternalLink(Rule):
    """## What it does
    With `corpus check --online` (or `online = true` under
    `[tool.corpus.links]`), requests every http(s) link and reports those
    that answer with an error (404, 410, 500 after retries…) or not at all.
    Requests run in a bounded thread pool with a timeout; 429 and 5xx answers
    are retried with exponential back-off (honouring `Retry-After`); `HEAD`
    comes first and `GET` follows when a server refuses `HEAD`. Good answers
    are cached in `.corpus_cache/links.json` for `cache-hours` (default a
    week); failures are always asked again. URLs matching a regex in
    `ignore-urls` are skipped. Without the flag this rule does nothing, so
    offline checks stay fast and deterministic.

    ## Why is this bad?
    Papers move, blogs vanish: a reference the reader cannot open is a
    claim they cannot verify.

    ## Example
    ```markdown
    [博客](https://example.com/removed-post)
    ```

    ## Use instead
    Link the archived copy or the new address.
    """

    code = "LNK014"
    needs_corpus = True
    name = "dead-external-link"
    summary = "External link does not answer successfully"
    severity = Severity.WARNING

    def needs_one_process(self, ctx: Context) -> bool:
        # One checker requests each URL once per run and owns links.json.
        return _online(ctx)

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        settings = ctx.config.settings.links
        if not _online(ctx):
            return
        ignore = [re.compile(p) for p in settings.ignore_urls]
        wanted = _requested(doc, ignore)
        if not wanted:
            return
        checker = ctx.cache.get(_CHECKER_KEY)
        if not isinstance(checker, OnlineChecker):
            options = Options(timeout=settings.timeout, concurrency=settings.concurrency, retries=settings.retries,
                              cache_seconds=settings.cache_hours * 3600)
            cache = LinkCache(ctx.config.project_dir / CACHE_FILE, options.cache_seconds)
            checker = OnlineChecker(options, cache)
            ctx.cache[_CHECKER_KEY] = checker
            # This rule runs note after note; ask for every checked note's URLs at once, so the
            # thread pool is full and each URL is requested once per run.
            everything = [url for held in ctx.corpus.held_documents() for _link, url in _requested(held, ignore)]
            checker.check([*everything, *(url for _link, url in wanted)])
        results = checker.check(url for _link, url in wanted)
        for link, url in wanted:
            result = results[url]
            if not result.ok:
                yield Finding(link.line, link.column, f'"{url}" {result.describe()}')


def _requested(doc: Document, ignore: list[re.Pattern[str]]) -> list[tuple[Link, str]]:
    """(link, URL to request) for the well-formed http(s) links of a document."""
    out: list[tuple[Link, str]] = []
    for link, url in _external(doc):
        if split_target(url).scheme not in ("http", "https") or url_problem(url):
            continue
        if any(rx.match(url) for rx in ignore):
            continue
        out.append((link, urldefrag(url)[0]))
    return out
