"""Where the encoding fixtures live, and how the damaged ones are made.

Run ``python -m tests.encoding.fixtures`` to rewrite tests/fixtures/encoding/damaged/
from the clean notes after a change to pipeline/encoding/damage.py; a test
checks the stored files still match, so they never drift silently.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.encoding import damage

ROOT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "encoding"
CLEAN = ROOT / "clean"
LATIN = ROOT / "latin"
DAMAGED = ROOT / "damaged"

# kind -> (damage function, lossless?, file suffix)
TEXT_KINDS: dict[str, tuple[Callable[[str], str], bool]] = {
    "cp1254-lossy": (damage.seed_style, False),
    "cp1252-lossy": (damage.cp1252_lossy, False),
    "partial": (damage.partial, False),
    "double": (damage.double, False),
    "latin-1": (damage.latin1, True),
    "cp1252-c1": (damage.cp1252_c1, True),
    "gbk": (damage.gbk_read, False),
}
BYTE_KINDS: dict[str, Callable[[str], bytes]] = {
    "gb18030": damage.gb18030_bytes,
    "utf-16le-bom": damage.utf16_bytes,
    "utf-16be": lambda text: damage.utf16_bytes(text, endian="be", bom=False),
    "utf-8-bom": damage.utf8_bom,
}


def clean_notes() -> list[Path]:
    return sorted(CLEAN.glob("*.md"))


def latin_notes() -> list[Path]:
    return sorted(LATIN.glob("*.md"))


def damaged_path(clean: Path, kind: str) -> Path:
    suffix = ".bin" if kind in BYTE_KINDS else ".txt"
    return DAMAGED / f"{clean.stem}.{kind}{suffix}"


def expected_files() -> dict[Path, bytes]:
    """Every damaged fixture and the bytes it must hold."""
    files: dict[Path, bytes] = {}
    for note in clean_notes():
        text = note.read_text(encoding="utf-8")
        for kind, (func, _) in TEXT_KINDS.items():
            files[damaged_path(note, kind)] = func(text).encode("utf-8")
        for kind, to_bytes in BYTE_KINDS.items():
            files[damaged_path(note, kind)] = to_bytes(text)
    return files


def main() -> int:
    DAMAGED.mkdir(parents=True, exist_ok=True)
    for path, data in expected_files().items():
        path.write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
