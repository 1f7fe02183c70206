"""decode_bytes: every way a note's bytes are stored comes back as the same text."""

from __future__ import annotations

import pytest

from pipeline.encoding import Decoded, decode_bytes
from pipeline.encoding import damage as dmg

from .fixtures import BYTE_KINDS, clean_notes, damaged_path

TEXT = "# 多模态 LLM 架构全景\n\n视觉编码器 + 投影层 + 语言模型，ViT-L/14 (336px)。\n"


def test_utf8_is_the_fast_path() -> None:
    assert decode_bytes(TEXT.encode()) == Decoded(TEXT, "utf-8", False, True)


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (dmg.utf8_bom(TEXT), "utf-8-sig", True),
        (dmg.utf16_bytes(TEXT), "utf-16-le", True),
        (dmg.utf16_bytes(TEXT, endian="be"), "utf-16-be", True),
        (dmg.utf16_bytes(TEXT, bom=False), "utf-16-le", False),
        (dmg.utf16_bytes(TEXT, endian="be", bom=False), "utf-16-be", False),
        (dmg.gb18030_bytes(TEXT), "gb18030", False),
        (b"\xff\xfe\x00\x00" + TEXT.encode("utf-32-le"), "utf-32-le", True),
    ],
    ids=["utf-8-bom", "utf-16le-bom", "utf-16be-bom", "utf-16le", "utf-16be", "gb18030", "utf-32le-bom"],
)
def test_stored_encodings(data: bytes, encoding: str, bom: bool) -> None:
    decoded = decode_bytes(data)
    assert (decoded.text, decoded.encoding, decoded.bom, decoded.exact) == (TEXT, encoding, bom, True)


@pytest.mark.parametrize("data", [b"", b"\xff", b"\xff\xfe\x00", b"\x80\x81\xfe" * 7, bytes(range(256))])
def test_never_raises(data: bytes) -> None:
    decoded = decode_bytes(data)
    assert isinstance(decoded.text, str)


def test_undecodable_falls_back_to_replacement() -> None:
    decoded = decode_bytes(b"abc \xff\xfe\xfd def \x80")
    assert not decoded.exact


@pytest.mark.parametrize("note", clean_notes(), ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", sorted(BYTE_KINDS))
def test_fixture_files_decode_exactly(note, kind: str) -> None:  # type: ignore[no-untyped-def]
    decoded = decode_bytes(damaged_path(note, kind).read_bytes())
    assert decoded.exact
    assert decoded.text == note.read_text(encoding="utf-8")
