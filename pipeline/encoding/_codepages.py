"""Byte <-> character tables for the single-byte code pages mojibake comes through.

Every damaged span is turned back into the bytes it was decoded from. One
reverse table serves latin-1, Windows-1252 and Windows-1254 at once because no
character maps to two different bytes across them: the pages agree on
0x80-0x9F where both define a byte, and differ only where one of them prints a
letter the other never uses (0xD0 is Ğ in cp1254, Ð in cp1252).
"""

from __future__ import annotations

from typing import Final

CP1252: Final = "cp1252"
CP1254: Final = "cp1254"
LATIN1: Final = "latin-1"


def _table(codec: str) -> dict[str, int]:
    table: dict[str, int] = {}
    for byte in range(0x80, 0x100):
        try:
            table[bytes([byte]).decode(codec)] = byte
        except UnicodeDecodeError:
            continue  # undefined in this code page: the byte is what gets lost
    return table


_CP1252_TABLE: Final = _table(CP1252)
_CP1254_TABLE: Final = _table(CP1254)
_LATIN1_TABLE: Final = _table(LATIN1)

# char -> byte for every non-ASCII character a single-byte mojibake can contain.
REVERSE: Final[dict[str, int]] = {**_LATIN1_TABLE, **_CP1252_TABLE, **_CP1254_TABLE}

# Characters only one of the code pages produces; they tell which page a damaged
# note went through.
ONLY_CP1254: Final = frozenset(set(_CP1254_TABLE) - set(_CP1252_TABLE) - set(_LATIN1_TABLE))
ONLY_CP1252: Final = frozenset(set(_CP1252_TABLE) - set(_CP1254_TABLE) - set(_LATIN1_TABLE))
# Latin-1 decoding keeps C1 controls; a page that drops undefined bytes never does.
C1_CONTROLS: Final = frozenset(chr(c) for c in range(0x80, 0xA0))

SOFT_HYPHEN: Final = 0xAD
# Bytes the page leaves undefined (dropped on decode), per page.
UNDEFINED: Final[dict[str, frozenset[int]]] = {
    CP1252: frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D}),
    CP1254: frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E}),
    LATIN1: frozenset(),
}

# UTF-8 lead bytes as they appear after single-byte decoding: the prefilter
# looks for these, since every damaged multi-byte character keeps its lead.
LEAD_CHARS: Final = "".join(sorted(c for c, b in REVERSE.items() if 0xC2 <= b <= 0xF4))


def utf8_length(lead: int) -> int:
    """Length of the UTF-8 sequence a lead byte starts; 0 when it starts none."""
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0
