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
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
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

# Punctuation Chinese notes use all the time; jieba's dictionary has none of it.
_COMMON_PUNCT: Final = frozenset(
    "，。、；：？！“”‘’（）《》〈〉「」『』【】—…·～－／％＋＝×→←↔≈≤≥°•・‐–"
)


def _cost(freq: float, total: float) -> int:
    if freq <= 0:
        return _MAX_COST
    return max(0, min(_MAX_COST, round(-math.log(freq / total) * _SCALE)))


def _jieba_dict_path() -> Path:
    # Locate the package without importing it: jieba's import builds nothing,
    # but finding the file through importlib keeps us independent of it.
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("jieba is not installed: pip install jieba")
    return Path(spec.origin).parent / "dict.txt"


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
    if 0x1F300 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
        return 120
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

    @staticmethod
    @functools.cache
    def default() -> LanguageModel:
        """jieba's dict.txt plus the bundled domain vocabulary (built once, then shared)."""
        base = _load_jieba(_jieba_dict_path())
        return LanguageModel.with_texts(_domain_texts(), base=base, vocabulary=_domain_vocabulary())

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
        grams: Counter[str] = Counter()
        chars: Counter[str] = Counter()
        for text in texts:
            for ch in text:
                if not ch.isascii():
                    chars[ch] += 1
            for run in _CJK_RUN.findall(text):
                for n in (2, 3, 4):
                    for i in range(len(run) - n + 1):
                        grams[run[i : i + n]] += 1
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
            ch: min(_cost(count, char_total) + 20, base.char_cost(ch))
            for ch, count in chars.items()
            if count >= 2
        }
        return cls(words, char_costs, base)

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
        word = self.word_cost(char)
        if word is not None:
            return word
        return self.char_cost(char) + (_OOV_PENALTY if len(self._chars) > 0 else 0)

    def decode(self, slots: Sequence[Sequence[str]]) -> Decoding:
        """Cheapest character per slot under the word model, with per-slot margins.

        Forward and backward passes over the word lattice give, for every slot
        and candidate, the cost of the best full reading through it; the gap to
        the best reading is what the confidence is made of.
        """
        n = len(slots)
        inf = 1 << 40
        edges: list[list[tuple[int, int, str]]] = [[] for _ in range(n)]  # from i: (j, cost, text)
        lookup = self._lookup
        single = self._single_cost
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
        fwd = [inf] * (n + 1)
        fwd[0] = 0
        back: list[tuple[int, str]] = [(0, "")] * (n + 1)
        for i in range(n):
            base_cost = fwd[i]
            if base_cost == inf:
                continue
            for j, cost, text in edges[i]:
                total = base_cost + cost
                if total < fwd[j]:
                    fwd[j] = total
                    back[j] = (i, text)
        bwd = [inf] * (n + 1)
        bwd[n] = 0
        for i in range(n - 1, -1, -1):
            best = inf
            for j, cost, _ in edges[i]:
                total = cost + bwd[j]
                if total < best:
                    best = total
            bwd[i] = best
        chosen = [""] * n
        j = n
        while j > 0:
            i, text = back[j]
            for k, ch in enumerate(text):
                chosen[i + k] = ch
            j = i
        best_total = fwd[n]
        alternatives: list[tuple[tuple[str, float], ...]] = []
        through: list[dict[str, int]] = [{} for _ in range(n)]
        ambiguous = [len(s) > 1 for s in slots]
        if any(ambiguous):
            for i in range(n):
                if fwd[i] == inf:
                    continue
                for j, cost, text in edges[i]:
                    total = fwd[i] + cost + bwd[j]
                    for k in range(i, j):
                        if ambiguous[k]:
                            ch = text[k - i]
                            seen = through[k].get(ch)
                            if seen is None or total < seen:
                                through[k][ch] = total
        for k in range(n):
            if not ambiguous[k]:
                alternatives.append(((chosen[k], 0.0),))
                continue
            ranked = sorted(through[k].items(), key=lambda item: (item[1], item[0]))
            alternatives.append(tuple((ch, (t - best_total) / _SCALE) for ch, t in ranked))
        return Decoding(tuple(chosen), tuple(alternatives))


def _domain_lines() -> list[str]:
    return [
        line
        for line in _DOMAIN_FILE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]


def _domain_vocabulary() -> list[str]:
    # Lines of space-separated terms without sentence punctuation are the word list.
    return [w for line in _domain_lines() if "，" not in line and "。" not in line
            and not line.startswith("##") for w in line.split()]


def _domain_texts() -> list[str]:
    return [line for line in _domain_lines() if "，" in line or "。" in line]


def _load_jieba(path: Path) -> LanguageModel:
    freqs: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ")
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
