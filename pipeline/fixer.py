"""Apply fixes: edits on character offsets, re-parse, repeat to a fixed point.

A file is written only when its bytes change, atomically (temp file in the
same folder + ``os.replace``), with its mode kept, and only if nobody changed
it since it was read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.diagnostics import Edit, Finding, Fix
from pipeline.document import parse
from pipeline.loader import Loaded
from pipeline.runner import Checker

MAX_ROUNDS = 10


@dataclass
class FixOutcome:
    loaded: Loaded
    new_data: bytes | None = None  # None: nothing to write
    new_text: str | None = None
    applied: list[tuple[str, Fix]] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.new_data is not None and self.new_data != self.loaded.data


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits bottom-up; return the text and the edits
    that were skipped because they overlap an edit already taken."""
    taken: list[Edit] = []
    skipped: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < 0 or edit.end > len(text) or edit.start > edit.end:
            skipped.append(edit)
        elif taken and edit.start < taken[-1].end:
            skipped.append(edit)
        else:
            taken.append(edit)
    for edit in reversed(taken):
        text = text[: edit.start] + edit.replacement + text[edit.end:]
    return text, skipped


def _normalise_newlines(replacement: str, newline: str) -> str:
    if newline == "\n" or "\n" not in replacement:
        return replacement
    return replacement.replace("\r\n", "\n").replace("\n", newline)


def fix_loaded(checker: Checker, loaded: Loaded, *, unsafe: bool) -> FixOutcome:
    """Compute the fixed bytes of one file (nothing is written here)."""
    outcome = FixOutcome(loaded)
    doc = loaded.document
    if doc is None or loaded.data is None:
        return outcome
    if not doc.exact:
        # The text holds U+FFFD (or a guessed decoding) where the file has
        # bytes we could not read: any write would replace those bytes for good.
        outcome.error = ("not fixed: its bytes could not be decoded with certainty (ENC006); "
                         "restore the damaged bytes first, nothing was written")
        return outcome
    encoding, bom = doc.encoding, doc.bom
    text = doc.text
    current = loaded
    for _ in range(MAX_ROUNDS):
        found = checker.findings(current)
        fixes: list[tuple[str, Fix]] = []
        for code, finding in found:
            fix = _usable(finding, unsafe)
            if fix is not None:
                fixes.append((code, fix))
        if not fixes:
            break
        edits: list[Edit] = []
        reencode = False
        for _code, fix in fixes:
            reencode |= fix.reencode
            newline = current.document.newline if current.document else "\n"
            edits.extend(Edit(e.start, e.end, _normalise_newlines(e.replacement, newline)) for e in fix.edits)
        new_text, _skipped = apply_edits(text, edits)
        if new_text == text and not (reencode and (encoding.lower() not in ("utf-8",) or bom)):
            break
        outcome.applied.extend(fixes)
        if reencode:
            encoding, bom = "utf-8", False
        text = new_text
        new_doc = parse(text, doc.path, encoding=encoding, bom=bom, doc_type=doc.doc_type)
        current = Loaded(loaded.abspath, loaded.rel, _encode(text, encoding, bom), new_doc, (), loaded.digest)
    else:
        outcome.error = f"fixes did not converge after {MAX_ROUNDS} rounds; nothing was written"
        return outcome
    if outcome.applied:
        outcome.new_text = text
        outcome.new_data = _encode(text, encoding, bom)
    return outcome


def _usable(finding: Finding, unsafe: bool) -> Fix | None:
    fix = finding.fix
    if fix is None or (not fix.safe and not unsafe):
        return None
    return fix


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    enc = encoding.lower()
    if enc in ("utf-8-sig",):
        enc = "utf-8"
    data = text.encode(enc)
    if bom:
        marks = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}
        data = marks.get(enc, b"") + data
    return data


class WriteError(Exception):
    pass


def write_atomic(path: Path, data: bytes, expected_digest: str) -> None:
    """Replace ``path`` with ``data`` unless its content changed since it was
    read (``expected_digest``).  Either the old or the new file exists at every
    moment; never a half-written one.

    A symbolic link is written through (its target is replaced, the link
    stays).  The mode is kept, and the owner too when we may set it.  SIGINT
    and SIGTERM are held back while the temporary file exists, so an
    interrupted run never leaves one behind; they take effect right after.
    """
    target = Path(os.path.realpath(path))
    try:
        current = target.read_bytes()
    except OSError as exc:
        raise WriteError(f"cannot re-read before writing: {exc.strerror or exc}") from None
    if hashlib.sha256(current).hexdigest() != expected_digest:
        raise WriteError("file changed on disk since it was read; not overwritten (run fix again)")
    try:
        st: os.stat_result | None = target.stat()
    except OSError:
        st = None
    mode = st.st_mode & 0o7777 if st is not None else 0o644
    # The mode bits, not only os.access: root may write anything, but a file
    # someone made read-only is a file they asked us not to change.
    if not os.access(target, os.W_OK) or (st is not None and not mode & 0o222):
        raise WriteError("file is read-only; not written (make it writable, then run fix again)")
    with _signals_held():
        _replace(target, data, mode, st)


def _replace(target: Path, data: bytes, mode: int, st: os.stat_result | None) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".corpus-tmp", dir=target.parent)
    except OSError as exc:
        raise WriteError(f"cannot create a temporary file beside it: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if st is not None and hasattr(os, "chown") and (st.st_uid, st.st_gid) != _ids():
            try:
                os.chown(tmp, st.st_uid, st.st_gid)  # keep the owner when root fixes a user's file
            except OSError:
                pass
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise


def _ids() -> tuple[int, int]:
    return (os.geteuid(), os.getegid()) if hasattr(os, "geteuid") else (-1, -1)


_HELD = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Block SIGINT/SIGTERM/SIGHUP for the body (POSIX); pending ones are
    delivered, and raise, when it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
