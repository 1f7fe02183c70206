"""The on-disk cache (``.corpus_cache/``): per-note results and whole runs.

Entries are keyed so that a stale one can never be used.  Everything lives
under a salt of tool version + configuration fingerprint + rule selection,
so changing the configuration or upgrading the tool starts from scratch.

* per note, by the SHA-256 of its bytes: a small record (per-note findings,
  the note's *summary*: the hash of everything other notes' rules can see of
  it — anchors, front-matter, link targets — and its final findings for the
  corpus fingerprint they were computed under), in 64 packs by digest;
  and the note's light document, one file per note, read only when needed;
* per corpus fingerprint (the file listing + every note's summary): the
  corpus-level findings.  Editing a note's prose keeps the fingerprint, so
  only that note is checked again; changing a heading changes it, so the
  links of every note that could point there are checked again;
* per run, by every file's path, size and modification time: the final
  diagnostics, so an unchanged corpus is answered without reading it;
* per file, tables of facts valid while a key holds: each file's digest and
  each note's id and type under its stat (a run after one edit reads only
  the edited note; a one-note check learns the others' ids without reading
  them), each note's front-matter problems under a hash of its YAML
  (``Context.memo``: a prose edit needs no schema validation);
* by name and key, outside the salt: the validated ``[tool.corpus]``
  settings under the table's hash (see pipeline/config.py) and the encoding
  repair's built word model under the hash of what it is built from.

Writes are atomic; a cache file that cannot be read is ignored and rebuilt.
Nothing here is ever fatal.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline import __version__

FORMAT = 2  # 2: the per-note records in shards
SHARDS = 64
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by corpus.\n"
        "# For information about cache directory tags, see https://bford.info/cachedir/\n")


class Cache:
    def __init__(self, folder: Path, salt: str):
        self.folder = folder
        self.salt = hashlib.sha256(f"{FORMAT}|{__version__}|{salt}".encode()).hexdigest()[:20]
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty_shards: set[int] = set()
        self._tables: dict[str, dict[str, Any]] = {}
        self._dirty_tables: set[str] = set()

    # ------------------------------------------------------------------ notes
    # The records are split by digest into SHARDS files: a pre-commit run
    # reads and rewrites the one its notes fall in, not all 10k records.
    def _shard_path(self, shard: int) -> Path:
        return self.folder / f"notes-{self.salt}" / f"{shard:02x}.pickle"

    def _shard(self, digest: str) -> dict[str, Any]:
        shard = int(digest[:2], 16) % SHARDS
        notes = self._shards.get(shard)
        if notes is None:
            data = _read(self._shard_path(shard))
            notes = self._shards[shard] = data if isinstance(data, dict) else {}
        return notes

    def get(self, digest: str) -> Any | None:
        return self._shard(digest).get(digest)

    def put(self, digest: str, value: Any) -> None:
        notes = self._shard(digest)
        if notes.get(digest) != value:
            notes[digest] = value
            self._dirty_shards.add(int(digest[:2], 16) % SHARDS)

    # ------------------------------------------------------------ documents
    def _doc_path(self, digest: str) -> Path:
        return self.folder / f"docs-{self.salt}" / digest[:2] / f"{digest}.pickle"

    def get_doc(self, digest: str) -> Any | None:
        return _read(self._doc_path(digest))

    def put_doc(self, digest: str, doc: Any, packed: bytes | None = None) -> None:
        """Keep a light document; ``packed`` is ``doc`` already pickled, if at hand."""
        path = self._doc_path(digest)
        if not path.exists():
            self._write(path, doc, packed)

    def get_corpus(self, fingerprint: str) -> Any | None:
        return self.get_keyed(f"corpus-{self.salt}", fingerprint)

    def put_corpus(self, fingerprint: str, value: Any) -> None:
        self.put_keyed(f"corpus-{self.salt}", fingerprint, value)

    def retain(self, digests: set[str]) -> None:
        """Forget notes that no longer exist, so the pack does not grow forever."""
        for shard in range(SHARDS):
            notes = self._shard(f"{shard:02x}")
            stale = [d for d in notes if d not in digests]
            for d in stale:
                del notes[d]
            if stale:
                self._dirty_shards.add(shard)

    # --------------------------------------------------------------- tables
    def table(self, kind: str) -> dict[str, Any]:
        """rel -> (key, value): facts about files, valid while the key is the
        same; the key is the file's stat for Corpus.memo_by_stat (each
        note's id, for checking one note without reading the other ten
        thousand), a content hash for Context.memo."""
        table = self._tables.get(kind)
        if table is None:
            data = _read(self.folder / f"table-{kind}-{self.salt}.pickle")
            table = data if isinstance(data, dict) else {}
            self._tables[kind] = table
        return table

    def touch_table(self, kind: str) -> None:
        self._dirty_tables.add(kind)

    def remember(self, memos: Iterable[tuple[str, str, str, Any]]) -> None:
        """Store what Context.memo computed (in this process or a worker)."""
        for kind, rel, key, value in memos:
            self.table(kind)[rel] = (key, value)
            self.touch_table(kind)

    def retain_files(self, rels: set[str]) -> None:
        """Forget files that no longer exist, in every table."""
        suffix = f"-{self.salt}.pickle"
        for path in sorted(self.folder.glob(f"table-*{suffix}")):
            self.table(path.name[len("table-"):-len(suffix)])
        for kind, table in self._tables.items():
            stale = [rel for rel in table if rel not in rels]
            for rel in stale:
                del table[rel]
            if stale:
                self.touch_table(kind)

    # ------------------------------------------------------------------ keyed
    def get_keyed(self, name: str, key: str) -> Any | None:
        """The value last stored as ``name``, if it was stored under ``key``."""
        data = _read(self.folder / f"{name}.pickle")
        if isinstance(data, tuple) and len(data) == 2 and data[0] == key:
            return data[1]
        return None

    def put_keyed(self, name: str, key: str, value: Any) -> None:
        self._write(self.folder / f"{name}.pickle", (key, value))

    # ------------------------------------------------------------------- runs
    def run_key(self, parts: list[str]) -> str:
        h = hashlib.sha256(self.salt.encode())
        for part in parts:
            h.update(part.encode("utf-8", "surrogateescape"))
            h.update(b"\0")
        return h.hexdigest()

    def get_run(self, key: str) -> Any | None:
        return self.get_keyed("run", key)

    def put_run(self, key: str, value: Any) -> None:
        self.put_keyed("run", key, value)

    # ------------------------------------------------------------------ write
    def flush(self) -> None:
        for kind in sorted(self._dirty_tables):
            self._write(self.folder / f"table-{kind}-{self.salt}.pickle", self._tables[kind])
        self._dirty_tables.clear()
        if self._dirty_shards:
            for shard in sorted(self._dirty_shards):
                self._write(self._shard_path(shard), self._shards[shard])
            self._dirty_shards.clear()
            self._forget_other_salts()

    def _forget_other_salts(self) -> None:
        import shutil

        for old in self.folder.glob("*-*"):
            # "stat-": the tables' name in format 1.
            if self.salt not in old.name and old.name.startswith(("notes-", "docs-", "corpus-", "table-", "stat-")):
                try:
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
                except OSError:
                    pass

    def _write(self, path: Path, value: Any, packed: bytes | None = None) -> None:
        try:
            self._ensure_folder()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                if packed is not None:
                    fh.write(packed)
                else:
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
