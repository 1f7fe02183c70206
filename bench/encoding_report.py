"""Damage clean notes every way users meet, repair them, and score the repair.

Run as ``python bench/encoding_bench.py [--notes DIR ...] [--out FILE]`` (that
script puts the worktree on sys.path and calls main() here).

Clean notes come from bench/heldout_notes/ and bench/heldout.txt, which the
language model never saw (lm/build.py does not read them), and every --notes
DIR (*.md and *.txt; files that already hold damage are skipped). With --all,
also corpus/ and tests/fixtures/, which the model was trained on.

For each damage kind it reports, for our engine and for ftfy.fix_encoding:
notes restored byte-exact (with what plain `corpus fix` applies, and with
every repair as `--unsafe-fixes` would), damaged characters restored (every non-ASCII
character the damage touched), lossy characters restored (those that lost a
byte: the hard ones), clean notes changed, and throughput.
"""

from __future__ import annotations

import argparse
import bisect
import difflib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import ftfy
from machine import describe

from pipeline.encoding import SAFE_CONFIDENCE, LanguageModel, decode_bytes, find_damage, repair_text
from pipeline.encoding import damage as dmg
from pipeline.encoding._ngram import CharNgram

ROOT = Path(__file__).resolve().parent.parent

_BLANK = re.compile(r"\n[ \t]*\n")
_LOST_1254 = frozenset({0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD})
_LOST_1252 = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD})


@dataclass(frozen=True)
class Kind:
    name: str
    damage: Callable[[str], str | bytes]
    lost: frozenset[int] = frozenset()  # bytes whose loss makes a character "lossy"
    region: Callable[[str], list[tuple[int, int]]] | None = None  # damaged ranges


def _odd_paragraphs(text: str) -> list[tuple[int, int]]:
    # Matches dmg.partial's default: paragraphs 1, 3, 5... are damaged.
    ranges: list[tuple[int, int]] = []
    start = 0
    for index, match in enumerate([*_BLANK.finditer(text), None]):
        end = match.start() if match else len(text)
        if index % 2 == 1:
            ranges.append((start, end))
        start = match.end() if match else len(text)
    return ranges


KINDS: tuple[Kind, ...] = (
    Kind("seed-cp1254-lossy", dmg.seed_style, _LOST_1254),
    Kind("cp1252-lossy", dmg.cp1252_lossy, _LOST_1252),
    Kind("partial-cp1254", dmg.partial, _LOST_1254, _odd_paragraphs),
    Kind("double-cp1254+cp1252", dmg.double, _LOST_1254),
    Kind("latin-1", dmg.latin1),
    Kind("cp1252-c1-kept", dmg.cp1252_c1),
    Kind("gbk-read", dmg.gbk_read, frozenset(range(0x80, 0x100))),
    Kind("gb18030-file", dmg.gb18030_bytes),
    Kind("utf-16le-bom", dmg.utf16_bytes),
    Kind("utf-16be-nobom", lambda t: dmg.utf16_bytes(t, endian="be", bom=False)),
    Kind("utf-8-bom", dmg.utf8_bom),
)


@dataclass
class Score:
    notes: int = 0
    exact: int = 0
    damaged: int = 0
    damaged_ok: int = 0
    lossy: int = 0
    lossy_ok: int = 0
    seconds: float = 0.0
    nbytes: int = 0
    failures: list[str] = field(default_factory=list)

    def row(self, label: str, engine: str) -> str:
        def pct(a: int, b: int) -> str:
            return f"{100.0 * a / b:.2f}%" if b else "n/a"

        speed = self.nbytes / self.seconds / 1e6 if self.seconds else 0.0
        return (
            f"| {label} | {engine} | {self.exact}/{self.notes} ({pct(self.exact, self.notes)}) "
            f"| {pct(self.damaged_ok, self.damaged)} | {pct(self.lossy_ok, self.lossy)} "
            f"| {speed:.2f} |"
        )


def _restored_positions(original: str, repaired: str) -> set[int]:
    if original == repaired:
        return set(range(len(original)))
    matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    kept: set[int] = set()
    for block in matcher.get_matching_blocks():
        kept.update(range(block.a, block.a + block.size))
    return kept


def _score(kind: Kind, original: str, repaired: str, score: Score) -> None:
    score.notes += 1
    if repaired == original:
        score.exact += 1
    else:
        score.failures.append(_first_difference(original, repaired))
    regions = kind.region(original) if kind.region else [(0, len(original))]
    kept = _restored_positions(original, repaired)
    for start, end in regions:
        for i in range(start, end):
            ch = original[i]
            if ch.isascii():
                continue
            score.damaged += 1
            ok = i in kept
            score.damaged_ok += ok
            if kind.lost and set(ch.encode("utf-8")) & kind.lost:
                score.lossy += 1
                score.lossy_ok += ok


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"...{a[max(0, i - 12) : i + 12]!r} -> {b[max(0, i - 12) : i + 12]!r}"


def _ours(damaged: str | bytes, model: LanguageModel, min_confidence: float) -> str:
    text = decode_bytes(damaged).text if isinstance(damaged, bytes) else damaged
    return repair_text(text, context=model, min_confidence=min_confidence)


def _ftfy(damaged: str | bytes) -> str:
    text = damaged.decode("utf-8", errors="replace") if isinstance(damaged, bytes) else damaged
    return str(ftfy.fix_encoding(text))


def _builtin(path: Path, size: int = 3) -> list[str]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    paragraphs = [p.strip() for p in _BLANK.split("\n".join(lines)) if p.strip()]
    paragraphs = [p for p in paragraphs if "。" in p or "\n" in p]  # drop the word lists
    # Notes of a few paragraphs each, under a heading, as the corpus writes them.
    return [
        f"# 笔记 {i // size + 1}\n\n" + "\n\n".join(paragraphs[i : i + size]) + "\n"
        for i in range(0, len(paragraphs), size)
    ]


def _files(dirs: Iterable[Path], patterns: tuple[str, ...]) -> list[str]:
    notes: list[str] = []
    for directory in dirs:
        if not directory.is_dir():
            continue
        for pattern in patterns:
            for path in sorted(directory.rglob(pattern)):
                decoded = decode_bytes(path.read_bytes())
                if decoded.exact and not find_damage(decoded.text):
                    notes.append(decoded.text)
    return notes


def _run_set(label: str, notes: list[str], model: LanguageModel, out: list[str]) -> None:
    out.append(f"\n### {label}: {len(notes)} notes, {sum(len(n.encode()) for n in notes)} bytes\n")
    out.append("| damage | engine | notes byte-exact | damaged chars restored | lossy chars restored | MB/s |")
    out.append("|---|---|---|---|---|---|")
    # Warm every lazy table (both language models, the GBK character class)
    # so the timings measure repair, not one-time setup.
    sample = "多模态模型的注意力机制与参数量"
    for func in (dmg.seed_style, dmg.gbk_read):
        repair_text(func(sample), context=model)
    failures: list[str] = []
    for kind in KINDS:
        # "ours" is what plain `corpus fix` applies (safe repairs only, at
        # SAFE_CONFIDENCE); "ours --unsafe-fixes" applies every repair.
        scores = {"ours": Score(), "ours --unsafe-fixes": Score(), "ftfy": Score()}
        for note in notes:
            damaged = kind.damage(note)
            size = len(damaged) if isinstance(damaged, bytes) else len(damaged.encode())
            engines: dict[str, Callable[[], str]] = {
                "ours": partial(_ours, damaged, model, SAFE_CONFIDENCE),
                "ftfy": partial(_ftfy, damaged),
            }
            if kind.lost:
                engines["ours --unsafe-fixes"] = partial(_ours, damaged, model, 0.0)
            for name, run in engines.items():
                # CPU time, not wall time: the machine is shared, and the
                # target is one core's throughput.
                t0 = time.process_time()
                fixed = run()
                scores[name].seconds += time.process_time() - t0
                scores[name].nbytes += size
                _score(kind, note, fixed, scores[name])
        for name, score in scores.items():
            if score.notes:
                out.append(score.row(kind.name, name))
        failures.extend(f"{kind.name}: {f}" for f in scores["ours"].failures[:3])
    changed_ours = sum(repair_text(n, context=model) != n for n in notes)
    changed_ftfy = sum(ftfy.fix_encoding(n) != n for n in notes)
    blob = "\n".join(notes)
    reps = max(1, 20_000_000 // max(1, len(blob.encode())))
    t0 = time.process_time()
    for _ in range(reps):
        find_damage(blob, context=model)
    scan = reps * len(blob.encode()) / max(1e-9, time.process_time() - t0) / 1e6
    out.append(f"| clean (unchanged) | ours | changed {changed_ours}/{len(notes)} | | | scan {scan:.0f} |")
    out.append(f"| clean (unchanged) | ftfy | changed {changed_ftfy}/{len(notes)} | | | |")
    if failures:
        out.append("\nFirst differences (ours):\n")
        out.extend(f"- `{f}`" for f in failures[:12])


def _calibration(notes: list[str], model: LanguageModel, out: list[str]) -> None:
    """How often a repair at each confidence is right (per damaged span).

    Per-character damage functions let every span be mapped back to the
    original characters it came from.
    """
    buckets = [(0.99, ">= 0.99"), (0.95, "0.95-0.99"), (0.9, "0.90-0.95"), (0.7, "0.70-0.90"), (0.0, "< 0.70")]
    counts = {label: [0, 0] for _, label in buckets}
    for func in (dmg.seed_style, dmg.cp1252_lossy):
        for note in notes:
            pieces = [func(ch) for ch in note]
            starts = [0]
            for piece in pieces:
                starts.append(starts[-1] + len(piece))
            for damage in find_damage("".join(pieces), context=model):
                a, b = bisect.bisect_left(starts, damage.start), bisect.bisect_left(starts, damage.end)
                if starts[a] != damage.start or b >= len(starts) or starts[b] != damage.end:
                    continue
                label = next(label for floor, label in buckets if damage.confidence >= floor)
                counts[label][0] += 1
                counts[label][1] += damage.replacement == note[a:b]
    out.append("\nConfidence calibration (cp1254 and cp1252 lossy, per span):\n")
    out.append("| confidence | spans | right |")
    out.append("|---|---|---|")
    for _, label in buckets:
        total, right = counts[label]
        out.append(f"| {label} | {total} | {100.0 * right / total:.1f}% |" if total else f"| {label} | 0 | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notes", action="append", type=Path, default=[], help="directory of clean notes (*.md, *.txt); repeatable"
    )
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    parser.add_argument("--all", action="store_true", help="also run the notes the model was trained on")
    args = parser.parse_args(argv)
    # Both models load before anything is timed: MB/s is the repair's
    # throughput, and the loads (once per run) are reported apart.
    t0 = time.perf_counter()
    model = LanguageModel.default()
    t1 = time.perf_counter()
    CharNgram.default()
    t2 = time.perf_counter()
    out = [f"Machine: {describe()}",
           f"Model load (once per run, not in MB/s): word model {t1 - t0:.2f} s built "
           f"(a run that keeps it in .corpus_cache/ reads it back in ~0.2 s), n-gram model {t2 - t1:.2f} s"]
    sets = [
        ("held-out notes (bench/heldout_notes/)", _files([ROOT / "bench" / "heldout_notes"], ("*.md",))),
        ("held-out paragraphs (bench/heldout.txt)", _builtin(ROOT / "bench" / "heldout.txt")),
    ]
    extra = _files(args.notes, ("*.md", "*.txt"))
    if extra:
        sets.append(("--notes", extra))
    if args.all:
        # In the model (lm/build.py trains on them): these only show that it
        # remembers what it read.
        sets.append(("in the model: corpus/ and tests/fixtures/", _files([ROOT / "corpus", ROOT / "tests" / "fixtures"], ("*.md",))))
    for label, notes in sets:
        _run_set(label, notes, model, out)
        _calibration(notes, model, out)
    report = "\n".join(out)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0
