"""FM010-FM020: the front-matter against its doc type's schema (pipeline/schema.py).

One code per kind of problem, each at the key or value it is about.  The
schema is validated once per front-matter; every rule here picks its own
problems from that result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pipeline.diagnostics import Edit, Finding, Fix
from pipeline.document import Document, unclosed_front_matter
from pipeline.rules import register
from pipeline.rules.base import Context, Rule

if TYPE_CHECKING:
    from pipeline.diagnostics import Problem

# pipeline.schema (the pydantic models) is imported where it is used: a
# pre-commit run on an unchanged note, or on one whose front-matter is
# unchanged, validates no front-matter.

def schema_problems(doc: Document, ctx: Context) -> tuple[Problem, ...]:
    fm = doc.front_matter
    if fm is None or fm.data is None:
        return ()
    # The problems depend only on the YAML text, where it starts and the doc
    # type: remembered per note, a pre-commit run after a prose edit needs no
    # pydantic (~0.15 s to import and build the models).
    key = hashlib.sha256(f"{doc.doc_type}\0{fm.start_line}\0{fm.raw}".encode("utf-8", "surrogatepass")).hexdigest()

    def validate() -> tuple[Problem, ...]:
        from pipeline.schema import validate_front_matter

        return validate_front_matter(fm, doc.doc_type, doc.doc_type)

    return ctx.memo("front-matter", doc.path, key, validate)


def _fix(doc: Document, problem: Problem) -> Fix | None:
    if problem.rename is not None:
        r = problem.rename
        start = doc.offset(r.line, r.column)
        # Only a plain key can be renamed in place; a quoted one is left to the author.
        if doc.text[start:start + len(r.old)] != r.old:
            return None
        title = f'Rename "{r.old}" to "{r.new}"'
        return Fix(title, (Edit(start, start + len(r.old), r.new),), safe=r.safe)
    if problem.quote is not None:
        q = problem.quote
        start = doc.offset(q.line, q.column)
        end = doc.offset(q.end_line, q.end_column)
        raw = doc.text[start:end]
        if not raw or "\n" in raw or "\r" in raw:
            return None
        return Fix(f"Quote {raw}", (Edit(start, end, json.dumps(raw, ensure_ascii=False)),))
    return None


class _SchemaRule(Rule):
    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for p in schema_problems(doc, ctx):
            if p.code == self.code:
                yield Finding(p.line, p.column, p.message, _fix(doc, p))


@register
class MissingRequiredField(_SchemaRule):
    """## What it does
    Reports a key the doc type's schema requires that the front-matter does
    not have, at the front-matter's opening `---`.  When more than three are
    missing they are listed in one finding.

    For a note the required keys are `title`, `id`, `group`, `tagline`,
    `evolution`, `value`, `models`, `status` and `date`; for an index,
    `title`; for a vault note, `title` (docs/note-format.md).  Inside a
    `related` item, `target` and `reason` are both required.

    ## Why is this bad?
    The index is built from these keys: a note without `id` or `group` is
    left out of it, one without `evolution` shows an empty 演进点 line.

    ## Example
    ```yaml
    ---
    id: "11"
    group: core
    ---
    ```

    ## Use instead
    ```yaml
    ---
    title: "Connector：Q-Former → MLP"
    id: "11"
    group: core
    # … and the other required keys
    ---
    ```
    """

    code = "FM010"
    name = "missing-required-field"
    summary = "Front-matter lacks a required key"


@register
class UnknownKey(_SchemaRule):
    """## What it does
    Reports a front-matter key the schema does not know, with the known key
    it most likely means.  Notes allow no other keys; indexes and vault notes
    allow extra keys, so there only a key that looks like a typo of a known
    one is reported.

    ## Why is this bad?
    A misspelt key is silently ignored: `tilte:` leaves the note without a
    title and the index without an entry.

    ## Example
    ```yaml
    tilte: RMSNorm
    ```

    ## Use instead
    ```yaml
    title: RMSNorm
    ```

    ## Fix safety
    The fix renames the key to the suggestion.  It is unsafe: the suggestion
    is a guess by spelling, so `corpus fix` applies it only with
    `--unsafe-fixes`.
    """

    code = "FM011"
    name = "unknown-key"
    summary = "Front-matter has an unknown key"
    fixable = True


@register
class WrongType(_SchemaRule):
    """## What it does
    Reports a front-matter value of the wrong type: a number where a string is
    expected, a string where a list is expected, a string where a mapping
    (`{target, reason}`) is expected.

    ## Why is this bad?
    YAML reads `id: 01` as the number 1, so the index shows "1" and sorts it
    among numbers; `models: LLaVA` is a string, not a list of models.

    ## Example
    ```yaml
    id: 01
    models: LLaVA
    ```

    ## Use instead
    ```yaml
    id: "01"
    models: [LLaVA]
    ```

    ## Fix safety
    A number where a string is expected is quoted exactly as written
    (`01` becomes `"01"`), which keeps what the author typed: safe.
    """

    code = "FM012"
    name = "wrong-type"
    summary = "Front-matter value has the wrong type"
    fixable = True


@register
class InvalidDate(_SchemaRule):
    """## What it does
    Reports a `date` or `updated` that is not a real calendar date in the
    form `YYYY-MM-DD` (`2026-13-01`, `2026/02/01`, a date with a time).

    ## Why is this bad?
    Sorting by date and the `updated ≥ date` check need real dates; a typo
    like month 13 would otherwise pass as a string.

    ## Example
    ```yaml
    date: 2026-02-30
    ```

    ## Use instead
    ```yaml
    date: 2026-02-28
    ```
    """

    code = "FM013"
    name = "invalid-date"
    summary = "Front-matter date is not a valid YYYY-MM-DD date"


@register
class InvalidEnumValue(_SchemaRule):
    """## What it does
    Reports a value outside the allowed set, listing the allowed values:
    `status` (`draft`, `review`, `complete`) and `type` (the doc types).

    ## Why is this bad?
    The index and the reports group notes by status; an unknown status
    (`done`) falls out of every group.

    ## Example
    ```yaml
    status: done
    ```

    ## Use instead
    ```yaml
    status: complete
    ```
    """

    code = "FM014"
    name = "invalid-enum-value"
    summary = "Front-matter value is not one of the allowed values"


@register
class EmptyValue(_SchemaRule):
    """## What it does
    Reports a key with no value (`tagline:`), an empty string, or an empty
    list where at least one item is required (`models: []`).

    ## Why is this bad?
    The key is there, so it looks filled in, but the index shows an empty
    line (代表模型：nothing).

    ## Example
    ```yaml
    models: []
    tagline:
    ```

    ## Use instead
    ```yaml
    models: [LLaVA-1.5]
    tagline: 用两层 MLP 连接视觉与语言
    ```
    """

    code = "FM015"
    name = "empty-value"
    summary = "Front-matter value is empty"


@register
class NonEnglishKey(_SchemaRule):
    """## What it does
    Reports a front-matter key written in Chinese (演进点, 核心价值, 代表模型,
    标题, 标签, 关联…) and names the English key to use.

    ## Why is this bad?
    Keys are English snake_case (docs/note-format.md); the Chinese names are
    the labels the index prints.  A Chinese key is not read, so the field is
    missing.

    ## Example
    ```yaml
    演进点: 由 Q-Former 压缩转向 MLP 直接投影
    ```

    ## Use instead
    ```yaml
    evolution: 由 Q-Former 压缩转向 MLP 直接投影
    ```

    ## Fix safety
    Renaming a known Chinese key to its English key is safe (the mapping is
    fixed, not guessed); no fix is offered when the English key is already
    present, since the two values must be merged by hand.
    """

    code = "FM016"
    name = "non-english-key"
    summary = "Front-matter key is not English"
    fixable = True


@register
class MissingFrontMatter(Rule):
    """## What it does
    Reports a note, index or vault note that has no front-matter at all, once,
    at the top of the file (instead of one finding per missing key).

    ## Why is this bad?
    Without front-matter the document has no id, group or status: the index
    cannot list it and no other metadata check can run.

    ## Example
    ```markdown
    # 多模态 VLM

    正文……
    ```

    ## Use instead
    ```markdown
    ---
    title: 多模态 VLM
    id: "11"
    # … the other required keys (docs/note-format.md)
    ---

    # 多模态 VLM
    ```
    """

    code = "FM017"
    name = "missing-front-matter"
    summary = "Document has no front-matter"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if doc.front_matter is not None:
            return
        from pipeline.schema import SCHEMAS, required_keys

        if doc.doc_type not in SCHEMAS:
            return
        if unclosed_front_matter(doc.text) is not None:
            return  # FM004 says it: the front-matter is there, only unclosed
        keys = ", ".join(required_keys(doc.doc_type))
        yield Finding(1, 1, f'{doc.doc_type} has no front-matter; start the file with a "---" block '
                            f"holding {keys} (see docs/note-format.md)")


@register
class UpdatedBeforeDate(_SchemaRule):
    """## What it does
    Reports an `updated` date earlier than the `date` the document was
    created.

    ## Why is this bad?
    One of the two is a typo, and "recently updated" lists are wrong.

    ## Example
    ```yaml
    date: 2026-02-10
    updated: 2026-01-12
    ```

    ## Use instead
    ```yaml
    date: 2026-01-10
    updated: 2026-02-12
    ```
    """

    code = "FM018"
    name = "updated-before-date"
    summary = "Front-matter updated date is before its creation date"


@register
class FrontMatterOfAnotherType(_SchemaRule):
    """## What it does
    Reports, in one finding, a front-matter that fails its path's doc type
    but is a valid document of another type and has keys only that type
    knows: an Obsidian note (`brief`, `sources`, `[[wiki-links]]` in
    `related`) stored where notes are expected.

    ## Why is this bad?
    Checked as a note it would get a dozen findings (missing `id`, `group`,
    unknown `brief`…) that all say the same thing: the document is of
    another kind.

    ## Example
    ```yaml
    ---
    title: 多模态 LLM 架构全景
    brief: 三大设计选择的对比
    sources: ["Liu et al. Visual Instruction Tuning"]
    ---
    ```

    ## Use instead
    ```yaml
    ---
    type: vault
    title: 多模态 LLM 架构全景
    brief: 三大设计选择的对比
    sources: ["Liu et al. Visual Instruction Tuning"]
    ---
    ```
    or convert it to the note format (docs/note-format.md).
    """

    code = "FM019"
    name = "front-matter-of-another-type"
    summary = "Front-matter belongs to another doc type"


@register
class InvalidValueFormat(_SchemaRule):
    """## What it does
    Reports a value of the right type but the wrong form: an `id` that is not
    `"11"` or `"S1"`, a `group` key with capitals or spaces, a `lang` that is
    not a language tag, a vault `related` item that is not a `[[wiki-link]]`,
    and a list that names the same item twice (`related` targets, index
    `groups` keys, `sections`).

    ## Why is this bad?
    These values are looked up elsewhere (ids in `related`, group keys in the
    section README): a value of another form never matches.

    ## Example
    ```yaml
    id: "第11篇"
    group: Core Models
    ```

    ## Use instead
    ```yaml
    id: "11"
    group: core
    ```
    """

    code = "FM020"
    name = "invalid-value-format"
    summary = "Front-matter value does not have the required form"
