"""SEC010-SEC013: what a note's sections must hold, empty sections, Python that
does not compile.

The required sections are configured per doc type in ``[tool.corpus]
sections`` (pipeline/config.py); the default asks a note for a 公式 section
with math, a 代码 section with code in a programming language and a 对比
section with a real table.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.config import SectionRequirement
from pipeline.diagnostics import Finding, Severity
from pipeline.document import CodeBlock, Document, Section
from pipeline.rules import register
from pipeline.rules.base import Context, Rule

#: Fence languages that are not a programming language: prose, diagrams,
#: ASCII art, data and markup formats, math.  Untagged blocks do not count either.
NOT_CODE = frozenset({
    "text", "txt", "plain", "plaintext", "none", "nohighlight", "output", "console-output", "log",
    "mermaid", "ascii", "asciiart", "ascii-art", "art", "diagram", "svgbob", "bob", "ditaa", "dot", "graphviz",
    "plantuml", "puml", "flowchart", "sequence", "tree", "markdown", "md",
    "json", "jsonc", "json5", "yaml", "yml", "toml", "ini", "csv", "tsv", "xml",
    "math", "latex", "tex", "katex", "asciimath", "bibtex", "bib",
})
#: Fence languages whose whole content is a formula.
MATH_LANGUAGES = frozenset({"math", "latex", "tex", "katex", "asciimath"})
PYTHON = frozenset({"python", "py", "python3", "py3"})

_RELATION = re.compile(r"[=≈∝≤≥≠]")
_OPERATOR = re.compile(r"[\^_/*√∑Σ∏·×⊙∇∂]|\\[A-Za-z]+|\b(?:softmax|exp|log|sqrt|sum|max|min|norm|argmax|sigmoid)\b")
_LATEX_COMMAND = re.compile(r"\\(?:frac|sum|sqrt|mathbf|mathcal|cdot|top|log|exp|left|right|partial|nabla)\b")


def looks_like_formula(text: str) -> bool:
    """A formula written as code (`y = x / rms(x) * g`): a relation and an
    operator, or a LaTeX command.  An assignment like `x = 1` is not one."""
    if _LATEX_COMMAND.search(text):
        return True
    return bool(_RELATION.search(text) and _OPERATOR.search(text) and re.search(r"[A-Za-zα-ωΑ-Ω]", text))


def _formula_block(content: str) -> bool:
    """An untagged or text block counts as math when most of its lines are
    formulas; one `16 × 576 = 9216` line in an ASCII diagram does not make one."""
    lines = [line for line in content.splitlines() if line.strip()]
    return bool(lines) and sum(looks_like_formula(line) for line in lines) * 2 >= len(lines)


def is_code(block: CodeBlock, languages: list[str] | None = None) -> bool:
    if not block.fenced or not block.language:
        return False
    if languages:
        return block.language in {lang.lower() for lang in languages}
    return block.language not in NOT_CODE


@dataclass(frozen=True)
class Evidence:
    """Something a section can hold (math, code, a table), where, and whether it counts."""

    line: int
    counts: bool
    what: str  # said to the reader: "mermaid block", "table with 1 data row and 3 columns"


def code_spans(doc: Document) -> list[tuple[int, str]]:
    """(line, content) of every inline code span in the body."""
    out: list[tuple[int, str]] = []
    for tok in doc.tokens:
        if tok.type != "inline" or not tok.map or "`" not in tok.content:
            continue
        first = tok.map[0] + 1
        line_offset = 0
        for child in tok.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line_offset += 1
            elif child.type == "code_inline":
                out.append((first + line_offset, child.content))
    return out


def evidence(doc: Document, req: SectionRequirement) -> list[Evidence]:
    """Everything in the document relevant to a requirement, in order."""
    out: list[Evidence] = []
    if req.holds == "math":
        out.extend(Evidence(m.line, True, "math") for m in doc.math)
        for block in doc.code_blocks:
            if block.language in MATH_LANGUAGES or (
                    block.language in ("", "text", "plain", "plaintext") and _formula_block(block.content)):
                kind = f"a {block.language} block" if block.language else "an untagged block"
                out.append(Evidence(block.line, True, f"formula in {kind}"))
        out.extend(Evidence(line, True, "formula in a code span")
                   for line, content in code_spans(doc) if looks_like_formula(content))
    elif req.holds == "code":
        for block in doc.code_blocks:
            if is_code(block, req.languages):
                out.append(Evidence(block.line, True, f"{block.language} block"))
            else:
                kind = f"{block.language} block" if block.language else ("untagged block" if block.fenced
                                                                           else "indented block")
                out.append(Evidence(block.line, False, kind))
    else:
        for table in doc.tables:
            rows = len(table.rows)
            columns = max([len(table.header), *(len(r) for r in table.rows)])
            ok = rows >= req.min_rows and columns >= req.min_columns
            out.append(Evidence(table.line, ok, f"table with {_n(rows, 'data row')} and {_n(columns, 'column')}"))
    return sorted(out, key=lambda e: e.line)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


_HOLDS = {"math": "math", "code": "code block in a programming language", "table": "table"}


def _needs(req: SectionRequirement) -> str:
    if req.holds == "table":
        return f"table with ≥ {_n(req.min_rows, 'data row')} and ≥ {_n(req.min_columns, 'column')}"
    if req.holds == "code" and req.languages:
        return "code block in " + " or ".join(req.languages)
    return _HOLDS[req.holds]


def _titles(req: SectionRequirement) -> str:
    quoted = [f'"{t}"' for t in req.titles]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def _title_pattern(title: str) -> re.Pattern[str]:
    """CJK titles match anywhere (关键公式); Latin ones as words, plural allowed,
    so "Code" does not match "Encoder"."""
    escaped = re.escape(title)
    if re.fullmatch(r"[A-Za-z0-9 ]+", title):
        return re.compile(rf"(?<![A-Za-z]){escaped}(?:s|es)?(?![A-Za-z])", re.IGNORECASE)
    return re.compile(escaped, re.IGNORECASE)


def matching_sections(doc: Document, req: SectionRequirement) -> list[Section]:
    patterns = [_title_pattern(t) for t in req.titles]
    excluded = [_title_pattern(t) for t in req.exclude_titles]
    out = []
    for section in doc.all_sections:
        if section.level == 1:
            continue  # the note's title: its "section" is the whole note
        title = section.title
        for pattern in excluded:
            title = pattern.sub(" ", title)
        if any(p.search(title) for p in patterns):
            out.append(section)
    return out


def _inside(section: Section, line: int) -> bool:
    return section.line <= line <= section.end_line


def _summary(items: list[Evidence], limit: int = 3) -> str:
    """`mermaid block (line 29)`, or `7 × mermaid block (lines 29, 78, 122, …)`."""
    groups: dict[str, list[int]] = {}
    for e in items:
        groups.setdefault(e.what, []).append(e.line)
    parts = []
    for what, lines in groups.items():
        if len(lines) == 1:
            parts.append(f"{what} (line {lines[0]})")
        else:
            shown = ", ".join(str(n) for n in lines[:limit]) + (", …" if len(lines) > limit else "")
            parts.append(f"{len(lines)} × {what} (lines {shown})")
    return ", ".join(parts)


def _anchor(doc: Document) -> tuple[int, int]:
    """Where a finding about the whole note goes: its title, else its first body line."""
    for h in doc.headings:
        if h.level == 1:
            return h.line, h.column
    return doc.body_start_line, 1


def requirements(doc: Document, ctx: Context) -> list[SectionRequirement]:
    return list(ctx.config.settings.sections.get(doc.doc_type, []))


@register
class MissingRequiredSection(Rule):
    """## What it does
    Reports a required section that has no heading at all.  The default
    requirements of a note (configurable per doc type in `[tool.corpus]
    sections`) are a heading containing 公式 (or Formula, Equation), one
    containing 代码 (or Code) and one containing 对比 (or Comparison).  The
    note's H1 does not count (its section is the whole note), English titles
    match as words, and phrases that contain a title without meaning it are
    skipped (`exclude-titles`: 对比学习 is contrastive learning, not a
    comparison).  The message says whether what the section should hold is
    elsewhere in the note (`math found at line 120, but under no 公式
    heading`).

    ## Why is this bad?
    Every note is read the same way: the formula, the code and the comparison
    are where the reader looks for them, and the index links to them by
    heading.

    ## Example
    ```markdown
    # RMSNorm
    ## 原理
    $$y = x / \\mathrm{RMS}(x)$$
    ```

    ## Use instead
    ```markdown
    # RMSNorm
    ## 关键公式
    $$y = x / \\mathrm{RMS}(x)$$
    ```
    """

    code = "SEC010"
    name = "missing-required-section"
    summary = "Required section has no heading"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for req in requirements(doc, ctx):
            if matching_sections(doc, req):
                continue
            items = evidence(doc, req)
            good = [e for e in items if e.counts]
            message = f"no heading containing {_titles(req)}"
            if good:
                message += f"; {good[0].what} found at line {good[0].line}, but under no {req.name} heading"
            elif items:
                message += f", and no {_needs(req)} in the note (found only {_summary(items)})"
            else:
                message += f", and no {_needs(req)} in the note"
            yield Finding(*_anchor(doc), message)


@register
class RequiredSectionLacksContent(Rule):
    """## What it does
    Reports a required section (see SEC010) whose heading is there but whose
    section, subsections included, lacks what it must hold: math
    (`$…$`, `$$…$$`, `\\[…\\]`, a `math` block, or a formula in a code span
    like `` `y = x / rms(x) * g` ``); a fenced block in a programming
    language (`mermaid`, `text`, untagged, diagram, ASCII-art and data blocks
    do not count); a GFM table with at least two data rows and two columns.
    The message says what was found instead.

    ## Why is this bad?
    The heading promises content the reader does not get: a 关键步骤代码
    section holding only a mermaid diagram has no code.

    ## Example
    ````markdown
    ## 关键步骤代码
    ```mermaid
    flowchart LR
      A --> B
    ```
    ````

    ## Use instead
    ````markdown
    ## 关键步骤代码
    ```python
    y = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps)
    ```
    ````
    """

    code = "SEC011"
    name = "required-section-lacks-content"
    summary = "Required section does not hold what it must"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for req in requirements(doc, ctx):
            sections = matching_sections(doc, req)
            if not sections:
                continue
            items = evidence(doc, req)
            if any(e.counts and any(_inside(s, e.line) for s in sections) for e in items):
                continue
            first = sections[0]
            inside = [e for e in items if _inside(first, e.line)]
            message = f'section "{first.title}" (line {first.line}) has no {_needs(req)}'
            if inside:
                message += f"; found only {_summary(inside)}"
            others = len(sections) - 1
            if others:
                message += f" (nor {'does' if others == 1 else 'do'} {_n(others, 'other heading')} " \
                           f"containing {_titles(req)})"
            outside = [e for e in items if e.counts]
            if outside:
                message += f"; {outside[0].what} at line {outside[0].line} is outside it"
            yield Finding(first.line, first.column, message)


_NON_CONTENT_TOKENS = frozenset({"hr", "front_matter"})
_COMMENT_ONLY = re.compile(r"^\s*(?:<!--.*?-->\s*)+$", re.DOTALL)


@register
class EmptySection(Rule):
    """## What it does
    Reports a heading with no content before the next heading of the same or
    a higher level: no paragraph, list, table, code or math, only blank
    lines, HTML comments or a horizontal rule.  A heading followed by deeper
    headings is not reported itself; its empty subsections are.

    ## Why is this bad?
    An empty section is a placeholder the author forgot: the table of
    contents promises something the note does not have.

    ## Example
    ```markdown
    ## 常见错误

    ## 参考资料
    - …
    ```

    ## Use instead
    Write the section, or remove its heading.
    """

    code = "SEC012"
    name = "empty-section"
    summary = "Section has no content"
    severity = Severity.WARNING

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        # Walk top-level block tokens: headings, and whether content follows.
        events: list[tuple[str, int, int]] = []  # ("heading", level, index) | ("content", 0, 0)
        for tok in doc.tokens:
            if tok.level != 0 or tok.nesting == -1:
                continue
            if tok.type == "heading_open":
                events.append(("heading", int(tok.tag[1]), len(events)))
            elif tok.type in ("inline", "heading_close") or tok.type in _NON_CONTENT_TOKENS:
                continue
            elif tok.type == "html_block" and _COMMENT_ONLY.match(tok.content):
                continue
            else:
                events.append(("content", 0, 0))
        headings = iter(doc.headings)
        for i, (kind, level, _index) in enumerate(events):
            if kind != "heading":
                continue
            heading = next(headings)
            following = events[i + 1] if i + 1 < len(events) else None
            if following is None or (following[0] == "heading" and following[1] <= level):
                yield Finding(heading.line, heading.column, f'section "{heading.title}" is empty; '
                                                            "write its content or remove the heading")


@register
class PythonSyntaxError(Rule):
    """## What it does
    Compiles every ` ```python ` block (also `py`, `python3`) and reports a
    syntax error at its line and column in the file.  A block written as an
    interactive session (`>>> ` prompts) is compiled without its prompts and
    output.

    ## Why is this bad?
    Code a reader copies must at least parse; blocks that import only the
    standard library and NumPy are also run by the test suite.

    ## Example
    ````markdown
    ```python
    def rms_norm(x, g, eps=1e-6)
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * g
    ```
    ````

    ## Use instead
    ````markdown
    ```python
    def rms_norm(x, g, eps=1e-6):
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * g
    ```
    ````
    Pseudo-code that is not Python goes in a ` ```text ` block.
    """

    code = "SEC013"
    name = "python-syntax-error"
    summary = "Python code block does not compile"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        for block in doc.code_blocks:
            if block.language not in PYTHON or not block.closed:
                continue
            error = compile_error(block.content)
            if error is None:
                continue
            content_line, column, message = error
            line = min(block.line + content_line, block.end_line)
            column += _indent(doc, line, block.content, content_line)
            yield Finding(line, max(column, 1), f"python block (line {block.line}) does not compile: {message}")


def compile_error(source: str) -> tuple[int, int, str] | None:
    """(1-based line in ``source``, 1-based column, message) of the first syntax
    error, or None when it compiles."""
    lines = source.splitlines()
    mapping = list(range(1, len(lines) + 1))
    if any(line.startswith(">>>") for line in lines):
        kept: list[str] = []
        mapping = []
        for number, line in enumerate(lines, 1):
            if line.startswith((">>> ", "... ")) or line in (">>>", "..."):
                kept.append(line[4:])
                mapping.append(number)
        source = "\n".join(kept) + "\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (invalid escapes) are not errors
            compile(source, "<block>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        lineno = exc.lineno or 1
        original = mapping[lineno - 1] if 0 < lineno <= len(mapping) else (mapping[-1] if mapping else 1)
        column = exc.offset or 1
        if source is not None and any(line.startswith(">>>") for line in lines):
            column += 4
        return original, column, f"{exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return 1, 1, str(exc) or type(exc).__name__
    return None


def _indent(doc: Document, line: int, content: str, content_line: int) -> int:
    """Columns the fence's container (a list item, a quote) adds in the file."""
    lines = content.splitlines()
    if not 0 < content_line <= len(lines):
        return 0
    source = doc.line_text(line)
    inner = lines[content_line - 1]
    if inner and source.endswith(inner):
        return len(source) - len(inner)
    return 0
