"""FM: the YAML front-matter as YAML (its schema is checked in ``schema``)."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.diagnostics import Finding
from pipeline.document import Document, unclosed_front_matter
from pipeline.rules import register
from pipeline.rules.base import Context, Rule


def _problems(doc: Document, kinds: tuple[str, ...]) -> Iterable[Finding]:
    fm = doc.front_matter
    if fm is None:
        return
    for p in fm.problems:
        if p.kind in kinds:
            yield Finding(p.line, p.column, p.message)


@register
class InvalidYaml(Rule):
    """## What it does
    Reports front-matter that is not valid YAML, at the line and column the
    YAML parser stopped, or that expands to an absurd size through aliases
    (a "billion laughs" document).

    ## Why is this bad?
    Every field is lost: the note has no title, no id, no group, so the index
    cannot list it and its schema cannot be checked.

    ## Example
    ```yaml
    ---
    title: "Connector: Q-Former → MLP
    tags: [vlm
    ---
    ```

    ## Use instead
    ```yaml
    ---
    title: "Connector: Q-Former → MLP"
    tags: [vlm]
    ---
    ```
    """

    code = "FM001"
    name = "invalid-yaml"
    summary = "Front-matter is not valid YAML"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        return _problems(doc, ("syntax", "alias-bomb"))


@register
class FrontMatterNotMapping(Rule):
    """## What it does
    Reports front-matter that is valid YAML but a list or a scalar instead of
    a mapping of keys to values.

    ## Why is this bad?
    Fields are looked up by key; a list has none, so the note has no metadata.

    ## Example
    ```yaml
    ---
    - title: RMSNorm
    ---
    ```

    ## Use instead
    ```yaml
    ---
    title: RMSNorm
    ---
    ```
    """

    code = "FM002"
    name = "front-matter-not-mapping"
    summary = "Front-matter is not a mapping"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        return _problems(doc, ("not-mapping",))


@register
class DuplicateKey(Rule):
    """## What it does
    Reports a key that appears twice in the front-matter.

    ## Why is this bad?
    YAML loaders silently keep the last value, so the first one, often the one
    the author meant, is ignored without a word.

    ## Example
    ```yaml
    title: RMSNorm
    title: LayerNorm → RMSNorm
    ```

    ## Use instead
    One `title:` line.
    """

    code = "FM003"
    name = "duplicate-key"
    summary = "Front-matter has a duplicate key"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        return _problems(doc, ("duplicate-key",))


@register
class UnclosedFrontMatter(Rule):
    """## What it does
    Reports a file that opens front-matter with `---` on its first line,
    followed by `key: value` lines, but never closes it with a second `---`.

    ## Why is this bad?
    The Markdown parser reads the block as a horizontal rule and a paragraph:
    the metadata becomes visible text and no field is read.

    ## Example
    ```markdown
    ---
    title: RMSNorm

    # RMSNorm
    ```

    ## Use instead
    ```markdown
    ---
    title: RMSNorm
    ---

    # RMSNorm
    ```
    """

    code = "FM004"
    name = "unclosed-front-matter"
    summary = "Front-matter is never closed"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        if doc.front_matter is None:
            problem = unclosed_front_matter(doc.text)
            if problem:
                yield Finding(problem.line, problem.column, problem.message)
