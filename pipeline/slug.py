"""Heading anchors exactly as GitHub computes them (github-slugger 2.x).

GitHub lower-cases the heading text, removes every character that is neither
a letter, a mark, a digit, a connector punctuation, ``-`` nor a space, and
replaces each space by ``-`` (no trimming, no collapsing).  Repeated slugs in
one document get ``-1``, ``-2``… in order.
"""

from __future__ import annotations

import re
import unicodedata

# Characters github-slugger keeps; every other one is dropped.  Classifying by
# Unicode category instead of copying the slugger's generated regex keeps this
# correct for characters added to Unicode later.
_KEEP_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "Pc"})
# Symbols that Unicode marks Other_Alphabetic (circled and squared letters):
# the slugger keeps them although their category is So.
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))
_ASCII_FAST = re.compile(r"[^a-z0-9_\- ]")


def _keep(ch: str) -> bool:
    if ch == " " or ch == "-":
        return True
    if unicodedata.category(ch) in _KEEP_CATEGORIES:
        return True
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _ALPHABETIC_SYMBOLS)


def slug(text: str) -> str:
    """Slug of one heading text, without de-duplication."""
    lowered = text.lower()
    if lowered.isascii():
        return _ASCII_FAST.sub("", lowered).replace(" ", "-")
    return "".join(ch for ch in lowered if _keep(ch)).replace(" ", "-")


class Slugger:
    """De-duplicating slugger: one instance per document, as on GitHub."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = slug(text)
        result = base
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result
