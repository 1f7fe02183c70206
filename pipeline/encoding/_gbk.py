"""UTF-8 that was read as GBK and saved again: 「参数」 became 「鍙傛暟」.

Re-encoding as GBK gives the UTF-8 bytes back, except where GBK could not pair
a byte: the decoder wrote U+FFFD for it, one per byte. Each U+FFFD is a hole of
one unknown byte; the lattice and the language model fill it like a byte a
Windows code page dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from ._lattice import Slot, Token, parse
from ._prefilter import GBK_LEAD_CLASS

if TYPE_CHECKING:
    from ._lm import LanguageModel

# Bytes a hole can stand for: continuation bytes, and the leads of CJK text.
_HOLE: Final[Token] = (*range(0x80, 0xC0), *range(0xE2, 0xEA), 0xEF, 0xF0)


_BEFORE_HOLE: Final = -1
# A piece: start, end, slots, proof of damage on its own (None: a lone
# two-byte character, proof only in a note damaged throughout), each slot's
# offsets in the text.
_Found = tuple[int, int, list[Slot], bool | None, list[tuple[int, int]]]


@functools.cache
def _hole(following: int | None) -> Token:
    """What a U+FFFD can stand for, given the byte the decoder read next.

    Python's GBK decoder replaces one byte at a time: it wrote U+FFFD for X
    only because X could not pair with the byte after it. Before a byte that
    is a valid trail (most of them) that leaves a handful of values, not 70.
    """
    if following is None:
        return _HOLE
    if following == _BEFORE_HOLE:
        # Followed by another hole: X failed to pair with *some* byte there.
        return tuple(x for x in _HOLE if any(not _pairs(x, y) for y in _HOLE))
    return tuple(x for x in _HOLE if not _pairs(x, following))


def _pairs(lead: int, trail: int) -> bool:
    try:
        bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


LEAD_CLASS: Final = GBK_LEAD_CLASS
_LEAD: Final = re.compile(f"[{LEAD_CLASS}]")


@functools.cache
def _run_pattern() -> re.Pattern[str]:
    # Built on first use: 24k decodes that clean notes never need.
    chars: set[str] = set()
    for b1 in range(0x81, 0xFF):
        for b2 in (*range(0x40, 0x7F), *range(0x80, 0xFF)):
            try:
                chars.add(bytes((b1, b2)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    ranges: list[str] = []
    ordered = sorted(ord(c) for c in chars if len(c) == 1)
    start = prev = ordered[0]
    for code in [*ordered[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        ranges.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = code
    return re.compile(f"[{''.join(ranges)}\ufffd]+")


def find(
    text: str,
    lm: Callable[[], LanguageModel],
    make: Callable[..., Any],
    paragraph: Callable[[int], int],
    lines: Any,
) -> Iterator[Any]:
    """Damage records for GBK mojibake in `text` (built by `make`).

    A piece with two whole CJK characters is proof on its own; a lone
    character (or one with a lost byte) counts only in a note that has proof.
    `lines` tells each piece the brackets open before it on its line, and
    learns what was chosen (see _scan._Lines).
    """
    found = list(_find_pieces(text))
    strong = {paragraph(start) for start, _, _, is_strong, _ in found if is_strong}
    if not strong:
        return
    # Greek letters and Latin accents (π0, α, é) become one GBK character
    # each, alone between ASCII characters, often on lines with no other
    # damage (a reference list): they count in a note GBK damaged throughout.
    wide = {paragraph(m.start()) for m in _WIDE.finditer(text)}
    throughout = 2 * len(strong) >= len(wide)
    seen = {start for start, *_ in found}
    found.extend(p for p in _two_byte_pieces(text) if p[0] not in seen)
    found.sort(key=lambda p: p[0])
    for start, end, slots, is_strong, bounds in found:
        # Once the note shows GBK damage anywhere, a weaker piece is damage
        # too: clean text almost never re-encodes to valid UTF-8 through GBK.
        if is_strong is None and not throughout and paragraph(start) not in strong:
            continue
        span = text[start:end]
        kind = "replacement-char" if "\ufffd" in span else "mojibake"
        before = _context(text, start, -1)
        after = _context(text, end, 1)
        # `bounds` lets a confident part of the span be applied without the
        # characters the model is unsure of (cut only between GBK characters).
        opened = lines.opened(start, len(before))
        for damage in make(start, end, kind, "gbk", [s.candidates for s in slots], before, after, lm, bounds, None, opened):
            lines.chose(damage)
            yield damage


def might_have_damage(text: str) -> bool:
    """Cheap test: does the text hold a character GBK makes of a UTF-8 lead byte?"""
    return _LEAD.search(text) is not None


def _find_pieces(text: str) -> Iterator[_Found]:
    lead = _LEAD.search(text)
    if lead is None:
        return
    # Runs never cross a line, and clean Chinese is full of characters GBK
    # could have made: only the lines holding a lead character are scanned
    # (one 浏 in a clean note used to cost a scan of every run in it).
    matches: list[re.Match[str]] = []
    pattern = _run_pattern()
    while lead is not None:
        line_start = text.rfind("\n", 0, lead.start()) + 1
        line_end = text.find("\n", lead.end())
        line_end = len(text) if line_end < 0 else line_end
        matches.extend(pattern.finditer(text, line_start, line_end))
        lead = _LEAD.search(text, line_end)
    for match in matches:
        run = match.group()
        if _LEAD.search(run) is None:
            continue
        tokens: list[Token] = []
        owners: list[tuple[int, int]] = []
        for index, ch in enumerate(run):
            if ch == "\ufffd":
                following: int | None
                if index + 1 < len(run):
                    after = run[index + 1]
                    following = _BEFORE_HOLE if after == "\ufffd" else after.encode("gbk")[0]
                else:
                    end = match.end()
                    following = ord(text[end]) if end < len(text) and text[end].isascii() else None
                tokens.append(_hole(following))
                owners.append((index, index + 1))
                continue
            for byte in ch.encode("gbk"):
                tokens.append((byte,))
                owners.append((index, index + 1))
        base = match.start()
        for first, stop, slots, strong in _pieces(parse(tokens, ()), owners):
            bounds = [(base + owners[s.first][0], base + owners[s.stop - 1][1]) for s in slots]
            yield base + first, base + stop, slots, strong, bounds


_WIDE: Final = re.compile(r"[^\x00-\x7f]+")


@functools.cache
def _two_byte_pattern() -> re.Pattern[str]:
    # GBK characters whose bytes are a whole two-byte UTF-8 character, each
    # alone between ASCII characters (or line ends).
    chars = []
    for b1 in range(0xC2, 0xE0):
        for b2 in range(0x80, 0xC0):
            try:
                chars.append(bytes((b1, b2)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    cls = "".join(re.escape(c) for c in sorted(set(chars)))
    return re.compile(f"(?<![^\\x00-\\x7f])[{cls}](?![^\\x00-\\x7f])")


def _two_byte_pieces(text: str) -> Iterator[_Found]:
    for match in _two_byte_pattern().finditer(text):
        raw = match.group().encode("gbk")
        for item in parse([(raw[0],), (raw[1],)], ()):
            if isinstance(item, Slot) and item.complete and item.stop - item.first == 2:
                yield match.start(), match.end(), [item], None, [(match.start(), match.end())]


def _pieces(parsed: list[Slot | int], owners: list[tuple[int, int]]) -> Iterator[tuple[int, int, list[Slot], bool]]:
    current: list[Slot] = []
    for item in [*parsed, -1]:
        if isinstance(item, Slot):
            current.append(item)
            continue
        if current:
            first_tok, stop_tok = current[0].first, current[-1].stop
            start, end = owners[first_tok][0], owners[stop_tok - 1][1]
            # Only whole GBK characters can be replaced: the piece must start
            # at a character's first byte and end at one's last.
            aligned = (first_tok == 0 or owners[first_tok - 1][0] != start) and (
                stop_tok == len(owners) or owners[stop_tok][0] != end - 1
            )
            complete_cjk = sum(1 for s in current if s.complete and s.stop - s.first == 3)
            wide = sum(1 for s in current if s.stop - s.first >= 3)
            if aligned and wide:
                yield start, end, current.copy(), complete_cjk >= 2 and end - start >= 3
        current.clear()


def _context(text: str, pos: int, step: int) -> str:
    chars: list[str] = []
    i = pos - 1 if step < 0 else pos
    while 0 <= i < len(text) and len(chars) < 4 and text[i].isascii():
        chars.append(text[i])
        if text[i] == "\n":
            break  # a line end is context (。 ends lines); past it is not
        i += step
    return "".join(reversed(chars)) if step < 0 else "".join(chars)
