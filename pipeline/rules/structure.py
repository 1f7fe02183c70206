"""SEC: the structure of a document (headings, fences, suppressions)."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.diagnostics import Finding, Severity
from pipeline.document import Document
from pipeline.rules import register
from pipeline.rules.base import Context, Rule


@register
class UnclosedCodeFence(Rule):
    """## What it does
    Reports a fenced code block (```` ``` ```` or `~~~`) that is never closed.

    ## Why is this bad?
    Everything after the opening fence, to the end of the file, becomes code:
    headings, links and formulas below it disappear from the rendered note and
    from every other check.

    ## Example
    ````markdown
    ```python
    print("hi")

    ## 对比
    ````

    ## Use instead
    Close the block with a fence of the same character, at least as long.
    """

    code = "SEC001"
    name = "unclosed-code-fence"
    summary = "Code fence is never closed"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for block in doc.code_blocks:
            if block.fenced and not block.closed:
                yield Finding(block.line, 1, f"code fence opened on line {block.line} is never closed")


@register
class MultipleH1(Rule):
    """## What it does
    Reports a second (third…) level-1 heading in a document.

    ## Why is this bad?
    A note has one title. Several H1s break the outline, the table of
    contents editors build from it, and the index's idea of the title.

    ## Example
    ```markdown
    # RMSNorm
    # 公式
    ```

    ## Use instead
    ```markdown
    # RMSNorm
    ## 公式
    ```
    """

    code = "SEC002"
    name = "multiple-h1"
    summary = "More than one level-1 heading"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        first = None
        for h in doc.headings:
            if h.level == 1:
                if first is None:
                    first = h
                else:
                    yield Finding(h.line, h.column, f'second level-1 heading "{h.title}" (the first is on line {first.line})')


@register
class SkippedHeadingLevel(Rule):
    """## What it does
    Reports a heading more than one level deeper than the heading before it
    (`##` followed by `####`).

    ## Why is this bad?
    The outline gets a hole: screen readers, tables of contents and the
    section checks see a subsection with no parent.

    ## Example
    ```markdown
    ## 工作原理
    #### 细节
    ```

    ## Use instead
    ```markdown
    ## 工作原理
    ### 细节
    ```
    """

    code = "SEC003"
    name = "skipped-heading-level"
    summary = "Heading level skips a level"
    severity = Severity.WARNING

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        previous = 0
        for h in doc.headings:
            if previous and h.level > previous + 1:
                yield Finding(h.line, h.column, f"heading level {h.level} follows level {previous}; "
                                                f"use level {previous + 1}")
            previous = h.level


@register
class UnusedSuppression(Rule):
    """## What it does
    Reports a `<!-- corpus: disable … -->` comment that suppresses nothing, or
    names a code that no rule has.

    ## Why is this bad?
    Stale suppressions hide the next real problem at that place, and a typo in
    a code silently suppresses nothing.

    ## Example
    `<!-- corpus: disable-next-line LNK999 -->`

    ## Use instead
    Remove the comment, or name the code the finding on that line has.

    The runner computes this rule after all the others, since only it knows
    what each comment suppressed.
    """

    code = "SEC004"
    name = "unused-suppression"
    summary = "Suppression comment suppresses nothing"
    severity = Severity.WARNING
