"""IDX: the index READMEs and what they list (see pipeline/index.py).

The rules compare what ``corpus build-index`` would generate with what the
README holds, so ``corpus check`` and ``build-index --check`` agree.  The
corpus model (every note's front-matter) is built once per run and memoised
in ``ctx.cache``; each check is then a lookup.
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterable

import yaml

from pipeline.diagnostics import Edit, Finding, Fix, Severity
from pipeline.document import Document
from pipeline.index import (
    GROUP_PREFIX,
    LISTING_BLOCKS,
    IndexFile,
    Model,
    ReadmeResult,
    Renderer,
    build_model,
    canonical_id,
    diff_stat,
    doc_kind,
    end_marker,
    entry_targets,
    fingerprint,
    generated_entries,
    index_from,
    note_from,
    render_readme,
    resolve_link,
    start_marker,
)
from pipeline.linkindex import note_heads
from pipeline.rules import register
from pipeline.rules.base import Context, Rule

_MODEL = "index.model"
_FOLDERS = "index.folders"
_RENDERER = "index.renderer"
_READMES = "index.readmes"
_IDS = "index.ids"


def _model(ctx: Context) -> Model:
    """The whole corpus; needed by the index READMEs only (they are few), and
    rebuilt when any Markdown file changed since it was built."""
    key = fingerprint(ctx.corpus, ctx.corpus.markdown_files)
    cached = ctx.cache.get(_MODEL)
    if isinstance(cached, tuple) and cached[0] == key:
        model: Model = cached[1]
        return model
    model = build_model(ctx.corpus)
    ctx.cache[_MODEL] = (key, model)
    ctx.cache.pop(_READMES, None)
    return model


def _folder_index(ctx: Context, folder: str) -> IndexFile | None:
    """The index README of ``folder``, if it has one."""
    # Memoised per folder listing (the corpus hands out one tuple per
    # listing), like the ids below.
    rels = ctx.corpus.markdown_in(folder)
    memo = ctx.cache.setdefault(_FOLDERS, {})
    assert isinstance(memo, dict)
    cached = memo.get(folder)
    if cached is not None and cached[0] is rels:
        return cached[1]  # type: ignore[no-any-return]
    readme = posixpath.join(folder, "README.md") if folder else "README.md"
    doc = ctx.corpus.document(readme) if readme in rels else None
    index = index_from(doc) if doc is not None and doc_kind(doc) == "index" else None
    memo[folder] = (rels, index)
    return index


def _ids_in_folder(ctx: Context, folder: str) -> dict[str, list[str]]:
    """The notes of a folder by canonical id, built once per folder from the
    notes' ids alone: comparing each note with every other one made the
    check quadratic, and unpacking the folder made a one-note check slow."""
    rels = ctx.corpus.markdown_in(folder)
    memo = ctx.cache.setdefault(_IDS, {})
    assert isinstance(memo, dict)
    cached = memo.get(folder)
    if cached is not None and cached[0] is rels:
        return cached[1]  # type: ignore[no-any-return]
    by_id: dict[str, list[str]] = {}
    for rel, ident, declared in note_heads(ctx.corpus, rels):
        if ident and (declared or ctx.config.doc_type(rel)) == "note":
            by_id.setdefault(canonical_id(ident), []).append(rel)
    memo[folder] = (rels, by_id)
    return by_id


def _renderer(ctx: Context) -> Renderer:
    renderer = ctx.cache.get(_RENDERER)
    if not isinstance(renderer, Renderer):
        renderer = Renderer(ctx.config)
        ctx.cache[_RENDERER] = renderer
    return renderer


def _readme(doc: Document, ctx: Context) -> ReadmeResult:
    model = _model(ctx)
    memo = ctx.cache.setdefault(_READMES, {})
    assert isinstance(memo, dict)
    key = (doc.path, doc.text)
    result = memo.get(key)
    if result is None:
        result = render_readme(model, _renderer(ctx), doc)
        memo[key] = result
    assert isinstance(result, ReadmeResult)
    return result


def _is_index(doc: Document) -> bool:
    return doc_kind(doc) == "index"


def _is_note(doc: Document) -> bool:
    return doc_kind(doc) == "note"


class _IndexRule(Rule):
    # Files outside the corpus root (``corpus check some/other.md``) have no
    # section to be compared with: the IDX rules skip them.
    needs_corpus = True

    def applies_to(self, doc: Document) -> bool:
        return _is_index(doc) and not posixpath.isabs(doc.path)


class _NoteRule(Rule):
    needs_corpus = True

    def applies_to(self, doc: Document) -> bool:
        return _is_note(doc) and not posixpath.isabs(doc.path)


@register
class IndexOutOfDate(_IndexRule):
    """## What it does
    Reports a generated block of an index README (the text between
    `<!-- corpus:index:start … -->` and `<!-- corpus:index:end … -->`) that
    differs from what `corpus build-index` generates from the notes now.

    ## Why is this bad?
    The index is how readers find notes. Once a title, a 核心价值 or a
    关联阅读 changes in a note's front-matter, a hand-maintained index says
    something the note no longer does: counts go stale ("16 篇" over a list
    of 11), new notes are invisible.

    ## Example
    A note's front-matter says `title: "RoPE → ALiBi"`, the README still says:
    ```markdown
    <!-- corpus:index:start -->
    ### 07. [ALiBi](./07_ALiBi.md)
    <!-- corpus:index:end -->
    ```

    ## Use instead
    Run `corpus build-index` (or `corpus fix`), and edit notes' front-matter,
    not the generated block. Prose outside the markers is never touched.

    ## Fix safety
    Safe: the fix replaces only the text between the markers with the
    generated text, exactly what `corpus build-index` writes.
    """

    code = "IDX001"
    name = "index-out-of-date"
    summary = "Generated block of an index README is out of date"
    fixable = True

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        if result.new_text is None:
            return
        for br in result.blocks:
            if not br.stale:
                continue
            fix = Fix(f'Regenerate block "{br.block.name}"',
                      (Edit(br.block.content_start, br.block.content_end, br.new),))
            yield Finding(br.block.start_line, 1,
                          f'generated block "{br.block.name}" is out of date ({diff_stat(br.old, br.new)}): '
                          "run corpus build-index", fix)


@register
class NoteMissingFromIndex(_IndexRule):
    """## What it does
    Reports a note of the corpus that the index README should list but does
    not: its entry (a heading, or a list item starting with a link to it) is
    absent from the generated block that would list it. Reported on the
    block's start marker, naming the note.

    ## Why is this bad?
    A note missing from the index is as good as missing for a reader who
    browses; links from other notes are not a table of contents.

    ## Example
    `07_ALiBi.md` exists with `group: efficiency`, but the generated block of
    `LLM_Advances/README.md` was built before it and lists 06, 08, 09.

    ## Use instead
    Run `corpus build-index`. If the README lists groups in separate
    `group:<key>` blocks, give every group a block (or add an `index` block).
    """

    code = "IDX002"
    name = "note-missing-from-index"
    summary = "A note is not listed in its index README"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        if result.new_text is None:
            return
        model = _model(ctx)
        folder = posixpath.dirname(doc.path)
        covered: set[str] = set()
        listing = [br for br in result.blocks
                   if br.block.name in LISTING_BLOCKS or br.block.name.startswith(GROUP_PREFIX)]
        for br in listing:
            present_list = entry_targets(doc.tokens, folder, br.block.start_line + 1, br.block.end_line - 1)
            present = set(present_list)
            if result.stale:
                rendered = br.new.replace("\r\n", "\n").replace("\r", "\n")
                expected = [posixpath.normpath(posixpath.join(folder, p)) for p in generated_entries(rendered)]
            else:
                # Up to date: the block is what would be rendered, so its own
                # entries are the expected ones (no second parse).
                expected = present_list
            covered.update(expected)
            for path in expected:
                note = model.notes.get(path)
                if note is not None and path not in present:
                    yield Finding(br.block.start_line, 1,
                                  f'note {note.display} is missing from block "{br.block.name}": '
                                  "run corpus build-index")
        if listing and result.index.kind == "section":
            for note in model.notes_in(folder):
                if note.path not in covered:
                    block = f"{GROUP_PREFIX}{note.group}" if note.group else "index"
                    yield Finding(listing[0].block.start_line, 1,
                                  f"note {note.display} is in no generated block: add "
                                  f"{start_marker(block)} … {end_marker(block)} or an index block")


@register
class IndexEntryTargetMissing(_IndexRule):
    """## What it does
    Reports a link inside a generated block of an index README whose target
    file does not exist.

    ## Why is this bad?
    The entry sends readers to a page that is not there: the note was
    renamed or deleted after the index was generated, or the README's
    `sections` names a folder that does not exist.

    ## Example
    ```markdown
    <!-- corpus:index:start -->
    ### 07. [RoPE → ALiBi](./07_ALiBi.md)
    <!-- corpus:index:end -->
    ```
    with no `07_ALiBi.md` beside the README.

    ## Use instead
    Run `corpus build-index` to drop the entry (or restore the note); fix
    `sections` in the root README if it names a missing folder.
    """

    code = "IDX003"
    name = "index-entry-target-missing"
    summary = "Generated index links to a file that does not exist"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        folder = posixpath.dirname(doc.path)
        for br in result.blocks:
            first, last = br.block.start_line, br.block.end_line
            for link in doc.links:
                if not (first < link.line < last) or link.kind not in ("inline", "reference", "image", "definition"):
                    continue
                path = resolve_link(folder, link.target)
                if path is None or ctx.corpus.exists(path):
                    continue
                hint = ("run corpus build-index" if br.stale else
                        "the generated text links to it: check the front-matter (sections, related) or restore it")
                yield Finding(link.line, link.column, f'index entry links to "{link.target}", which does not '
                                                      f"exist; {hint}")


@register
class DuplicateNoteNumber(_NoteRule):
    """## What it does
    Reports two or more notes of the same section (one index) with the same
    number (`id`). `"7"` and `"07"` are the same number.

    ## Why is this bad?
    The index shows two entries "07." and readers cannot tell which one a
    reference to "07" means; `related: [{target: "07"}]` becomes ambiguous.

    ## Example
    `LLM_Advances/07_ALiBi.md` and `LLM_Advances/07_ALiBi_v2.md` both have
    `id: "07"`.

    ## Use instead
    Give each note its own number, or merge the two notes.
    """

    code = "IDX004"
    name = "duplicate-note-number"
    summary = "Two notes of one section share a number"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        me = note_from(doc)
        if not me.id:
            return
        by_id = _ids_in_folder(ctx, me.folder)
        others = sorted(posixpath.basename(rel) for rel in by_id.get(canonical_id(me.id), ()) if rel != me.path)
        if others:
            line, col = _position(doc, "id")
            yield Finding(line, col, f'number "{me.id}" is also used by {", ".join(others)} in this section; '
                                     "give each note its own id")


@register
class EmptyGroup(_IndexRule):
    """## What it does
    Reports a group declared in an index README's `groups` that no note of
    the section belongs to.

    ## Why is this bad?
    The index shows a heading with nothing under it, or silently drops it;
    usually a note's `group:` has a typo, or the group was renamed.

    ## Example
    ```yaml
    groups:
      - key: key-tech
        title: 关键技术
    ```
    while every note says `group: keytech`.

    ## Use instead
    Fix the notes' `group:` (or the key), or remove the unused group.
    """

    code = "IDX005"
    name = "empty-group"
    summary = "A declared group has no notes"
    severity = Severity.WARNING

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        if result.index.kind != "section":
            return
        model = _model(ctx)
        used = {n.group for n in model.notes_in(result.index.folder)}
        positions = _group_positions(doc)
        for group in result.index.groups:
            if group.key not in used:
                line, col = positions.get(group.key, _position(doc, "groups"))
                yield Finding(line, col, f'group "{group.key}" ({group.title}) has no notes: add notes with '
                                         f"group: {group.key} or remove it from groups")


@register
class UndeclaredGroup(_NoteRule):
    """## What it does
    Reports a note whose `group` is not declared in the `groups` of its
    section's index README.

    ## Why is this bad?
    The index cannot place the note in the configured order: it is listed
    after every declared group under its bare key, and a typo in the key
    goes unnoticed.

    ## Example
    ```yaml
    group: archtecture
    ```
    while `LLM_Advances/README.md` declares `architecture` and `efficiency`.

    ## Use instead
    ```yaml
    group: architecture
    ```
    or declare the group in the README's `groups`.
    """

    code = "IDX006"
    name = "undeclared-group"
    summary = "A note's group is not declared in its index"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        me = note_from(doc)
        if not me.group:
            return
        index = _folder_index(ctx, me.folder)
        if index is None or index.kind != "section":
            return
        keys = [g.key for g in index.groups]
        if me.group in keys:
            return
        line, col = _position(doc, "group", value=True)
        if not keys:
            yield Finding(line, col, f'group "{me.group}" is not declared: {index.path} declares no groups '
                                     "(add groups: [{key, title}] to its front-matter)")
            return
        match = difflib.get_close_matches(me.group, keys, n=1, cutoff=0.6)
        hint = f'; did you mean "{match[0]}"?' if match else f" (declared: {', '.join(keys)})"
        yield Finding(line, col, f'group "{me.group}" is not declared in {index.path}{hint}')


@register
class MissingIndexMarkers(_IndexRule):
    """## What it does
    Reports an index README (`type: index`) without any
    `<!-- corpus:index:start -->` / `<!-- corpus:index:end -->` markers.

    ## Why is this bad?
    `corpus build-index` only writes between markers, so this README is
    maintained by hand and will drift from the notes; the tool leaves it
    unchanged rather than overwrite prose.

    ## Example
    A `README.md` with a hand-typed list of notes and no markers.

    ## Use instead
    Put the markers where the generated listing goes (the hand-written text
    around them is kept), then run `corpus build-index`:
    ```markdown
    <!-- corpus:index:start -->
    <!-- corpus:index:end -->
    ```
    """

    code = "IDX007"
    name = "missing-index-markers"
    summary = "Index README has no generated-block markers"
    severity = Severity.WARNING

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        if not result.scan.has_markers:
            yield Finding(doc.body_start_line, 1, f"index README has no {start_marker()} … {end_marker()} markers; "
                                                  "corpus build-index leaves it unchanged")


@register
class MalformedIndexMarkers(_IndexRule):
    """## What it does
    Reports index markers that do not pair up: a start without an end, an
    end without a start, a block that starts inside another, a block name
    used twice, an unknown block name, or a marker comment that does not
    parse.

    ## Why is this bad?
    `corpus build-index` cannot tell which text is generated and which is
    hand-written, so it refuses to touch the file rather than risk
    overwriting prose.

    ## Example
    ```markdown
    <!-- corpus:index:start -->
    ## 基础架构演进
    <!-- corpus:index:end graph -->
    ```

    ## Use instead
    ```markdown
    <!-- corpus:index:start -->
    <!-- corpus:index:end -->
    <!-- corpus:index:start graph -->
    <!-- corpus:index:end graph -->
    ```
    Block names: `index` (the default), `overview`, `graph`, and
    `group:<key>` in a section README.
    """

    code = "IDX008"
    name = "malformed-index-markers"
    summary = "Index markers do not pair up"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        result = _readme(doc, ctx)
        for problem in result.scan.problems:
            yield Finding(problem.line, problem.column, problem.message)


# ------------------------------------------------------------------ positions


def _position(doc: Document, key: str, *, value: bool = True) -> tuple[int, int]:
    fm = doc.front_matter
    if fm is None:
        return doc.body_start_line, 1
    positions = fm.value_positions if value else fm.key_positions
    return positions.get(key) or fm.key_positions.get(key) or (fm.start_line, 1)


def _group_positions(doc: Document) -> dict[str, tuple[int, int]]:
    """Line and column of each ``groups[i].key`` value in the front-matter."""
    fm = doc.front_matter
    if fm is None or fm.data is None:
        return {}
    try:
        node = yaml.compose(fm.raw, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, tuple[int, int]] = {}
    if not isinstance(node, yaml.MappingNode):
        return out
    for knode, vnode in node.value:
        if getattr(knode, "value", None) != "groups" or not isinstance(vnode, yaml.SequenceNode):
            continue
        for item in vnode.value:
            if isinstance(item, yaml.MappingNode):
                for ik, iv in item.value:
                    if getattr(ik, "value", None) == "key" and isinstance(iv, yaml.ScalarNode):
                        out.setdefault(str(iv.value), (fm.start_line + 1 + iv.start_mark.line,
                                                       iv.start_mark.column + 1))
            elif isinstance(item, yaml.ScalarNode):
                out.setdefault(str(item.value), (fm.start_line + 1 + item.start_mark.line, item.start_mark.column + 1))
    return out

