"""Which language a note's prose is in: a cheap script count first, langdetect
only when the count cannot tell.

Chinese technical prose is full of English terms (Transformer, KV Cache,
RLHF); langdetect, given such text raw, answers ``en``, ``no`` or ``vi``
because Latin letters outnumber the Han characters.  So we count *units*: one
per Han/kana/Hangul character and one per Latin word of two letters or more
(a term like "KV Cache" is two units, not seven letters).  When the CJK share
of the units is clearly high the prose is CJK (which one by script); when it
is clearly none it is not; only the band between is handed to langdetect,
after dropping the short Latin runs that sit inside CJK sentences (terms).

Prose is what a reader reads as sentences: code, math, URLs, link targets,
inline code, tables, HTML and the front-matter are removed first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.document import Document

HIGH = 0.40  # CJK share of units above which the prose is CJK
LOW = 0.05  # CJK share below which it is not
MIN_UNITS = 30  # fewer units than this: no verdict
MIN_PROBABILITY = 0.90  # langdetect must be this sure for a verdict
TERM_WORDS = 4  # a Latin run of at most this many words inside CJK text is a term

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
# Runs of each script, for counting characters: one match per run instead of
# one per character made counting a note's prose ~3 times slower.
_HAN_RUN = re.compile(_HAN.pattern + "+")
_KANA_RUN = re.compile(_KANA.pattern + "+")
_HANGUL_RUN = re.compile(_HANGUL.pattern + "+")
# A word of letters that are not CJK: Latin, Cyrillic, Greek, Arabic…
_WORD = re.compile(r"[^\W\d_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]{2,}")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_ADMONITION = re.compile(r"\[![A-Za-z]+\]")
# No "[" inside: every "[[" of an unclosed run used to start a scan to the end.
_WIKI = re.compile(r"!?\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
# A run of Latin words (with the spaces, digits and light punctuation between them).
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’.+/-]*(?:[ \t\-/,.()&]+[A-Za-z0-9][A-Za-z0-9'’.+/-]*)*")

NAMES = {
    "zh": "Chinese", "en": "English", "ja": "Japanese", "ko": "Korean", "de": "German", "fr": "French",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "ru": "Russian", "vi": "Vietnamese",
    "no": "Norwegian", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "pl": "Polish", "tr": "Turkish",
    "ar": "Arabic", "id": "Indonesian", "fi": "Finnish", "cs": "Czech", "uk": "Ukrainian", "ca": "Catalan",
}


#: the verdict for prose that is clearly not CJK but whose language langdetect cannot name
UNKNOWN_NON_CJK = "und"
CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})


def primary(tag: str) -> str:
    """``zh-cn`` → ``zh``: notes are compared by primary language only (the
    script count cannot tell simplified from traditional Chinese)."""
    return tag.strip().lower().replace("_", "-").split("-")[0]


def name(tag: str) -> str:
    return NAMES.get(primary(tag), tag)


@dataclass(frozen=True)
class Counts:
    han: int
    kana: int
    hangul: int
    words: int

    @property
    def cjk(self) -> int:
        return self.han + self.kana + self.hangul

    @property
    def units(self) -> int:
        return self.cjk + self.words

    @property
    def share(self) -> float:
        return self.cjk / self.units if self.units else 0.0


def count(text: str) -> Counts:
    return Counts(_chars(_HAN_RUN, text), _chars(_KANA_RUN, text), _chars(_HANGUL_RUN, text),
                  len(_WORD.findall(text)))


def _chars(runs: re.Pattern[str], text: str) -> int:
    return sum(map(len, runs.findall(text)))


@dataclass(frozen=True)
class Verdict:
    lang: str | None  # primary subtag ("zh", "en"…), "und" (not CJK, unnamed); None: no verdict
    confidence: float
    method: str  # "script" | "langdetect" | "too-little" | "unsure"
    share: float  # CJK share of units
    units: int

    def describe(self) -> str:
        how = f"{self.share:.0%} CJK" if self.method == "script" else f"langdetect p={self.confidence:.2f}"
        if self.lang == UNKNOWN_NON_CJK:
            return f"not in a CJK language ({how}, {self.units} units)"
        return f"in {name(self.lang or '?')} ({self.lang}; {how}, {self.units} units)"


def _by_script(c: Counts) -> str:
    if c.kana * 100 >= 15 * c.cjk:
        return "ja"
    if c.hangul > c.han:
        return "ko"
    return "zh"


def strip_terms(text: str) -> str:
    """Drop short Latin runs that sit inside CJK text: they are terms
    (KV Cache, Pre-LN), not English sentences."""

    def repl(m: re.Match[str]) -> str:
        words = len(_WORD.findall(m.group(0)))
        before = text[max(0, m.start() - 2):m.start()]
        after = text[m.end():m.end() + 2]
        near_cjk = bool(_HAN.search(before) or _HAN.search(after) or _KANA.search(before + after))
        return " " if near_cjk and words <= TERM_WORDS else m.group(0)

    return _LATIN_RUN.sub(repl, text)


def detect(text: str, min_units: int = MIN_UNITS) -> Verdict:
    """The language of a piece of prose, or no verdict."""
    c = count(text)
    if c.units < min_units:
        return Verdict(None, 0.0, "too-little", c.share, c.units)
    if c.share >= HIGH:
        return Verdict(_by_script(c), c.share, "script", c.share, c.units)
    if c.share > LOW:
        stripped = strip_terms(text)
        s = count(stripped)
        if s.units >= min_units and s.share >= HIGH:
            return Verdict(_by_script(s), s.share, "script", c.share, c.units)
        text = stripped if s.units >= min_units else text
    found = _langdetect(text)
    if found is not None and found[1] >= MIN_PROBABILITY:
        return Verdict(primary(found[0]), found[1], "langdetect", c.share, c.units)
    if c.share <= LOW:
        # Clearly not CJK even if langdetect cannot say what it is (mojibake,
        # a mix of European languages): enough to tell a Chinese note it is not.
        return Verdict(UNKNOWN_NON_CJK, 1.0 - c.share, "script", c.share, c.units)
    return Verdict(None, found[1] if found else 0.0, "unsure", c.share, c.units)


_FACTORY_READY = False


def _langdetect(text: str) -> tuple[str, float] | None:
    """Top language and probability.  Imported on first use: loading its
    profiles costs about 0.4 s, which a corpus of Chinese notes never pays."""
    global _FACTORY_READY
    from langdetect import DetectorFactory, detect_langs  # type: ignore[import-untyped]
    from langdetect.lang_detect_exception import LangDetectException  # type: ignore[import-untyped]

    if not _FACTORY_READY:
        DetectorFactory.seed = 0  # langdetect is random without a seed: same text, same answer
        _FACTORY_READY = True
    try:
        langs: list[Any] = detect_langs(text)
    except LangDetectException:
        return None
    if not langs:
        return None
    return str(langs[0].lang), float(langs[0].prob)


# ---------------------------------------------------------------------- prose


@dataclass(frozen=True)
class Chunk:
    line: int
    text: str


def prose(doc: Document) -> list[Chunk]:
    """The readable sentences of a document, one chunk per paragraph, list item
    line or heading, with its line.  Tables, code, math, HTML and link targets
    are left out, and so is a paragraph that is mostly link text (a list of
    references is in the papers' language, not the note's)."""
    out: list[Chunk] = []
    in_table = 0
    for tok in doc.tokens:
        if tok.type == "table_open":
            in_table += 1
        elif tok.type == "table_close":
            in_table -= 1
        elif tok.type == "inline" and tok.map and not in_table:
            text = _inline_text(tok.children or [])
            if text.strip():
                out.append(Chunk(tok.map[0] + 1, text))
    return out


def _inline_text(children: list[Any]) -> str:
    parts: list[str] = []
    link_chars = 0
    depth = 0
    skip = 0  # inside an autolink, whose text is the URL
    has_link = False
    for child in children:
        t = child.type
        if t == "link_open":
            depth += 1
            has_link = True
            if child.markup == "autolink" or child.info == "auto":
                skip += 1
        elif t == "link_close":
            depth = max(0, depth - 1)
            skip = max(0, skip - 1)
        elif t == "text" and not skip:
            text = _WIKI.sub(lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1], child.content)
            text = _ADMONITION.sub(" ", _URL.sub(" ", text))
            parts.append(text)
            if depth:
                link_chars += len(text.strip())
        elif t in ("softbreak", "hardbreak"):
            parts.append(" ")
        # code_inline, math_inline(_double), html_inline, image: not prose
    joined = "".join(parts)
    visible = len(joined.strip())
    if visible and link_chars * 10 >= visible * 6:
        return ""
    if _CITATION.search(joined) or (has_link and _YEAR.search(joined) and count(joined).share < HIGH):
        return ""  # a reference: "Ba et al. *Layer Normalization*. 2016. [arXiv…]"
    return joined


_CITATION = re.compile(r"\bet al\b|\barXiv\b|\bdoi:|\bIn Proceedings\b|\bProc\. ", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
