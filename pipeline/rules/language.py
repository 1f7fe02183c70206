"""LANG001-LANG002: the prose is in the note's language (pipeline/language.py)."""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.diagnostics import Finding, Severity
from pipeline.document import Document
from pipeline.language import CJK_LANGUAGES, HIGH, UNKNOWN_NON_CJK, Chunk, Verdict, detect, name, primary, prose
from pipeline.rules import register
from pipeline.rules.base import Context, Rule

#: prose units a section needs before its language is judged
SECTION_MIN_UNITS = 40
#: a section in the ambiguous band is only flagged when langdetect is this sure
#: and CJK is at most this share of it
SECTION_MIN_PROBABILITY = 0.95
SECTION_MAX_MIXED_SHARE = 0.15


def expected_language(doc: Document, ctx: Context) -> tuple[str, bool]:
    """The note's language tag, and whether the front-matter set it."""
    lang = doc.meta.get("lang")
    if isinstance(lang, str) and lang.strip():
        return lang.strip(), True
    return ctx.config.settings.lang, False


def _document_verdict(chunks: list[Chunk]) -> Verdict:
    return detect("\n".join(c.text for c in chunks))


def _where(doc: Document, explicit: bool) -> tuple[int, int]:
    if explicit and doc.front_matter is not None and "lang" in doc.front_matter.value_positions:
        return doc.front_matter.value_positions["lang"]
    for h in doc.headings:
        if h.level == 1:
            return h.line, h.column
    return doc.body_start_line, 1


def _analysed(doc: Document, ctx: Context) -> tuple[list[Chunk], Verdict]:
    """The note's prose and its verdict, computed once for both rules."""
    memo = ctx.cache.get("language.analysed")
    if isinstance(memo, tuple) and memo[0] is doc:
        return memo[1], memo[2]
    chunks = prose(doc)
    verdict = _document_verdict(chunks)
    ctx.cache["language.analysed"] = (doc, chunks, verdict)
    return chunks, verdict


@register
class WrongLanguage(Rule):
    """## What it does
    Detects the language of the note's prose and reports it when it is not
    the note's language: the front-matter's `lang`, or the configured default
    (`lang = "zh-cn"` in `[tool.corpus]`).  Only prose counts: code, math,
    tables, URLs, link targets, inline code, HTML and references are left out.
    Chinese prose full of English terms (Transformer, KV Cache, RLHF) is
    Chinese; a note with too little prose gets no verdict.  Languages are
    compared by their primary tag (`zh-cn` and `zh-tw` are both Chinese).

    ## Why is this bad?
    A note in the wrong language is either misfiled (a draft pasted from an
    English source) or mislabelled, and search, the index and readers rely
    on the label.

    ## Example
    ```markdown
    ---
    lang: zh-cn
    ---
    # RMSNorm
    RMSNorm rescales each token by the root mean square of its features …
    ```

    ## Use instead
    Write the note in its language, or say what it is in: `lang: en`.
    """

    code = "LANG001"
    name = "wrong-language"
    summary = "Prose is not in the note's language"

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        lang, explicit = expected_language(doc, ctx)
        _chunks, verdict = _analysed(doc, ctx)
        if not _differs(verdict, primary(lang)):
            return
        origin = "its front-matter says" if explicit else "the configured default is"
        todo = "translate it, or fix its encoding if it is garbled" if verdict.lang == UNKNOWN_NON_CJK else \
            f'translate it, or set "lang: {verdict.lang}" in the front-matter'
        yield Finding(*_where(doc, explicit), f'prose is {verdict.describe()}, but {origin} "{lang}" '
                                              f"({name(lang)}); {todo}")


@register
class SectionInOtherLanguage(Rule):
    """## What it does
    Reports a section whose own prose (up to the next heading) is clearly in
    another language than the note: enough prose (40 units: CJK characters
    plus words) and a confident verdict.  References (`Ba et al. …, 2016`)
    and link lists are not prose and never trigger it.  Not reported when the
    whole note is in another language (LANG001 says that once).

    ## Why is this bad?
    Usually a paragraph pasted from a paper or a draft not yet translated:
    the note reads in two languages.

    ## Example
    ```markdown
    ## 核心思想
    The model drops the mean-centering step and keeps only the rescaling,
    which saves one reduction per token and per layer …
    ```

    ## Use instead
    ```markdown
    ## 核心思想
    去掉减均值这一步，只保留按均方根缩放，每层每个 token 少一次归约……
    ```
    """

    code = "LANG002"
    name = "section-in-other-language"
    summary = "Section prose is in another language than the note"
    severity = Severity.WARNING

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        lang, _explicit = expected_language(doc, ctx)
        want = primary(lang)
        chunks, whole = _analysed(doc, ctx)
        if _differs(whole, want):
            return
        starts = [h.line for h in doc.headings]
        for i, heading in enumerate(doc.headings):
            end = starts[i + 1] if i + 1 < len(starts) else 10**9
            text = "\n".join(c.text for c in chunks if heading.line <= c.line < end)
            verdict = detect(text, SECTION_MIN_UNITS)
            if not _differs(verdict, want) or not _clear(verdict):
                continue
            yield Finding(heading.line, heading.column,
                          f'section "{heading.title}" is {verdict.describe()}, while the note is '
                          f'"{lang}" ({name(lang)}); translate it')


def _differs(verdict: Verdict, want: str) -> bool:
    if verdict.lang is None or verdict.lang == want:
        return False
    if verdict.lang == UNKNOWN_NON_CJK:
        return want in CJK_LANGUAGES  # we only know it is not CJK
    return True


def _clear(verdict: Verdict) -> bool:
    if verdict.method == "script":
        return verdict.share >= HIGH
    return verdict.confidence >= SECTION_MIN_PROBABILITY and verdict.share <= SECTION_MAX_MIXED_SHARE
