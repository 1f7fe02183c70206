"""Turn the bytes of a damaged span back into candidate characters.

A damaged span is re-encoded through the code page it came through. What comes
back is UTF-8 with holes: a byte may be known, known to be one of a few values
(an outer layer of double mojibake left a choice), or missing altogether (the
code page dropped it). Lead bytes are never lost: every byte a single-byte page
leaves undefined, and the soft hyphen it strips, is a continuation byte. So
each lead byte still says how long its character was, and the only question is
which continuation bytes to put back where. This module answers with the set of
characters each position could hold; the language model picks among them.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from ._codepages import utf8_length

Token = tuple[int, ...]  # the possible values of one byte; a known byte has one

_MAX_COMBOS: Final = 4096


@dataclass(frozen=True)
class Slot:
    """One character of the repaired text and where its bytes came from."""

    candidates: tuple[str, ...]
    first: int  # index of its first token
    stop: int  # one past its last token
    complete: bool  # every byte was there: the character is certain


@lru_cache(maxsize=65536)
def plausible(char: str) -> bool:
    """A character someone could have written: assigned, not a control or private use."""
    return unicodedata.category(char) not in ("Cn", "Co", "Cs", "Cc")


def _decode(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if len(text) == 1 and plausible(text) else None


def parse(tokens: list[Token], lost: tuple[int, ...]) -> list[Slot | int]:
    """Parse tokens as UTF-8 whose missing continuation bytes come from `lost`.

    Returns a slot per character, or the index of a token that cannot belong to
    any character (an orphan continuation byte, an invalid lead): the caller
    treats those as clean text and splits the span there.
    """
    out: list[Slot | int] = []
    i = 0
    n = len(tokens)
    while i < n:
        token = tokens[i]
        if len(token) == 1:
            byte = token[0]
            if byte < 0x80:
                out.append(Slot((chr(byte),), i, i + 1, True))
                i += 1
                continue
            need = _NEED[byte]
            if need < 0:
                out.append(i)
                i += 1
                continue
            leads: tuple[int, ...] = token
        else:
            leads = tuple(b for b in token if _NEED[b] >= 0 and b >= 0x80)
            if not leads:
                out.append(i)
                i += 1
                continue
            need = max(_NEED[b] for b in leads)
        j = i + 1
        while j < n and j - i <= need and _has_continuation(tokens[j]):
            j += 1
        found = _candidates(tuple(tokens[i:j]), leads, lost)
        if found is None:
            out.append(i)
            i += 1
            continue
        out.append(Slot(found[0], i, j, found[1]))
        i = j
    return out


# Continuation bytes a lead byte needs (-1: not a lead), by byte value.
_NEED: Final = tuple(utf8_length(b) - 1 if utf8_length(b) else -1 for b in range(256))


def _has_continuation(token: Token) -> bool:
    if len(token) == 1:
        return 0x80 <= token[0] < 0xC0
    return any(0x80 <= b < 0xC0 for b in token)


@lru_cache(maxsize=1 << 16)
def _candidates(
    group: tuple[Token, ...], leads: tuple[int, ...], lost: tuple[int, ...]
) -> tuple[tuple[str, ...], bool] | None:
    """Characters a lead byte and the continuation bytes after it could have been.

    Cached: a note repeats the same few hundred characters, and so does the damage.
    """
    # A token may hold lead and continuation values (a GBK hole); past the
    # lead only its continuation values can fit.
    present = [tuple(b for b in t if 0x80 <= b < 0xC0) for t in group[1:]]
    found: dict[str, None] = {}
    complete = True
    for lead in leads:
        need = utf8_length(lead) - 1
        missing = need - len(present)
        if missing < 0:
            continue
        if missing > 0:
            complete = False
            if not lost:
                continue
        layouts: list[list[Token]] = []
        for holes in itertools.combinations(range(need), missing):
            layout: list[Token] = []
            it = iter(present)
            for pos in range(need):
                layout.append(lost if pos in holes else next(it))
            layouts.append(layout)
        for layout in layouts:
            size = 1
            for t in layout:
                size *= len(t)
            if size > _MAX_COMBOS:
                continue  # too open to guess: leave it unrepaired rather than slow
            for tail in itertools.product(*layout):
                char = _decode(bytes((lead, *tail)))
                if char is not None:
                    found[char] = None
    if not found:
        return None
    is_complete = complete and all(len(t) == 1 for t in group)
    return tuple(found), is_complete
