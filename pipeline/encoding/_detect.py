"""Bytes to text: which encoding a note file is stored in."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Final

_BOMS: Final = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What GB18030 text decodes to: hanzi, CJK and fullwidth punctuation, and
# the symbols GB2312 carries (·, —, “”, …, arrows, box drawing).
_CHINESE: Final = re.compile("[\u00b7\u2010-\u2027\u2030-\u21ff\u2500-\u257f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_NON_ASCII: Final = re.compile("[^\x00-\x7f]")
# Characters no note contains: controls other than whitespace, private use.
_ODD: Final = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffe\uffff]")


@dataclass(frozen=True)
class Decoded:
    """A note's text and how it was stored."""

    text: str  # the decoded text, BOM removed
    encoding: str  # 'utf-8', 'utf-8-sig', 'utf-16-le', 'utf-16-be', 'gb18030', ...
    bom: bool  # a BOM was present
    exact: bool  # True when decoding was lossless and certain


def decode_bytes(data: bytes) -> Decoded:
    """Decode a note file; never raises.

    >>> decode_bytes("中文".encode("gb18030"))
    Decoded(text='中文', encoding='gb18030', bom=False, exact=True)
    """
    try:
        # The fast path: nearly every note is plain UTF-8.
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if text.startswith("\ufeff"):
            return Decoded(text[1:], "utf-8-sig", True, True)
        return Decoded(text, "utf-8", False, True)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(encoding), encoding, True, True)
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: let the guessers below try
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        wide = len(_NON_ASCII.findall(text))
        chinese = len(_CHINESE.findall(text))
        # GB18030 decodes much that is not GB18030; Chinese-looking output is the proof.
        if wide and chinese / wide >= 0.8:
            return Decoded(text, "gb18030", False, True)
    guessed = _charset_normalizer(data)
    if guessed is not None:
        return guessed
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8", False, False)


def _utf16_without_bom(data: bytes) -> Decoded | None:
    # ASCII in UTF-16 is half NUL bytes; Markdown always has ASCII (newlines,
    # '#', '|'), so NULs show. Which side they fall on is only a hint, since
    # 一 (U+4E00) or ─ (U+2500) put a NUL on the other side: decode both ways
    # and keep the reading with more ASCII, if it reads as text at all.
    if len(data) < 4 or len(data) % 2 or data.count(0) < 2:
        return None
    best: tuple[int, str, str] | None = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _ODD.search(text) is not None:
            continue
        ascii_count = len(text) - len(_NON_ASCII.findall(text))
        if best is None or ascii_count > best[0]:
            best = (ascii_count, encoding, text)
    if best is None or best[0] < 2 or "\n" not in best[2]:
        return None  # a note has lines; this is something else
    return Decoded(best[2], best[1], False, True)


def _charset_normalizer(data: bytes) -> Decoded | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except (ImportError, LookupError, ValueError, RuntimeError):
        return None  # no guesser, or it choked: the caller falls back to replace
    if best is None:
        return None
    return Decoded(str(best), best.encoding, best.bom, False)
