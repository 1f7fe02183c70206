"""A character n-gram model that rescores the word model's choices in context.

The word model (``_lm``) knows which strings are words, but not which word
follows which: 长度与显存 and 长度不显存 both segment into known words. A
character 4-gram model trained on clean notes knows that 度与显 is how notes
write and 度不显 is not. The two are combined per damaged span: the word
model's margin for each candidate becomes a unary cost, and a min-sum
forward-backward pass over the n-gram lattice picks the reading and measures
how far every alternative is behind.

Counts ship in ``data/ngram.tsv.gz``, built by ``bench/build_ngram.py`` from
clean Chinese technical notes. Text is normalised before counting and before
scoring, so that "LLM 与" and "KV cache 与" share statistics: a run of ASCII
letters becomes one token, a run of digits another.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

ORDER: Final = 4
_DISCOUNT: Final = 0.75
_DATA: Final = Path(__file__).parent / "data" / "ngram.tsv.gz"
LETTERS: Final = "\ue000"  # a run of ASCII letters
DIGITS: Final = "\ue001"  # a run of ASCII digits
_RUNS: Final = re.compile(r"[A-Za-z]+|[0-9]+|[ \t]+")
_VOCAB: Final = 30_000
_BEAM: Final = 25.0  # nats behind the best state at which a state is dropped
_NEUTRAL: Final = "\ue002"  # a slot the n-gram model does not judge
_RUN_TOKENS: Final = frozenset((LETTERS, DIGITS, " "))
# CJK ideographs and CJK punctuation: what the training notes are made of.
_JUDGED: Final = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")  # characters the unigram level spreads its floor over


def normalise(text: str) -> str:
    """The token string the model counts: letter runs, digit runs, blanks collapsed."""

    def one(match: re.Match[str]) -> str:
        head = match.group()[0]
        if head.isalpha():
            return LETTERS
        if head.isdigit():
            return DIGITS
        return " "

    return _RUNS.sub(one, text)


def token(char: str) -> str:
    """The token of one character (a lattice slot is a single character)."""
    if char.isascii():
        if char.isalpha():
            return LETTERS
        if char.isdigit():
            return DIGITS
        if char in " \t":
            return " "
    return char


def count(texts: Iterable[str], order: int = ORDER) -> Counter[str]:
    """Every n-gram (n = 1..order) of the normalised texts, texts joined by newlines."""
    counts: Counter[str] = Counter()
    for text in texts:
        seq = "\n" + normalise(text) + "\n"
        for n in range(1, order + 1):
            counts.update(seq[i : i + n] for i in range(len(seq) - n + 1))
    return counts


class CharNgram:
    """Interpolated absolute-discounting character n-gram model."""

    def __init__(self, counts: Mapping[str, int], order: int = ORDER) -> None:
        grams = sorted(counts, key=_length_first)
        self._setup(grams, [counts[g] for g in grams], order)

    def _setup(self, grams: list[str], values: list[int], order: int) -> None:
        # `grams` sorted by (length, text). Per context the model needs how
        # often it was followed by anything, and by how many different tokens
        # (the mass the discount hands to the lower order). The grams that
        # extend one context are a contiguous run of their length's block, so
        # both come from a bisection and a running sum, for the few contexts
        # a repair asks about: tallying all million at load took ~1 s.
        self.order = order
        self._counts = dict(zip(grams, values, strict=True))
        self._blocks: list[tuple[list[str], list[int]]] = []
        start = 0
        for n in range(order + 1):
            end = bisect.bisect_right(grams, n, lo=start, key=len)
            self._blocks.append((grams[start:end], list(itertools.accumulate(values[start:end], initial=0))))
            start = end
        self._unigram_total = self._blocks[1][1][-1] if order >= 1 else 0
        self._contexts: dict[str, tuple[int, int]] = {}
        self._cache: dict[str, float] = {}

    @staticmethod
    @functools.cache
    def default() -> CharNgram | None:
        """The bundled model, or None when its data file is missing."""
        return CharNgram.load(_DATA) if _DATA.is_file() else None

    @staticmethod
    def load(path: Path) -> CharNgram:
        """A model from counts written by :func:`write`."""
        with gzip.open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        # "gram\tcount\n" rows (a gram's own tabs and newlines are escaped):
        # split in one go rather than a line at a time, a million rows.
        fields = text.replace("\n", "\t").split("\t")
        if fields and fields[-1] == "":
            fields.pop()
        grams = fields[0::2]
        for i in [i for i, g in enumerate(grams) if "\\" in g]:
            grams[i] = _unescape(grams[i])
        values = list(map(int, fields[1::2]))
        # In the order write() gives (checked, each check linear on sorted
        # input); another order (an older build) is sorted once here.
        lengths = list(map(len, grams))
        ordered = lengths == sorted(lengths)
        if ordered:
            cuts = [0, *(bisect.bisect_right(lengths, n) for n in range(ORDER + 1))]
            ordered = all(grams[a:b] == sorted(grams[a:b]) for a, b in itertools.pairwise(cuts))
        if not ordered:
            order = sorted(range(len(grams)), key=lambda i: _length_first(grams[i]))
            grams, values = [grams[i] for i in order], [values[i] for i in order]
        model = CharNgram.__new__(CharNgram)
        model._setup(grams, values, ORDER)
        return model

    def _context(self, context: str) -> tuple[int, int]:
        """(total count, distinct followers) of the grams extending ``context``."""
        found = self._contexts.get(context)
        if found is None:
            n = len(context) + 1
            if n >= len(self._blocks):
                return 0, 0
            grams, sums = self._blocks[n]
            lo = bisect.bisect_left(grams, context)
            hi = bisect.bisect_left(grams, context + "\U0010ffff", lo=lo)
            found = self._contexts[context] = (sums[hi] - sums[lo], hi - lo)
        return found

    def cost(self, history: str, char: str) -> float:
        """-ln P(char | history) in nats; history is the previous tokens (any length)."""
        history = history[-(self.order - 1) :] if self.order > 1 else ""
        key = history + "\x00" + char
        value = self._cache.get(key)
        if value is None:
            value = -math.log(self._prob(history, char))
            self._cache[key] = value
        return value

    def _prob(self, history: str, char: str) -> float:
        p = (self._counts.get(char, 0) + 0.1) / (self._unigram_total + 0.1 * _VOCAB)
        # From the shortest context to the longest, each level interpolates
        # its discounted estimate with the level below.
        for k in range(len(history) - 1, -1, -1):
            context = history[k:]
            total, types = self._context(context)
            if not total:
                continue
            seen = self._counts.get(context + char, 0)
            p = max(seen - _DISCOUNT, 0.0) / total + _DISCOUNT * types / total * p
        return p

    def rescore(
        self,
        slots: Sequence[Sequence[str]],
        unary: Sequence[dict[str, float] | None],
    ) -> list[tuple[tuple[str, float], ...]]:
        """Best reading of the lattice, and every candidate's margin behind it.

        `unary[k]` gives, for an ambiguous slot, each candidate's cost from the
        word model (nats), added to the n-gram cost. Returns, per
        slot, (candidate, extra nats over the best reading) cheapest first.
        """
        n = len(slots)
        # Symbols, emoji and joiners are the word model's call (it knows which
        # Unicode blocks sit together); the n-gram model only judges slots
        # whose every reading is CJK (ideograph or punctuation), and sees the
        # others as one neutral token.
        tokens = [
            [(c, token(c)) for c in slot]
            if len(slot) == 1 or all(_JUDGED.match(c) for c in slot)
            else [(c, _NEUTRAL) for c in slot]
            for slot in slots
        ]
        keep = self.order - 1
        # Forward pass (min-sum over states = the last `keep` tokens), keeping
        # every transition so the backward pass need not score them again.
        # States far behind the best are dropped: they cannot come back.
        fwd: list[dict[str, float]] = [{"\n": 0.0}]
        moves: list[list[tuple[str, str, str, float]]] = []
        for i in range(n):
            nxt: dict[str, float] = {}
            here: list[tuple[str, str, str, float]] = []
            table = unary[i]
            for state, base in fwd[i].items():
                for char, tok in tokens[i]:
                    new, step = self._step(state, tok)
                    new = new[-keep:]
                    if table:
                        step += table[char]
                    here.append((state, char, new, step))
                    total = base + step
                    if total < nxt.get(new, math.inf):
                        nxt[new] = total
            if len(nxt) > 1:
                floor = min(nxt.values()) + _BEAM
                nxt = {state: cost for state, cost in nxt.items() if cost <= floor}
            fwd.append(nxt)
            moves.append(here)
        best = min(fwd[n].values())
        after: dict[str, float] = dict.fromkeys(fwd[n], 0.0)
        margins: list[dict[str, float]] = [{} for _ in range(n)]
        for i in range(n - 1, -1, -1):
            before = fwd[i]
            back: dict[str, float] = {}
            through = margins[i]
            ambiguous = len(tokens[i]) > 1
            for state, char, new, step in moves[i]:
                rest = after.get(new)
                if rest is None:
                    continue
                cost = step + rest
                if cost < back.get(state, math.inf):
                    back[state] = cost
                if ambiguous:
                    total = before[state] + cost
                    if total < through.get(char, math.inf):
                        through[char] = total
            after = back
        out: list[tuple[tuple[str, float], ...]] = []
        for i in range(n):
            if len(slots[i]) == 1:
                out.append(((slots[i][0], 0.0),))
                continue
            ranked = sorted(margins[i].items(), key=lambda item: (item[1], item[0]))
            out.append(tuple((c, t - best) for c, t in ranked))
        return out

    def _step(self, state: str, tok: str) -> tuple[str, float]:
        if tok in _RUN_TOKENS and state.endswith(tok):
            return state, 0.0  # a run is one token, as `normalise` counted it
        if tok == _NEUTRAL:
            return state + tok, 0.0
        return state + tok, self.cost(state, tok)


def _length_first(gram: str) -> tuple[int, str]:
    return len(gram), gram


def _escape(gram: str) -> str:
    return gram.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _unescape(gram: str) -> str:
    out: list[str] = []
    chars = iter(gram)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
        else:
            out.append(ch)
    return "".join(out)


def write(counts: Counter[str], path: Path, min_count: int = 2) -> int:
    """Write the counts the model keeps (n-grams seen at least `min_count` times, all unigrams)."""
    # Shortest first, so that the loader finds each order's block by bisection.
    rows = sorted(((g, c) for g, c in counts.items() if c >= min_count or len(g) == 1),
                  key=lambda row: _length_first(row[0]))
    write_gzip(path, "".join(f"{_escape(g)}\t{c}\n" for g, c in rows))
    return len(rows)


def write_gzip(path: Path, text: str) -> None:
    """Gzip with no name and no time in the header: same text, same bytes."""
    with path.open("wb") as handle, gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) as raw:
        raw.write(text.encode("utf-8"))
