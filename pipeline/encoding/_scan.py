"""Find damaged spans in text and work out what they were.

The scan costs nothing on clean notes: ``_prefilter`` answers most of them
with one regex search, and each finder here is gated by a cheap search of its
own before it parses anything.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from . import _gbk
from ._codepages import (
    C1_CONTROLS,
    CP1252,
    CP1254,
    LATIN1,
    LEAD_CHARS,
    ONLY_CP1252,
    ONLY_CP1254,
    REVERSE,
    SOFT_HYPHEN,
    UNDEFINED,
)
from ._lattice import Slot, Token, parse
from ._lm import Decoding, LanguageModel
from ._ngram import CharNgram
from ._prefilter import might_be_damaged

HIGH_CONFIDENCE: Final = 0.99  # measured: every span at or above was right (bench)
# Repairs at or above this confidence are safe fixes (applied by plain
# `corpus fix`): bench/README.md's calibration shows how often each band was
# right. A character the model is less sure of becomes a repair of its own, so
# that it does not hold back the sure ones around it (see _make_damage).
SAFE_CONFIDENCE: Final = 0.95
_CONTEXT: Final = 4  # clean characters either side given to the model
_MAX_SLOTS: Final = 4000  # longer runs are decoded in pieces to bound memory

_REV_CLASS: Final = "".join(re.escape(c) for c in sorted(REVERSE))
_RUN: Final = re.compile(f"[{_REV_CLASS}]+")
_LEAD: Final = re.compile(f"[{re.escape(LEAD_CHARS)}]")
_CLEAN_WIDE: Final = re.compile(f"[^\x00-\x7f{_REV_CLASS}]")
_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t]*\n")
_CJK_EVIDENCE: Final = re.compile("[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_LEFTOVER: Final = re.compile("[\ufffd\u0080-\u009f]+")
_CONTINUATION_CLASS: Final = "".join(re.escape(c) for c, b in sorted(REVERSE.items()) if 0x80 <= b < 0xC0)
_SEQUENCE: Final = re.compile(f"[{re.escape(LEAD_CHARS)}][{_CONTINUATION_CLASS}]")
# The outer layer of double mojibake re-encodes the first layer's lead bytes
# (ä-é, ğ) as Ã or Ä followed by a continuation byte, or by the next lead
# byte when the page dropped that continuation byte (π = CF 80: its Ï is
# C3 8F, and 0x8F is lost).
_DOUBLE_HINT: Final = re.compile(f"[ÃÄ][{_CONTINUATION_CLASS}{re.escape(LEAD_CHARS)}]")
_ALL_LOST: Final = tuple(sorted(UNDEFINED[CP1254] | {SOFT_HYPHEN}))


@dataclass(frozen=True)
class Damage:
    """A damaged span of text, and its repair when one could be worked out.

    The span holds only damaged characters (never the clean text around
    them), so replacing ``text[start:end]`` by ``replacement`` edits nothing else.
    """

    start: int  # character offsets into the text given to find_damage
    end: int
    kind: str  # 'mojibake' | 'replacement-char' | 'c1-control'
    codepage: str  # 'cp1254', 'cp1252', 'latin-1', 'gbk', 'cp1252+cp1254' (first layer + second)...
    replacement: str | None  # None: the span cannot be repaired (a lone U+FFFD)
    confidence: float  # 0..1; >= HIGH_CONFIDENCE has been right every time measured
    candidates: tuple[str, ...]  # best first (== replacement), then the closest alternatives


@dataclass(frozen=True)
class _Piece:
    """A run of damaged characters parsed into slots, before the model chooses."""

    start: int
    end: int
    slots: tuple[Slot, ...]
    codepage: str
    strong: bool  # carries proof of mojibake on its own
    lossless: bool
    bounds: tuple[tuple[int, int], ...]  # each slot's offsets in the text


def find_damage(text: str, *, context: LanguageModel | None = None) -> list[Damage]:
    """Damaged spans of `text`, sorted and non-overlapping.

    >>> [d.replacement for d in find_damage("å¤šæ¨¡æ€ LLM")]
    ['多模态']
    >>> find_damage("José Müller “引号” ©")
    []
    """
    if not might_be_damaged(text):
        return []
    model: list[LanguageModel] = []

    def lm() -> LanguageModel:
        # Loaded only when a lost byte has to be chosen: lossless repairs and
        # clean notes never pay for the dictionary.
        if not model:
            model.append(context if context is not None else LanguageModel.default())
        return model[0]

    found: list[Damage] = []
    # Each finder is gated by its own cheap search: "×" or "é" in a clean
    # note passes the prefilter but has no lead byte followed by a
    # continuation byte, so nothing more is done for it.
    if _SEQUENCE.search(text) is not None:
        found.extend(_single_byte(text, lm))
    taken = _Taken(found)
    if _gbk.might_have_damage(text):
        for damage in _gbk.find(text, lm, _make_damage, _paragraphs(text), _Lines(text)):
            if taken.add(damage):
                found.append(damage)
    if _LEFTOVER.search(text) is not None:
        found.extend(_leftovers(text, taken))
    found.sort(key=lambda d: d.start)
    return found


def repair_text(text: str, *, context: LanguageModel | None = None, min_confidence: float = 0.0) -> str:
    """Apply every repair at or above `min_confidence`, until nothing changes.

    Loops because double mojibake comes off one layer at a time; the limit
    keeps a pathological input from spinning.
    """
    for _ in range(4):
        damages = find_damage(text, context=context)
        parts: list[str] = []
        last = 0
        changed = False
        for d in damages:
            if d.replacement is None or d.confidence < min_confidence:
                continue
            parts.append(text[last : d.start])
            parts.append(d.replacement)
            last = d.end
            changed = True
        if not changed:
            return text
        parts.append(text[last:])
        text = "".join(parts)
    return text


class _Taken:
    """Spans already claimed, kept sorted: a later finder never overlaps an earlier one."""

    def __init__(self, damages: list[Damage]) -> None:
        self._starts = [d.start for d in damages]
        self._ends = [d.end for d in damages]

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self._starts, start)
        if k > 0 and self._ends[k - 1] > start:
            return True
        return k < len(self._starts) and self._starts[k] < end

    def add(self, damage: Damage) -> bool:
        if self.overlaps(damage.start, damage.end):
            return False
        k = bisect.bisect_right(self._starts, damage.start)
        self._starts.insert(k, damage.start)
        self._ends.insert(k, damage.end)
        return True


def _make_damage(
    start: int,
    end: int,
    kind: str,
    codepage: str,
    slots: list[tuple[str, ...]],
    before: str,
    after: str,
    lm: Callable[[], LanguageModel],
    bounds: Sequence[tuple[int, int]],
    lone: Sequence[bool] | None = None,
    opened: str = "",
) -> list[Damage]:
    """Choose characters for the slots of one span and say how sure we are.

    With `bounds` (each slot's offsets in the text) the span is cut so that
    every slot the model is unsure of is a repair of its own: the sure part
    of a long damaged paragraph is then a safe fix even where one character
    in it is a guess. Slots whose bounds overlap (a GBK character holding
    bytes of two UTF-8 characters) are never cut apart. `lone` marks the
    slots of which only a lead byte is left (see below). `opened` holds the
    brackets left open on the line before `before` (see _Lines), so that a
    closer can find its partner beyond the context.
    """
    if all(len(s) == 1 for s in slots):
        text = "".join(s[0] for s in slots)
        return [Damage(start, end, kind, codepage, text, 1.0, (text,))]
    model = lm()
    # Symbols the neighbours vouch for (a joiner after an emoji) survive
    # pruning even when rare on their own.
    prefix = [(c,) for c in opened + before]
    vouched = _symbol_bias(prefix + slots + [(c,) for c in after])[len(prefix) :]
    slots = [
        model.prune(
            s,
            slots[k - 1][0] if k > 0 and len(slots[k - 1]) == 1 else "",
            slots[k + 1][0] if k + 1 < len(slots) and len(slots[k + 1]) == 1 else "",
            keep=frozenset(vouched[k] or ()),
        )
        for k, s in enumerate(slots)
    ]
    lattice = [(c,) for c in before] + slots + [(c,) for c in after]
    ngram = CharNgram.default()
    chosen: list[str] = []
    alternatives: list[tuple[tuple[str, float], ...]] = []
    # Long spans are decoded in overlapping windows: memory stays bounded and
    # a word never needs more context than _CONTEXT characters either side.
    first, stop = len(before), len(before) + len(slots)
    for a in range(first, stop, _MAX_SLOTS):
        b = min(stop, a + _MAX_SLOTS)
        lo, hi = max(0, a - _CONTEXT), min(len(lattice), b + _CONTEXT)
        window = lattice[lo:hi]
        lead = [(c,) for c in opened] if lo == 0 else []
        decoding = model.decode(window, _symbol_bias(lead + window)[len(lead) :])
        ranked = decoding.alternatives
        if ngram is not None:
            ranked = _rescore(ngram, decoding)
        chosen.extend(alts[0][0] for alts in ranked[a - lo : b - lo])
        alternatives.extend(ranked[a - lo : b - lo])
    sure = [
        1.0 if len(alts) < 2 else 1.0 / (1.0 + sum(math.exp(-gap / _TEMPERATURE) for _, gap in alts[1:]))
        for alts in alternatives
    ]
    # Atoms: runs of slots that share text characters; a cut falls only
    # between atoms. Single-byte pages make one atom per slot.
    atoms: list[tuple[int, int]] = []
    for k in range(len(sure)):
        if atoms and bounds[k][0] < bounds[k - 1][1]:
            atoms[-1] = (atoms[-1][0], k + 1)
        else:
            atoms.append((k, k + 1))
    n = len(atoms)
    atom_sure = [min(sure[a:b]) for a, b in atoms]
    atom_lone = [b - a == 1 and lone is not None and lone[a] for a, b in atoms]
    # Each unsure atom is a repair of its own. A slot of which only the lead
    # byte is left (描 = E6 8F 8F reads "æ") takes a neighbour with it: left
    # alone it would look like a Latin letter, and the next scan must still
    # see the damage.
    owner: list[int | None] = [None] * n
    for k in range(n):
        if atom_sure[k] >= SAFE_CONFIDENCE or owner[k] is not None:
            continue
        owner[k] = k
        if atom_lone[k]:
            for j in (k - 1, k + 1):
                if 0 <= j < n and owner[j] is None and not atom_lone[j]:
                    owner[j] = k
                    break
    out: list[Damage] = []
    a = 0
    while a < n:
        b = a + 1
        while b < n and owner[b] == owner[a]:
            b += 1
        first, stop = atoms[a][0], atoms[b - 1][1]
        out.append(
            _damage(
                bounds[first][0],
                bounds[stop - 1][1],
                kind,
                codepage,
                chosen[first:stop],
                alternatives[first:stop],
                sure[first:stop],
            )
        )
        a = b
    return out


def _damage(
    start: int,
    end: int,
    kind: str,
    codepage: str,
    chosen: list[str],
    alternatives: list[tuple[tuple[str, float], ...]],
    sure: list[float],
) -> Damage:
    confidence = min(sure)
    weakest = sure.index(confidence)
    best = "".join(chosen)
    candidates = [best]
    for ch, _ in alternatives[weakest][1:4]:
        swapped = chosen.copy()
        swapped[weakest] = ch
        candidates.append("".join(swapped))
    return Damage(start, end, kind, codepage, best, round(confidence, 4), tuple(candidates))


# How the two models are mixed: a reading costs its character n-gram cost
# plus this many times the word model's margin (both in nats). Chosen by a
# grid over the encoding benchmark's held-out sets (2 to 4 are within a few
# errors of each other; see bench/README.md).
_WORD_WEIGHT: Final = 2.0
# Margins are sums of two models' costs, so they overstate how sure the pair
# is: a margin of g nats counts as g / _TEMPERATURE. At 2.5, repairs at or
# above SAFE_CONFIDENCE were right 99.6 % of the time on the held-out sets
# (at 1, 98.1 %; at 3, 99.7 % but fewer safe); see bench/README.md.
_TEMPERATURE: Final = 2.5
_RESCORE_MAX: Final = 8
_RESCORE_GAP: Final = 20.0


def _rescore(ngram: CharNgram, decoding: Decoding) -> list[tuple[tuple[str, float], ...]]:
    """The word model's margins as unary costs, rescored by the character n-gram model."""
    # Readings far behind in the word model cannot win (the n-gram model
    # moves a choice by a few nats), and each one kept multiplies the states.
    kept = [
        alts if len(alts) == 1 else tuple(alt for alt in alts[:_RESCORE_MAX] if alt[1] * _WORD_WEIGHT <= _RESCORE_GAP)
        for alts in decoding.alternatives
    ]
    if all(len(alts) == 1 for alts in kept):
        return decoding.alternatives  # the word model leaves nothing close to judge
    slots = [tuple(c for c, _ in alts) for alts in kept]
    unary = [{c: gap * _WORD_WEIGHT for c, gap in alts} if len(alts) > 1 else None for alts in kept]
    return ngram.rescore(slots, unary)


_BLOCK_BONUS: Final = -60
_EMOJI_JOIN_BONUS: Final = -150
_EMOJI: Final = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff]")


def _symbol_bias(lattice: list[tuple[str, ...]]) -> list[dict[str, int] | None]:
    """Favour symbols from the Unicode block of their certain neighbours.

    A lost byte in ┐ also reads as ❔; next to ─ and ┬ the box-drawing
    reading is the one meant. CJK candidates are left to the word model.
    """
    bias: list[dict[str, int] | None] = [None] * len(lattice)
    for k, options in enumerate(lattice):
        if len(options) < 2:
            continue
        neighbours = [lattice[j][0] for j in (k - 1, k + 1) if 0 <= j < len(lattice) and len(lattice[j]) == 1]
        blocks = {ord(c) >> 7 for c in neighbours if ord(c) >= 0x2000}
        table = {c: _BLOCK_BONUS for c in options if ord(c) >> 7 in blocks and not _CJK_EVIDENCE.match(c)}
        # Box drawing: ─ goes with ┐, ━ with ┓ (light with light, heavy with heavy).
        weights = {_box_weight(c) for c in neighbours} - {frozenset()}
        for c in table:
            if _box_weight(c) in weights:
                table[c] += _BLOCK_BONUS
        # After an emoji, a joiner (👨‍👩) or presentation selector (⚠️) is
        # what a lost byte most likely was, not a quotation mark.
        if k > 0 and len(lattice[k - 1]) == 1 and _EMOJI.match(lattice[k - 1][0]):
            for c in options:
                if c in "\u200d\ufe0f":
                    table[c] = table.get(c, 0) + _EMOJI_JOIN_BONUS
        # Before a presentation selector stands an emoji (❄️), not ⁄ or ℍ.
        if k + 1 < len(lattice) and lattice[k + 1] == ("\ufe0f",):
            for c in options:
                if _EMOJI.match(c):
                    table[c] = table.get(c, 0) + _EMOJI_JOIN_BONUS
        # Brackets pair: 」 closes an open 「, and without one 、 is likelier.
        for c in options:
            opener = _CLOSERS.get(c)
            if opener is not None:
                table[c] = table.get(c, 0) + (_PAIR_BONUS if _is_open(lattice, k, opener, c) else _UNPAIRED_PENALTY)
        bias[k] = table or None
    return bias


# Closing bracket -> its opening bracket (quotes included).
_CLOSERS: Final = {"」": "「", "』": "『", "）": "（", "》": "《", "】": "【", "〉": "〈", "”": "“", "’": "‘"}
_OPENERS: Final = frozenset(_CLOSERS.values())
_PAIR_BONUS: Final = -60
_UNPAIRED_PENALTY: Final = 30


def _is_open(lattice: list[tuple[str, ...]], k: int, opener: str, closer: str) -> bool:
    """Is an `opener` left unclosed among the certain characters before slot k?"""
    depth = 0
    for j in range(k - 1, -1, -1):
        if len(lattice[j]) != 1:
            # An earlier slot that could close the bracket is taken to: two
            # closers for one opener is the less likely reading.
            if closer in lattice[j]:
                depth += 1
            continue
        ch = lattice[j][0]
        if ch == closer:
            depth += 1
        elif ch == opener:
            if depth == 0:
                return True
            depth -= 1
    return False


@functools.lru_cache(maxsize=512)
def _box_weight(char: str) -> frozenset[str]:
    if not "\u2500" <= char <= "\u257f":
        return frozenset()
    name = unicodedata.name(char, "")
    return frozenset(w for w in ("LIGHT", "HEAVY", "DOUBLE") if w in name)


def _page_hints(text: str) -> tuple[str, tuple[int, ...]]:
    """Which code page damaged this note, and which bytes it would have lost."""
    runs = "".join(m.group() for m in _RUN.finditer(text))
    chars = set(runs)
    stripped = () if "\u00ad" in chars else (SOFT_HYPHEN,)
    if chars & C1_CONTROLS:
        # Undefined bytes survived as C1 controls: nothing was dropped.
        return (CP1252 if chars & set("€‚ƒ„…†‡ˆ‰Š‹Œ‘’“”•–—˜™š›œŸ") else LATIN1), ()
    if chars & ONLY_CP1254:
        return CP1254, tuple(sorted(UNDEFINED[CP1254] | set(stripped)))
    if chars & ONLY_CP1252:
        return CP1252, tuple(sorted(UNDEFINED[CP1252] | set(stripped)))
    return CP1252, tuple(sorted(UNDEFINED[CP1254] | set(stripped)))


def _split(parsed: list[Slot | int], base: int, codepage: str, owners: list[tuple[int, int]] | None) -> list[_Piece]:
    """Cut a parsed run at the tokens no character could use (clean text there)."""
    pieces: list[_Piece] = []
    current: list[Slot] = []

    def flush() -> None:
        if not current:
            return
        if owners is None:
            bounds = tuple((base + s.first, base + s.stop) for s in current)
        else:
            bounds = tuple((base + owners[s.first][0], base + owners[s.stop - 1][1]) for s in current)
        start, end = bounds[0][0], bounds[-1][1]
        multi = [s for s in current if s.stop - s.first > 1]
        complete = [s for s in multi if s.complete]
        strong = len(complete) >= 2 or any(_CJK_EVIDENCE.match(s.candidates[0]) for s in complete)
        # Lead bytes alone (⭐ = E2 AD 90 loses both continuation bytes) make a
        # piece too, but never a strong one: only a damaged neighbourhood
        # can vouch for them.
        pieces.append(_Piece(start, end, tuple(current), codepage, strong, all(s.complete for s in current), bounds))
        current.clear()

    for item in parsed:
        if isinstance(item, int):
            flush()
        else:
            current.append(item)
    flush()
    return pieces


def _double(run: str, base: int, codepage: str) -> list[_Piece]:
    """Read a run as mojibake of mojibake, when the outer layer decodes to a run that is itself damaged."""
    outer = parse([(REVERSE[c],) for c in run], _ALL_LOST)
    if not outer or any(isinstance(s, int) for s in outer):
        return []
    tokens: list[Token] = []
    owners: list[tuple[int, int]] = []
    for slot in outer:
        assert not isinstance(slot, int)
        values = tuple(sorted({REVERSE[c] for c in slot.candidates if c in REVERSE}))
        if not values:
            return []
        tokens.append(values)
        owners.append((slot.first, slot.stop))
    inner_lost = _ALL_LOST
    pieces = _split(parse(tokens, inner_lost), base, codepage, owners)
    # Each inner piece needs its own proof: a whole CJK character, or every
    # character keeping at least one continuation byte. Otherwise "cafÃ©" would
    # read as a lone lead byte E9 whose two continuation bytes were both lost.
    if not pieces or not all(p.strong or all(s.stop - s.first >= 2 for s in p.slots) for p in pieces):
        return []
    if pieces[0].start != base or pieces[-1].end != base + len(run):
        return []
    outer_page = CP1254 if set(run) & ONLY_CP1254 else CP1252
    inner_chars = {c for slot in outer if not isinstance(slot, int) for c in slot.candidates}
    inner_page = CP1254 if inner_chars & ONLY_CP1254 else CP1252
    return [dataclasses.replace(p, codepage=f"{inner_page}+{outer_page}", strong=True, lossless=False) for p in pieces]


def _single_byte(text: str, lm: Callable[[], LanguageModel]) -> Iterator[Damage]:
    codepage, lost = _page_hints(text)
    paragraph = _paragraphs(text)
    runs = [m for m in _RUN.finditer(text) if _LEAD.search(m.group()) is not None]
    # First the runs with a lead byte followed by a continuation byte: only
    # they can prove damage. Each may also read as double mojibake.
    readings: list[tuple[int, list[_Piece], list[_Piece]]] = []
    for match in runs:
        run = match.group()
        if _SEQUENCE.search(run) is None:
            continue
        single = _split(parse([(REVERSE[c],) for c in run], lost), match.start(), codepage, None)
        doubled = _double(run, match.start(), codepage) if _DOUBLE_HINT.search(run) else []
        readings.append((match.start(), single, doubled))
    # A paragraph whose damage reads as CJK in one layer went through one
    # layer: a run there that could also be read twice ("Ã©" quoted in a note
    # about mojibake) is read once.
    one_layer = {
        paragraph(start) for start, single, doubled in readings if not doubled and any(p.strong for p in single)
    }
    pieces: list[_Piece] = []
    for start, single, doubled in readings:
        pieces.extend(doubled if doubled and paragraph(start) not in one_layer else single)
    strong_paragraphs = {paragraph(p.start) for p in pieces if p.strong}
    if strong_paragraphs:
        # Lone lead bytes (every continuation byte lost) count only where
        # proof is near, so they are parsed only when there is proof at all.
        for match in runs:
            if _SEQUENCE.search(match.group()) is None:
                tokens: list[Token] = [(REVERSE[c],) for c in match.group()]
                pieces.extend(_split(parse(tokens, lost), match.start(), codepage, None))
        pieces.sort(key=lambda p: p.start)
    if not pieces:
        return
    # A note damaged as a whole has no clean wide characters left; then every
    # mojibake-shaped run is damage, even a lone lead byte whose bytes all fell out.
    whole = bool(strong_paragraphs) and _CLEAN_WIDE.search(text) is None
    lines = _Lines(text)
    for p in pieces:
        accepted = p.strong or whole or paragraph(p.start) in strong_paragraphs or _lossy_beside_cjk(text, p)
        confidence_cap = 1.0
        if not accepted and p.lossless and _approved_by_ftfy(text, p):
            accepted, confidence_cap = True, 0.8
        if not accepted:
            continue
        kind = "c1-control" if any(c in C1_CONTROLS for c in text[p.start : p.end]) else "mojibake"
        before = _clean_context(text, p.start, -1)
        after = _clean_context(text, p.end, 1)
        slots = [s.candidates for s in p.slots]
        lone = [s.stop - s.first == 1 for s in p.slots]
        opened = lines.opened(p.start, len(before))
        for damage in _make_damage(
            p.start, p.end, kind, p.codepage, slots, before, after, lm, p.bounds, lone, opened
        ):
            if confidence_cap < damage.confidence:
                damage = dataclasses.replace(damage, confidence=confidence_cap)
            lines.chose(damage)
            yield damage


class _Lines:
    """What the repairs chosen so far make of each line, for bracket pairing.

    A closing bracket's partner is often further back than the models'
    context: "（Multimodal）" leaves ten letters between them. Pieces are
    repaired in order, so the line before a piece can be read with the
    earlier pieces' choices in place, and its open brackets handed on. Each
    stretch of a line is read once, however many pieces it holds.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_start = -1
        self._pos = 0  # the line is read up to here
        self._stack: list[str] = []
        self._chosen: list[tuple[int, int, str]] = []  # repairs past _pos, in order

    def opened(self, start: int, context: int) -> str:
        """Brackets left open on the line of `start`, before its `context` characters."""
        line_start = self._text.rfind("\n", 0, start) + 1
        if line_start != self._line_start:
            self._line_start, self._pos, self._stack, self._chosen = line_start, line_start, [], []
        end = max(line_start, start - context)
        for a, b, replacement in self._chosen:
            if a >= self._pos and b <= end:
                self._read(self._text[self._pos : a])
                self._read(replacement)
                self._pos = b
        self._chosen = [c for c in self._chosen if c[0] >= self._pos]
        if end > self._pos:
            self._read(self._text[self._pos : end])
            self._pos = end
        return "".join(self._stack)

    def chose(self, damage: Damage) -> None:
        if damage.replacement is not None and damage.start >= self._pos:
            self._chosen.append((damage.start, damage.end, damage.replacement))

    def _read(self, text: str) -> None:
        for ch in text:
            if ch in _OPENERS:
                self._stack.append(ch)
            elif ch in _CLOSERS and self._stack and self._stack[-1] == _CLOSERS[ch]:
                self._stack.pop()


# Continuation-byte characters people do type after a letter.
_TYPOGRAPHIC: Final = frozenset("“”‘’«»–—…•·°±²³´¨\xa0")


def _lossy_beside_cjk(text: str, piece: _Piece) -> bool:
    """A run with a lost byte, on a line of Chinese text, is damage on its own.

    It is what a safe fix leaves of a paragraph when one character in it was
    a guess ("长度ä¸显存", "$a$ ä¸ $b$"): clean text does not put a lead
    byte, a continuation byte and a hole on a Chinese line, except as the end
    of a Latin word ("café”"), which is left alone.
    """
    if piece.lossless:
        return False
    before, after = _neighbours(text, piece)
    if before.isascii() and before.isalpha():
        return False  # the end of a Latin word
    if "`" in (before, after):
        return False  # mojibake shown in code, as a note about encodings does
    if _SEQUENCE.search(text, piece.start, piece.end) is None:
        return False  # a lead byte alone: é in "Pokémon" (see _make_damage)
    if all(c in LEAD_CHARS or c in _TYPOGRAPHIC for c in text[piece.start : piece.end]):
        # A letter in quotes ("“é”") is plausible as written; a letter and a
        # dash or bullet glued to a Chinese character is not ("一æ—损失" was
        # "一族损失", "å•独" was "单独").
        run = text[piece.start : piece.end]
        if before + run[-1] in ("“”", "‘’", "«»"):
            return False
        return bool(_CJK_EVIDENCE.match(before) or _CJK_EVIDENCE.match(after))
    line_start = text.rfind("\n", 0, piece.start) + 1
    line_end = text.find("\n", piece.end)
    line_end = len(text) if line_end < 0 else line_end
    return bool(_CJK_EVIDENCE.search(text, line_start, piece.start) or _CJK_EVIDENCE.search(text, piece.end, line_end))


def _neighbours(text: str, piece: _Piece) -> tuple[str, str]:
    """The characters just before and just after a piece ("" at either end of the text)."""
    before = text[piece.start - 1] if piece.start > 0 else ""
    after = text[piece.end] if piece.end < len(text) else ""
    return before, after


def _paragraphs(text: str) -> Callable[[int], int]:
    """Position -> paragraph number (paragraphs are split by blank lines)."""
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(text)]
    return lambda pos: bisect.bisect_left(breaks, pos)


def _clean_context(text: str, pos: int, step: int) -> str:
    chars: list[str] = []
    i = pos - 1 if step < 0 else pos
    while 0 <= i < len(text) and len(chars) < _CONTEXT:
        ch = text[i]
        if ch in REVERSE:
            break
        chars.append(ch)
        if ch == "\n":
            break  # a line end is context (。 ends lines, 、 does not); past it is not
        i += step
    return "".join(reversed(chars)) if step < 0 else "".join(chars)


def _approved_by_ftfy(text: str, piece: _Piece) -> bool:
    """A lone lossless run far from other damage: trust it only if ftfy agrees.

    ftfy's badness heuristics were tuned on millions of real texts to tell
    "cafÃ©" (damage) from "Ã" in prose about encodings; a run in backticks
    is someone showing mojibake in code, not suffering it.
    """
    before, after = _neighbours(text, piece)
    if "`" in (before, after):
        return False
    import ftfy  # a lone lossless run is rare: most damaged notes never need it

    span = text[piece.start : piece.end]
    ours = "".join(s.candidates[0] for s in piece.slots)
    return bool(ftfy.fix_encoding(span) == ours)


def _leftovers(text: str, taken: _Taken) -> Iterator[Damage]:
    """U+FFFD and C1 controls no repair explained: reported, fixed only where ftfy can."""
    for match in _LEFTOVER.finditer(text):
        if taken.overlaps(match.start(), match.end()):
            continue
        span = match.group()
        if span[0] == "\ufffd":
            yield Damage(match.start(), match.end(), "replacement-char", "", None, 0.0, ())
        else:
            import ftfy.fixes

            fixed = ftfy.fixes.fix_c1_controls(span)
            yield Damage(
                match.start(), match.end(), "c1-control", CP1252, fixed if fixed != span else None, 0.5, (fixed,)
            )
