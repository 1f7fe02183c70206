"""Path -> bytes -> text -> Document, with every way that can fail turned into
a load problem (never an exception).

Load problems are findings of the ENC rules that own them; the rules read them
from :attr:`Loaded.problems` rather than touching the file themselves.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.diagnostics import Finding
from pipeline.document import _NEWLINE, Document, parse

_FOLDER = "is a folder, not a file: rename it so it does not end in .md"

# Magic numbers of binary formats people drop into note folders by mistake.
_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"GIF8", b"\xff\xd8\xff", b"\x7fELF", b"\x1f\x8b")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    bom: bool
    exact: bool


@dataclass(frozen=True)
class Loaded:
    """The result of reading one file: a document, or the reason there is none."""

    abspath: Path
    rel: str
    data: bytes | None
    document: Document | None
    problems: tuple[tuple[str, Finding], ...] = ()  # (rule code, finding)
    digest: str = ""


def _decode(data: bytes) -> Decoded:
    try:
        from pipeline.encoding import decode_bytes  # the full detector, when present
    except ImportError:  # pragma: no cover - the encoding package is optional at import time
        decode_bytes = None
    if decode_bytes is not None:
        d = decode_bytes(data)
        return Decoded(d.text, d.encoding, d.bom, d.exact)
    return _basic_decode(data)


def _basic_decode(data: bytes) -> Decoded:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data[3:].decode("utf-8"), "utf-8-sig", True, True)
        except UnicodeDecodeError:
            pass
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return Decoded(data[2:].decode(enc), enc, True, True)
            except UnicodeDecodeError:
                pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8", False, True)
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("gb18030"), "gb18030", False, True)
    except UnicodeDecodeError:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8", False, False)


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_MAGIC):
        return True
    if b"\x00" not in head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    # UTF-16 without BOM: NULs on one parity only (ASCII-range code units).
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    half = len(head) // 2 or 1
    return not ((even > half * 0.3 and odd == 0) or (odd > half * 0.3 and even == 0))


def read_bytes(abspath: Path, rel: str, *, max_size: int) -> bytes | Loaded:
    """The file's bytes, or a failed :class:`Loaded` saying why there are none."""
    # Open first (non-blocking: opening a named pipe for reading would wait
    # forever for a writer) and look at what was opened, so the checks and the
    # read are about the same file.
    try:
        fd = os.open(abspath, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        return _failed(abspath, rel, "ENC001", _FOLDER)
    except OSError as exc:
        return _failed(abspath, rel, "ENC001", _os_message(exc, abspath))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return _failed(abspath, rel, "ENC001", _FOLDER)
        if not stat.S_ISREG(st.st_mode):
            return _failed(abspath, rel, "ENC001",
                           "is not a regular file (a named pipe, socket or device): remove it from the notes")
        if st.st_size > max_size:
            return _failed(abspath, rel, "ENC003",
                           f"file is {st.st_size:,} bytes, over the limit of {max_size:,} (max-file-size); skipped")
        # Read from the descriptor itself: handing it to a file object made
        # two owners, and a Ctrl-C between the hand-over and the bookkeeping
        # closed it twice (EBADF instead of "interrupted").
        chunks: list[bytes] = []
        remaining = max_size + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        return _failed(abspath, rel, "ENC001", _os_message(exc, abspath))
    finally:
        os.close(fd)
    if len(data) > max_size:  # grew since stat
        return _failed(abspath, rel, "ENC003", f"file is over the limit of {max_size:,} bytes; skipped")
    return data


def read_document(abspath: Path, rel: str, *, max_size: int, doc_type: str) -> Loaded:
    """Read and parse one file.  Never raises for anything the file contains
    or any way the file cannot be read."""
    data = read_bytes(abspath, rel, max_size=max_size)
    if isinstance(data, Loaded):
        return data
    return load_bytes(abspath, rel, data, doc_type=doc_type)


def load_bytes(abspath: Path, rel: str, data: bytes, *, doc_type: str) -> Loaded:
    digest = hashlib.sha256(data).hexdigest()
    if looks_binary(data):
        return Loaded(abspath, rel, data, None,
                      (("ENC002", Finding(1, 1, "binary file, not Markdown text: move it out of the notes or rename it")),),
                      digest)
    decoded = _decode(data)
    problems: list[tuple[str, Finding]] = []
    doc = parse(decoded.text, rel, encoding=decoded.encoding, bom=decoded.bom, doc_type=doc_type,
                exact=decoded.exact)
    if not decoded.exact:
        found = _invalid_utf8(data, decoded.encoding)
        # The position counts UTF-8 characters; when another encoding was
        # guessed, the document's lines differ: keep the finding inside them.
        line = min(found.line, doc.line_count)
        column = min(found.column, len(doc.line_text(line)) + 1)
        problems.append(("ENC006", replace(found, line=line, column=column)))
    return Loaded(abspath, rel, data, doc, tuple(problems), digest)


def _invalid_utf8(data: bytes, encoding: str = "utf-8") -> Finding:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Count lines as the document does (\r\n, \r and \n): counting only
        # b"\n" put the finding past the end of its line in files with old
        # Mac line endings.  The bytes before the error are valid UTF-8.
        before = data[: exc.start].decode("utf-8", errors="replace")
        breaks = list(_NEWLINE.finditer(before))
        line = len(breaks) + 1
        col = len(before) - (breaks[-1].end() if breaks else 0) + 1
        if encoding.lower().startswith("utf-8"):
            how = "undecodable bytes read as U+FFFD"
        else:
            how = f"the file was read as {encoding}, a guess"
        return Finding(line, col, f"invalid UTF-8 byte 0x{data[exc.start]:02X}; {how} "
                                  "(nothing was repaired: find the original text)")
    return Finding(1, 1, "the file's encoding could not be detected with certainty")


def _failed(abspath: Path, rel: str, code: str, message: str) -> Loaded:
    return Loaded(abspath, rel, None, None, ((code, Finding(1, 1, message)),))


def _os_message(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: the link points back to itself"
    if exc.errno == errno.EACCES:
        return "permission denied: cannot read the file"
    if exc.errno == errno.ENOENT:
        return "no such file (a broken symbolic link?)" if os.path.islink(path) else "no such file or folder"
    return f"cannot read: {exc.strerror or exc}"
