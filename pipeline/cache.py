"""The on-disk cache (``.corpus_cache/``): per-note results and whole runs.

Two kinds of entries, both keyed so that a stale entry can never be used:

* per note: the findings of the per-note rules and the note's light document,
  keyed by the SHA-256 of its bytes; stored in one pack per salt (tool
  version + configuration fingerprint + rule selection), so changing the
  configuration or upgrading the tool starts from scratch;
* per run: the final diagnostics of a whole-corpus check, keyed by the salt
  and every file of the corpus with the hash of every note.  Changing a
  heading in note A changes A's hash and so the run key: the links of note B
  that point into A are checked again.

Writes are atomic; a cache file that cannot be read is ignored and rebuilt.
Nothing here is ever fatal.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from pipeline import __version__

FORMAT = 1
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by corpus.\n"
        "# For information about cache directory tags, see https://bford.info/cachedir/\n")


class Cache:
    def __init__(self, folder: Path, salt: str):
        self.folder = folder
        self.salt = hashlib.sha256(f"{FORMAT}|{__version__}|{salt}".encode()).hexdigest()[:20]
        self._notes: dict[str, Any] | None = None
        self._dirty = False

    # ------------------------------------------------------------------ notes
    @property
    def _pack(self) -> Path:
        return self.folder / f"notes-{self.salt}.pickle"

    def _load_notes(self) -> dict[str, Any]:
        if self._notes is None:
            data = _read(self._pack)
            self._notes = data if isinstance(data, dict) else {}
        return self._notes

    def get(self, digest: str) -> Any | None:
        return self._load_notes().get(digest)

    def put(self, digest: str, value: Any) -> None:
        notes = self._load_notes()
        if notes.get(digest) is None:
            notes[digest] = value
            self._dirty = True

    def retain(self, digests: set[str]) -> None:
        """Forget notes that no longer exist, so the pack does not grow forever."""
        notes = self._load_notes()
        stale = [d for d in notes if d not in digests]
        for d in stale:
            del notes[d]
        self._dirty |= bool(stale)

    # ------------------------------------------------------------------- runs
    def run_key(self, parts: list[str]) -> str:
        h = hashlib.sha256(self.salt.encode())
        for part in parts:
            h.update(part.encode("utf-8", "surrogateescape"))
            h.update(b"\0")
        return h.hexdigest()

    def get_run(self, key: str) -> Any | None:
        data = _read(self.folder / "run.pickle")
        if isinstance(data, tuple) and len(data) == 2 and data[0] == key:
            return data[1]
        return None

    def put_run(self, key: str, value: Any) -> None:
        self._write(self.folder / "run.pickle", (key, value))

    # ------------------------------------------------------------------ write
    def flush(self) -> None:
        if self._dirty and self._notes is not None:
            self._write(self._pack, self._notes)
            self._dirty = False
            for old in self.folder.glob("notes-*.pickle"):
                if old != self._pack:
                    try:
                        old.unlink()
                    except OSError:
                        pass

    def _write(self, path: Path, value: Any) -> None:
        try:
            self._ensure_folder()
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.folder)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only checkout still gets its results, just not cached

    def _ensure_folder(self) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="ascii")
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by corpus: nothing here belongs in version control.\n*\n", encoding="ascii")


def _read(path: Path) -> Any | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a corrupt or foreign cache file is ignored and rebuilt
        return None
