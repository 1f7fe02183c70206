"""The damage users meet, as pure functions: each takes clean text and breaks it.

Tests and the benchmark build their damaged inputs with these, so every kind of
damage the repair engine claims to undo is written down exactly once.

>>> seed_style("多模态 LLM 架构全景")
'å¤šæ¨¡æ€ LLM æ¶æ„å…¨æ™¯'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

_PARAGRAPHS = re.compile(r"(\n[ \t]*\n)")


def _lossy(text: str, codepage: str) -> str:
    # An editor that opens UTF-8 as a Windows page drops the bytes the page
    # leaves undefined, and strips soft hyphens (0xAD) as invisible, then saves
    # what is left as UTF-8.
    return text.encode("utf-8").decode(codepage, errors="ignore").replace("\u00ad", "")


def seed_style(text: str) -> str:
    """UTF-8 read as Windows-1254, undefined bytes dropped, soft hyphens stripped (seed 003)."""
    return _lossy(text, "cp1254")


def cp1252_lossy(text: str) -> str:
    """The same through Windows-1252 (0x81 0x8D 0x8F 0x90 0x9D undefined)."""
    return _lossy(text, "cp1252")


def latin1(text: str) -> str:
    """UTF-8 read as Latin-1 and saved: lossless, C1 controls appear.

    >>> latin1("é")
    'Ã©'
    """
    return text.encode("utf-8").decode("latin-1")


def cp1252_c1(text: str) -> str:
    """UTF-8 read as Windows-1252 with undefined bytes kept as C1 controls (lossless).

    >>> cp1252_c1("态")
    'æ€\\x81'
    """
    return "".join(_sloppy_byte(b) for b in text.encode("utf-8"))


def _sloppy_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def gbk_read(text: str) -> str:
    """UTF-8 read as GBK and saved: unpaired bytes became U+FFFD (lossy).

    >>> gbk_read("参数")
    '鍙傛暟'
    """
    return text.encode("utf-8").decode("gbk", errors="replace")


def double(
    text: str,
    first: Callable[[str], str] = seed_style,
    second: Callable[[str], str] = cp1252_lossy,
) -> str:
    """Damaged twice: a damaged note opened and saved through a code page again."""
    return second(first(text))


def partial(text: str, damage: Callable[[str], str] = seed_style, *, every: int = 2, offset: int = 1) -> str:
    """Damage only some paragraphs: a damaged note pasted into a clean one.

    Paragraph `i` is damaged when `i % every == offset`; blank lines stay as they are.
    """
    parts = _PARAGRAPHS.split(text)
    out: list[str] = []
    for index, part in enumerate(parts):
        if index % 2 == 0 and (index // 2) % every == offset:
            out.append(damage(part))
        else:
            out.append(part)
    return "".join(out)


def gb18030_bytes(text: str) -> bytes:
    """The note stored as GB18030 (what Chinese Windows tools write)."""
    return text.encode("gb18030")


def utf16_bytes(text: str, *, endian: Literal["le", "be"] = "le", bom: bool = True) -> bytes:
    """The note stored as UTF-16, with or without its byte-order mark."""
    data = text.encode(f"utf-16-{endian}")
    if not bom:
        return data
    return (b"\xff\xfe" if endian == "le" else b"\xfe\xff") + data


def utf8_bom(text: str) -> bytes:
    """The note stored as UTF-8 with a byte-order mark (Notepad's habit)."""
    return b"\xef\xbb\xbf" + text.encode("utf-8")
