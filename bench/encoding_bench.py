"""Encoding repair benchmark: ``python bench/encoding_bench.py [--notes DIR ...]``.

A launcher, so the benchmark runs from a checkout without installing: it puts
the repository root on sys.path, then runs bench/encoding_report.py.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here.parent), str(here)]
    import encoding_report  # imported here: it needs the paths above

    return encoding_report.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
