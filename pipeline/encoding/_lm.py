"""A small Chinese language model that picks the right character for a lost byte.

The model is jieba's own: a sentence costs the sum of -log P(word) over its
best segmentation. Here the segmentation runs over a *lattice* (each position
holds the characters the damaged bytes could have been), so the cheapest path
also chooses the characters. Word frequencies come from jieba's dict.txt, read
as a plain file so that importing jieba's tokenizer (slow, chatty, 150 MB) is
never needed, plus n-gram counts from clean texts of the corpus itself so that
domain words like 多模态 or 注意力机制 are known.

Costs are stored as small ints (tenths of a nat): CPython caches ints below 257,
so the 600k-entry table holds no float objects and stays near 60 MB.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_SCALE: Final = 10  # cost units per nat
_PREFIX: Final = -1  # marks a key that is only the prefix of some word
_MAX_COST: Final = 255
_OOV_PENALTY: Final = 30  # a known character outside any word: 3 nats extra
_UNKNOWN_CJK: Final = 230
_CJK_RUN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Clean-text n-grams count as this many dictionary occurrences each: a domain
# word seen a few times in the corpus should beat a rare dictionary word.
_TEXT_WEIGHT: Final = 200.0
_MAX_WORD: Final = 8
_VOCAB_COUNT: Final = 3
_DOMAIN_FILE: Final = Path(__file__).parent / "data" / "domain.txt"
_NOTES_FILE: Final = Path(__file__).parent / "data" / "notes.txt.gz"
_MAX_CANDIDATES: Final = 64
_MAX_PAIRS: Final = 300_000  # about 30 MB of pair counts
_PAIR_PRIOR: Final = 4.0  # pseudo-count pulling bigram evidence toward independence
_PAIR_WEIGHT: Final = 1.0
_PAIR_CLIP: Final = 30
_PAIR_MAX_PENALTY: Final = 0
_ADAPT_PRIOR: Final = 3.0
_ADAPT_WEIGHT: Final = 0.7
_ADAPT_CLIP: Final = 25
_SYMBOL_WEIGHT: Final = 0.5  # symbols' frequencies are noisier (few texts use each)
_WIDE_RUN: Final = re.compile(r"[^\x00-\x7f]+")

# Punctuation Chinese notes use all the time; jieba's dictionary has none of it.
_COMMON_PUNCT: Final = frozenset("，。、；：？！“”‘’（）《》〈〉「」『』【】—…·～－／％＋＝×→←↔≈≤≥°•・–")
# Emoji that notes put in headings and diagrams; a lost byte in 📝 also reads
# as 🍓, and only a prior can tell them apart.
_NOTE_EMOJI: Final = frozenset(
    "📝📌📚📖📑📊📈📉📋📎🔍🔎🔑🔗🔥🚀💡🎯🎨🧠🤖🧩🧪🔬🔧🛠⚙⚡✅❌⚠❓❗⭐🌟👉👍🏗🖼📷🎬🔄🔁➡⬆⬇"
    "📦🗂📁📂🧭🏆🎓💬🗺🌐🔒🔓🆕📅⏱⏳💰📏🧮🔢🟢🔴🟡🔵✨🎉👀❄💎🧱🪜🔭🗒"
)


def _cost(freq: float, total: float) -> int:
    if freq <= 0:
        return _MAX_COST
    return max(0, min(_MAX_COST, round(-math.log(freq / total) * _SCALE)))


def _default_key() -> str:
    """Changes with anything the default model is built from."""
    import hashlib

    parts = [_jieba_dir() / "dict.txt", _DOMAIN_FILE, _NOTES_FILE, Path(__file__)]
    stamp = []
    for path in parts:
        try:
            st = path.stat()
            stamp.append(f"{path}|{st.st_size}|{st.st_mtime_ns}")
        except OSError:
            stamp.append(f"{path}|-")
    return hashlib.sha256("\n".join(stamp).encode("utf-8", "surrogateescape")).hexdigest()


def _jieba_dir() -> Path:
    # Locate the package without importing it: importing jieba's tokenizer is
    # slow and chatty, and all we need are two data files.
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("jieba is not installed: pip install jieba")
    return Path(spec.origin).parent


@functools.lru_cache(maxsize=4096)
def _symbol_cost(char: str) -> int:
    """Prior for characters the dictionary does not cover (punctuation, emoji, letters)."""
    if char in _COMMON_PUNCT:
        return 60
    if char.isascii():
        return 40
    cat = unicodedata.category(char)
    if cat in ("Cn", "Co", "Cs", "Cc"):
        return _MAX_COST
    code = ord(char)
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
        return _UNKNOWN_CJK
    if code == 0xFE0F:  # emoji presentation selector, follows most emoji in notes
        return 90
    if char in _NOTE_EMOJI:
        return 80
    if 0x2500 <= code <= 0x257F or 0x2190 <= code <= 0x21FF:
        return 90  # box drawing and arrows: diagrams in notes are full of them
    if 0x25A0 <= code <= 0x25FF:
        return 100  # geometric shapes: ▶ ■ ● in diagrams and lists
    if 0x1F300 <= code <= 0x1FAFF:
        return 120
    if 0x2600 <= code <= 0x27BF:
        return 150  # dingbats outside the common few: ❔ is rarely what was meant
    if cat == "Cf" or cat.startswith("M"):
        return 170  # zero-width joiners, marks: possible but rarely what was meant
    if 0x3000 <= code <= 0x30FF or 0xFF00 <= code <= 0xFFEF:
        return 100
    return 140


@dataclass(frozen=True)
class Decoding:
    """The cheapest reading of a lattice and how sure we are of each position."""

    text: tuple[str, ...]
    # Per position: (character, extra cost in nats over the best path), cheapest first.
    alternatives: tuple[tuple[tuple[str, float], ...], ...]


class LanguageModel:
    """Word and character costs, loaded lazily from jieba's dictionary plus clean texts."""

    def __init__(
        self,
        words: dict[str, int],
        chars: dict[str, int],
        base: LanguageModel | None = None,
    ) -> None:
        self._words = words
        self._chars = chars
        self._base = base
        self._singles: dict[str, int] = {}
        # Character bigram and unigram counts of clean texts: the one thing a
        # word dictionary lacks is which word follows which (特征|中, not 特征|不).
        self._pairs: Counter[str] = Counter() if base is None else base._pairs.copy()
        self._units: Counter[str] = Counter() if base is None else base._units.copy()
        self._pair_cache: dict[str, int] = {}
        self._shifts: dict[str, int] = {}
        self._bonuses: dict[str, int] | None = None
        self._unit_total = 0  # of _units, once they are final (see _pair_cost)

    @staticmethod
    @functools.cache
    def default() -> LanguageModel:
        """jieba's dict.txt plus the bundled domain vocabulary (built once, then shared).

        Building it takes ~2.7 s; with a store set by ``keep_models_in``,
        the built model is kept there and read back (~0.2 s) by later runs
        while jieba's dictionary, the bundled data and this module are the same.
        """
        from . import MODEL_STORE

        store = MODEL_STORE[0]
        key = _default_key() if store is not None else ""
        if store is not None:
            kept = store.get_keyed("language-model", key)
            if isinstance(kept, LanguageModel):
                return kept
        model = LanguageModel._build_default()
        model._pair_bonuses()  # built now, so that the kept model has them
        if store is not None:
            store.put_keyed("language-model", key, model)
        return model

    @staticmethod
    def _build_default() -> LanguageModel:
        base = _load_jieba(_jieba_dir() / "dict.txt")
        domain = LanguageModel.with_texts(
            [*_domain_texts(), *_note_texts()], base=base, vocabulary=_domain_vocabulary()
        )
        # Fold the domain overlay into the fresh dictionary (nobody else holds
        # it), so the default model answers every lookup with one dict probe.
        for key, value in domain._words.items():
            if value != _PREFIX or key not in base._words:
                base._words[key] = value
        base._chars.update(domain._chars)
        base._pairs, base._units, base._shifts = domain._pairs, domain._units, domain._shifts
        return base

    @classmethod
    def with_texts(
        cls,
        texts: Iterable[str],
        base: LanguageModel | None = None,
        vocabulary: Iterable[str] = (),
    ) -> LanguageModel:
        """The default model extended with n-gram statistics of clean texts.

        The overlay holds only what the texts add, so many corpus-specific models
        can share the one 60 MB dictionary.
        """
        base = base if base is not None else cls.default()
        chars: Counter[str] = Counter()
        pairs: Counter[str] = Counter()
        runs: list[str] = []
        for text in texts:
            for ch in text:
                if not ch.isascii():
                    chars[ch] += 1
            for run in _WIDE_RUN.findall(text):
                pairs.update(run[i : i + 2] for i in range(len(run) - 1))
            runs.extend(_CJK_RUN.findall(text))
            if len(pairs) > 2 * _MAX_PAIRS:
                # Lossy counting keeps memory bounded on huge corpora: pairs
                # seen once so far are forgotten; frequent ones survive.
                pairs = Counter({pair: count for pair, count in pairs.items() if count >= 2})
        # Only what occurs twice is kept, and a longer n-gram is counted only
        # when both its (n-1)-grams were: a corpus of megabytes then costs a
        # few MB here instead of one Counter entry per distinct 4-gram.
        if len(pairs) > _MAX_PAIRS:
            # A pair seen once is weak evidence, but on small corpora it is
            # most of the evidence there is; drop singletons only when large.
            pairs = Counter({pair: count for pair, count in pairs.items() if count >= 2})
        grams: Counter[str] = Counter({g: c for g, c in pairs.items() if c >= 2 and _CJK_RUN.fullmatch(g)})
        frequent = set(grams)
        for n in (3, 4):
            longer: Counter[str] = Counter()
            for run in runs:
                for i in range(len(run) - n + 1):
                    gram = run[i : i + n]
                    if gram[:-1] in frequent and gram[1:] in frequent:
                        longer[gram] += 1
            frequent = {g for g, c in longer.items() if c >= 2}
            grams.update({g: longer[g] for g in frequent})
        total = 6.0e7  # jieba's total frequency: keeps text costs on the dictionary's scale
        for word in vocabulary:
            grams[word] += _VOCAB_COUNT  # a listed term counts as if seen several times
        words: dict[str, int] = {}
        for gram, count in grams.items():
            if count < 2:
                continue  # once is chance; twice is vocabulary
            cost = _cost(count * _TEXT_WEIGHT, total)
            old = base.word_cost(gram)
            words[gram] = cost if old is None else min(cost, old)
            for k in range(1, len(gram)):
                prefix = gram[:k]
                if prefix not in words and base._lookup(prefix) is None:
                    words[prefix] = _PREFIX
        char_total = max(1, sum(chars.values()))
        char_costs = {
            ch: min(_cost(count, char_total) + 20, base.char_cost(ch)) for ch, count in chars.items() if count >= 2
        }
        model = cls(words, char_costs, base)
        model._pairs.update(pairs)
        model._units.update(chars)
        model._adapt_singles()
        return model

    def _adapt_singles(self) -> None:
        """Shift single-character word costs toward the clean texts' usage.

        jieba counts news prose; notes say 与 far more and 不 far less. The
        shift is the log ratio of a character's frequency in the texts to
        its frequency in the dictionary, shrunk toward zero for rare ones.
        """
        units = self._units
        total = sum(count for ch, count in units.items() if _CJK_RUN.match(ch))
        if total < 200:
            return
        root = self
        while root._base is not None:
            root = root._base
        symbols: dict[str, int] = {}
        for ch, count in units.items():
            if not _CJK_RUN.match(ch):
                if len(ch) == 1 and not ch.isascii():
                    symbols[ch] = count
                continue
            expected = total * math.exp(-root._chars.get(ch, _UNKNOWN_CJK) / _SCALE)
            ratio = (count + _ADAPT_PRIOR) / (expected + _ADAPT_PRIOR)
            shift = round(-math.log(ratio) * _SCALE * _ADAPT_WEIGHT)
            self._shifts[ch] = max(-_ADAPT_CLIP, min(_ADAPT_CLIP, shift))
        # Symbols have no dictionary frequency, only a prior by Unicode block
        # that ties → with ←; the texts say which one notes write (→ 1,500
        # times to ← 21 in the bundled notes). Each symbol moves by its
        # frequency relative to the typical symbol's, within the same clip.
        if len(symbols) >= 10:
            typical = sorted(symbols.values())[len(symbols) // 2]
            for ch, count in symbols.items():
                ratio = (count + _ADAPT_PRIOR) / (typical + _ADAPT_PRIOR)
                shift = round(-math.log(ratio) * _SCALE * _SYMBOL_WEIGHT)
                self._shifts[ch] = max(-_ADAPT_CLIP, min(_ADAPT_CLIP, shift))

    def _pair_cost(self, pair: str) -> int:
        """PMI of two adjacent characters in the clean texts, as a cost (tenths of a nat).

        Smoothed toward independence: a first character seen rarely says
        nothing; one seen often but never before the second one is evidence
        against the pair.
        """
        cost = self._pair_cache.get(pair)
        if cost is None:
            first = self._units.get(pair[0], 0)
            if first == 0:
                cost = 0
            else:
                # Summed once: _pair_bonuses asks this of every pair seen,
                # and summing the units each time made that ~1.3 s.
                if not self._unit_total:
                    self._unit_total = max(1, self._units.total())
                total = self._unit_total
                p_next = (self._units.get(pair[1], 0) + 0.5) / total
                together = self._pairs.get(pair, 0)
                ratio = (together + _PAIR_PRIOR * p_next) / ((first + _PAIR_PRIOR) * p_next)
                value = -math.log(ratio) * _SCALE * _PAIR_WEIGHT
                cost = max(-_PAIR_CLIP, min(_PAIR_MAX_PENALTY, round(value)))
            self._pair_cache[pair] = cost
        return cost

    def _lookup(self, key: str) -> int | None:
        value = self._words.get(key)
        if value is None and self._base is not None:
            return self._base._lookup(key)
        if value == _PREFIX and self._base is not None:
            deeper = self._base._lookup(key)
            if deeper is not None and deeper != _PREFIX:
                return deeper
        return value

    def word_cost(self, word: str) -> int | None:
        """Cost of a dictionary word in tenths of a nat, None when unknown."""
        value = self._lookup(word)
        return None if value is None or value == _PREFIX else value

    def char_cost(self, char: str) -> int:
        """Cost of one character standing alone, in tenths of a nat."""
        value = self._chars.get(char)
        if value is not None:
            return value
        if self._base is not None:
            return self._base.char_cost(char)
        return _symbol_cost(char)

    def _single_cost(self, char: str) -> int:
        """Cost of a character read as a word of its own, adapted to the clean texts."""
        value = self._singles.get(char)
        if value is None:
            word = self.word_cost(char)
            if word is None:
                word = self.char_cost(char) + _OOV_PENALTY
            value = self._singles[char] = max(0, word + self._shifts.get(char, 0))
        return value

    def prune(
        self,
        candidates: Sequence[str],
        left: str = "",
        right: str = "",
        margin: int = 60,
        keep: frozenset[str] = frozenset(),
    ) -> tuple[str, ...]:
        """Drop candidates far less likely alone than the best one.

        Lost bytes give up to 16 readings, most of them rare characters no one
        writes; dropping those keeps the word lattice small. The margin (9 nats)
        is wide enough that a word can still rescue a plausible character.
        """
        if len(candidates) < 3:
            return tuple(candidates)
        costs = [self._single_cost(c) for c in candidates]
        best = min(costs)
        kept = [(cost, c) for c, cost in zip(candidates, costs, strict=True) if cost <= best + margin or c in keep]
        if len(kept) > _MAX_CANDIDATES:
            # Two lost bytes of one character (GBK) leave thousands of readings:
            # keep the commonest few dozen.
            kept = sorted(kept)[:_MAX_CANDIDATES]
        kept_set = {c for _, c in kept}
        # A character rare on its own survives when it makes a word with a
        # certain neighbour: 协 (two lost bytes) is rarer alone than 后, but
        # ?方差 must keep it for 协方差.
        for c in candidates:
            if c not in kept_set and (
                (left and self._lookup(left + c) is not None) or (right and self._lookup(c + right) is not None)
            ):
                kept_set.add(c)
        return tuple(c for c in candidates if c in kept_set)

    def decode(
        self,
        slots: Sequence[Sequence[str]],
        bias: Sequence[dict[str, int] | None] | None = None,
    ) -> Decoding:
        """Cheapest character per slot, with the margin of every alternative.

        The cost of a reading is that of its best segmentation: each word costs
        -log P(word), and where clean texts were given, each word boundary
        earns the bigram PMI of the two characters that meet there. Forward and
        backward passes over (position, last character) states give, for every
        slot and candidate, the cost of the best reading through it. `bias`
        adds per-slot costs for a candidate (tenths of a nat).
        """
        n = len(slots)
        inf = 1 << 40
        edges = self._edges(slots)
        if bias is not None:
            biased = [k for k, table in enumerate(bias) if table]
            starts = {i for k in biased for i in range(max(0, k - _MAX_WORD + 1), k + 1)}
            for i in starts:
                edges[i] = [
                    (j, cost + _bias_cost(bias, i, text) if any(bias[i:j]) else cost, text)
                    for j, cost, text in edges[i]
                ]
        bonus: Callable[[str, int], int] = self._pair_bonuses().get
        coherent = _symbol_pairs(slots)
        if coherent:
            # Symbols side by side from one Unicode block (┏━━┓, →→) hold
            # together even where no neighbour is certain.
            pair_bonus = bonus

            def with_symbols(key: str, default: int) -> int:
                return pair_bonus(key, default) + coherent.get(key, 0)

            bonus = with_symbols

        # A state is the last character of the words so far: one per candidate
        # of the slot before, so a single state wherever the text is certain.
        fwd: list[dict[str, int]] = [{} for _ in range(n + 1)]
        back: list[dict[str, tuple[int, str, str]]] = [{} for _ in range(n + 1)]
        fwd[0][""] = 0
        for i in range(n):
            states = list(fwd[i].items())
            if len(states) == 1:
                # The common case (the text before is certain), kept lean.
                prev, prev_cost = states[0]
                for j, cost, text in edges[i]:
                    best = prev_cost + cost + bonus(prev + text[0], 0)
                    last = text[-1]
                    target = fwd[j]
                    if best < target.get(last, inf):
                        target[last] = best
                        back[j][last] = (i, prev, text)
                continue
            for j, cost, text in edges[i]:
                first = text[0]
                best, arg = inf, ""
                for prev, prev_cost in states:
                    total = prev_cost + cost + bonus(prev + first, 0)
                    if total < best:
                        best, arg = total, prev
                last = text[-1]
                target = fwd[j]
                if best < target.get(last, inf):
                    target[last] = best
                    back[j][last] = (i, arg, text)
        bwd: list[dict[str, int]] = [{} for _ in range(n + 1)]
        bwd[n] = dict.fromkeys(fwd[n], 0)
        for i in range(n - 1, -1, -1):
            outgoing = [
                (cost + rest, text[0]) for j, cost, text in edges[i] if (rest := bwd[j].get(text[-1])) is not None
            ]
            result: dict[str, int] = {}
            for state in fwd[i]:
                best = inf
                for total, first in outgoing:
                    total += bonus(state + first, 0)
                    best = min(best, total)
                result[state] = best
            bwd[i] = result
        end_state = min(fwd[n], key=lambda st: fwd[n][st])
        best_total = fwd[n][end_state]
        chosen = [""] * n
        j, state = n, end_state
        while j > 0:
            i, prev, text = back[j][state]
            chosen[i : i + len(text)] = text
            j, state = i, prev
        through: list[dict[str, int]] = [{} for _ in range(n)]
        ambiguous = [k for k in range(n) if len(slots[k]) > 1]
        # Edges that can cover an ambiguous slot start at most _MAX_WORD before it.
        cover = sorted({i for k in ambiguous for i in range(max(0, k - _MAX_WORD + 1), k + 1)})
        is_ambiguous = [len(s) > 1 for s in slots]
        for i in cover:
            entry = list(fwd[i].items())
            for j, cost, text in edges[i]:
                if not any(is_ambiguous[i:j]):
                    continue
                rest = bwd[j].get(text[-1])
                if rest is None:
                    continue
                first = text[0]
                best = inf
                for prev, prev_cost in entry:
                    total = prev_cost + bonus(prev + first, 0)
                    best = min(best, total)
                total = best + cost + rest
                for k in range(i, j):
                    if is_ambiguous[k]:
                        ch = text[k - i]
                        seen = through[k].get(ch)
                        if seen is None or total < seen:
                            through[k][ch] = total
        alternatives: list[tuple[tuple[str, float], ...]] = []
        for k in range(n):
            if not is_ambiguous[k]:
                alternatives.append(((chosen[k], 0.0),))
                continue
            ranked = sorted(through[k].items(), key=lambda item: (item[1], item[0]))
            alternatives.append(tuple((ch, (t - best_total) / _SCALE) for ch, t in ranked))
        return Decoding(tuple(chosen), tuple(alternatives))

    def _pair_bonuses(self) -> dict[str, int]:
        """Bonus (a negative cost) for every character pair the clean texts showed.

        Pairs never seen get nothing rather than a penalty: a small corpus
        cannot prove a pair impossible. Built once per model, on first use.
        """
        if self._bonuses is None:
            table = {}
            for pair in self._pairs:
                cost = self._pair_cost(pair)
                if cost < 0:
                    table[pair] = cost
            self._bonuses = table
        return self._bonuses

    def _edges(self, slots: Sequence[Sequence[str]]) -> list[list[tuple[int, int, str]]]:
        """Every word (and single character) the lattice can spell: (end, cost, text) by start."""
        n = len(slots)
        single = self._single_cost
        top = self._words.get
        below = self._base._words.get if self._base is not None else None

        def chained(key: str) -> int | None:
            # The overlay chain inlined: this is the hot loop of every repair.
            value = top(key)
            if below is not None and (value is None or value == _PREFIX):
                deeper = below(key)
                if deeper is not None:
                    return deeper
            return value

        lookup = top if below is None else chained

        edges: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]
        for i in range(n):
            out = edges[i]
            for c in slots[i]:
                out.append((i + 1, single(c), c))
            frontier = [c for c in slots[i] if lookup(c) is not None]
            j = i + 1
            while frontier and j < n and j - i < _MAX_WORD:
                grown: list[str] = []
                for prefix in frontier:
                    for c in slots[j]:
                        key = prefix + c
                        value = lookup(key)
                        if value is None:
                            continue
                        grown.append(key)
                        if value != _PREFIX:
                            out.append((j + 1, value, key))
                frontier = grown
                j += 1
        return edges


_SYMBOL_PAIR_BONUS: Final = -40


def _symbol_pairs(slots: Sequence[Sequence[str]]) -> dict[str, int]:
    """Bonus for adjacent non-CJK symbols of one 128-character block, in this lattice."""
    out: dict[str, int] = {}
    for k in range(1, len(slots)):
        if len(slots[k]) == 1 and len(slots[k - 1]) == 1:
            continue
        for a in slots[k - 1]:
            if not _is_symbol(a):
                continue
            for b in slots[k]:
                if _is_symbol(b) and ord(a) >> 7 == ord(b) >> 7:
                    out[a + b] = _SYMBOL_PAIR_BONUS
    return out


@functools.lru_cache(maxsize=4096)
def _is_symbol(char: str) -> bool:
    code = ord(char)
    return code >= 0x2000 and not (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF)


def _bias_cost(bias: Sequence[dict[str, int] | None], start: int, text: str) -> int:
    extra = 0
    for k, ch in enumerate(text):
        table = bias[start + k]
        if table:
            extra += table.get(ch, 0)
    return extra


def _domain_lines() -> list[str]:
    return [line for line in _DOMAIN_FILE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def _domain_vocabulary() -> list[str]:
    # Lines of space-separated terms without sentence punctuation are the word list.
    return [
        w
        for line in _domain_lines()
        if "，" not in line and "。" not in line and not line.startswith("##")
        for w in line.split()
    ]


def _note_texts() -> list[str]:
    """The training notes lm/build.py bundles (absent in a bare checkout: then none)."""
    if not _NOTES_FILE.is_file():
        return []
    with gzip.open(_NOTES_FILE, "rt", encoding="utf-8") as handle:
        return [handle.read()]


def _domain_texts() -> list[str]:
    return [line for line in _domain_lines() if "，" in line or "。" in line]


def _load_jieba(path: Path) -> LanguageModel:
    freqs: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = parts[0]
            try:
                freq = int(parts[1])
            except ValueError:
                continue
            freqs[word] = freqs.get(word, 0) + freq
    total = float(sum(freqs.values()))
    words: dict[str, int] = {}
    char_freq: Counter[str] = Counter()
    for word, freq in freqs.items():
        words[word] = _cost(freq, total)
        for ch in word:
            char_freq[ch] += freq
    for word in freqs:
        for k in range(1, min(len(word), _MAX_WORD)):
            prefix = word[:k]
            if prefix not in words:
                words[prefix] = _PREFIX
    char_total = float(sum(char_freq.values()))
    chars = {ch: _cost(freq, char_total) for ch, freq in char_freq.items()}
    return LanguageModel(words, chars)
