"""The corpus: which files there are, and their documents on demand.

Cross-note rules (links, anchors, related notes, indexes) ask the corpus
about other files.  It lists the tree once and parses a file only when a rule
first needs it, so ``corpus check one.md`` parses one note and the few it
links to, not the whole corpus.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.config import Config
from pipeline.diagnostics import Finding
from pipeline.document import Document, lighten
from pipeline.loader import Loaded, load_bytes, read_bytes, read_document


@dataclass(frozen=True)
class SourceFile:
    path: str  # absolute, as the OS takes it
    rel: str  # POSIX, relative to the corpus root when inside it; else as given
    inside_root: bool
    display: str = ""  # POSIX, relative to the current directory: what reports show

    @cached_property
    def abspath(self) -> Path:
        # Made when first asked: a warm run only stats its 10,000 files, and
        # building a Path for each was a third of its time.
        return Path(self.path)


@dataclass(frozen=True)
class DiscoveryProblem:
    display: str
    code: str
    finding: Finding


_RECENT = 512  # unpacked light documents kept at once


class Corpus:
    def __init__(self, config: Config):
        self.config = config
        self.root = config.root
        self._root_str = os.fspath(config.root)
        self._loaded: dict[str, Loaded] = {}
        self._lazy: dict[str, tuple[str, object]] = {}
        # Light documents of checked notes, pickled: ~6 KB each instead of
        # ~35 KB of objects, so a 10k-note run keeps its memory. The few in
        # use are kept unpacked in a small most-recently-used table.
        self._packed: dict[str, tuple[str, bytes]] = {}
        # The front-matter "id" and "type" of each packed document, as
        # written: the id map of a large run needs them for every note,
        # without unpacking.
        self._packed_heads: dict[str, tuple[object, object]] = {}
        self._recent: OrderedDict[str, Loaded] = OrderedDict()
        self._files: list[str] | None = None
        self.scan_errors: list[OSError] = []  # folders the listing could not read
        self._dirs: set[str] | None = None

    # ------------------------------------------------------------------ listing
    def _scan(self) -> None:
        files: list[str] = []
        dirs: set[str] = {""}
        self.scan_errors = []
        if self.root.is_dir():
            for rel, is_dir in walk(self.root, self.config, self.scan_errors):
                if is_dir:
                    dirs.add(rel)
                else:
                    files.append(rel)
        self._files = sorted(files)
        self._dirs = dirs

    @property
    def files(self) -> list[str]:
        """Every file under the root (any extension), POSIX paths, sorted."""
        if self._files is None:
            self._scan()
        assert self._files is not None
        return self._files

    @property
    def markdown_files(self) -> list[str]:
        return list(self._markdown())

    def _markdown(self) -> list[str]:
        files = self.files
        # Kept per listing: the include/exclude globs cost ~10 ms per 1,000
        # files, and a one-note check asks for this list several times.
        cached = getattr(self, "_md", None)
        if cached is None or cached[0] is not files:
            cached = (files, [f for f in files if f.endswith(".md") and self.config.is_included(f)])
            self._md = cached
        md: list[str] = cached[1]
        return md

    def markdown_in(self, folder: str) -> tuple[str, ...]:
        """The Markdown files directly in ``folder`` ("" for the root): one
        tuple per folder and listing, found by bisection in the sorted
        listing, so that a one-note check looks at one folder only and a
        whole run, asking once per note, gets the same object back."""
        md = self._markdown()
        files = self.files
        memo = getattr(self, "_md_in", None)
        if memo is None or memo[0] is not files:
            memo = self._md_in = (files, {})
        found: tuple[str, ...] | None = memo[1].get(folder)
        if found is None:
            prefix = f"{folder}/" if folder else ""
            lo = bisect.bisect_left(md, prefix)
            hi = bisect.bisect_left(md, prefix + "\U0010ffff", lo=lo) if prefix else len(md)
            found = memo[1][folder] = tuple(rel for rel in md[lo:hi] if "/" not in rel[len(prefix):])
        return found

    def exists(self, rel: str) -> bool:
        return self.is_file(rel) or self.is_dir(rel)

    def is_file(self, rel: str) -> bool:
        return rel in self._file_set

    def is_dir(self, rel: str) -> bool:
        if self._dirs is None:
            self._scan()
        assert self._dirs is not None
        return rel.rstrip("/") in self._dirs

    @property
    def _file_set(self) -> set[str]:
        cached = getattr(self, "_fs", None)
        if cached is None:
            cached = set(self.files)
            self._fs = cached
        return cached

    # ---------------------------------------------------------------- documents
    def load(self, rel: str) -> Loaded:
        loaded = self._loaded.get(rel)
        if loaded is not None:
            return loaded
        loaded = self._recent.get(rel)
        if loaded is not None:
            self._recent.move_to_end(rel)
            return loaded
        packed = self._packed.get(rel)
        if packed is not None:
            digest, blob = packed
            return self._keep(Loaded(self.root / rel, rel, None, pickle.loads(blob), (), digest))
        if rel in self._lazy:
            digest, cache = self._lazy[rel]
            light = cache.get_doc(digest)  # type: ignore[attr-defined]
            if light is not None:
                return self._keep(Loaded(self.root / rel, rel, None, light, (), digest))
            del self._lazy[rel]
        loaded = self._read(rel)
        self._loaded[rel] = loaded
        return loaded

    def digest(self, rel: str) -> str:
        """The content hash of ``rel`` as loaded, without unpacking its document."""
        packed = self._packed.get(rel)
        if packed is not None and rel not in self._loaded:
            return packed[0]
        if rel in self._lazy and rel not in self._loaded:
            return self._lazy[rel][0]
        if not self.holds(rel) and self.is_file(rel):
            self.document(rel)  # read as other files' rules will see it (light), then held
            return self.digest(rel)
        return self.load(rel).digest

    def _keep(self, loaded: Loaded) -> Loaded:
        self._recent[loaded.rel] = loaded
        if len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        return loaded

    def _read(self, rel: str) -> Loaded:
        path = self.root / rel
        cache = getattr(self, "_doc_cache", None)
        if cache is None:
            return read_document(path, rel, max_size=self.config.settings.max_file_size,
                                 doc_type=self.config.doc_type(rel))
        data = read_bytes(path, rel, max_size=self.config.settings.max_file_size)
        if isinstance(data, Loaded):
            return data
        digest = hashlib.sha256(data).hexdigest()
        light = cache.get_doc(digest)
        if light is not None and light.path == rel:
            return Loaded(path, rel, None, light, (), digest)
        return load_bytes(path, rel, data, doc_type=self.config.doc_type(rel))

    def memo_by_stat(self, kind: str, items: Iterable[tuple[str, Callable[[Path], Any]]]) -> Iterator[Any]:
        """``compute(path)`` for each ``(rel, compute)``, remembered in the
        cache for as long as the file's size, modification time and inode
        stay the same."""
        cache = getattr(self, "_doc_cache", None)
        if cache is None:
            for rel, compute in items:
                yield compute(self.root / rel)
            return
        table = cache.table(kind)
        # Plain string paths and one loop: this runs for every note of the
        # corpus for the id map, and per-call overhead was most of a one-note
        # check's time.
        prefix = os.path.join(self._root_str, "")
        for rel, compute in items:
            key = file_stamp(prefix + rel)
            if key is None:
                yield compute(self.root / rel)
                continue
            hit = table.get(rel)
            if hit is not None and hit[0] == key:
                yield hit[1]
                continue
            value = compute(self.root / rel)
            table[rel] = (key, value)
            cache.touch_table(kind)  # before the yield: a caller may stop here
            yield value

    def install_lazy(self, rel: str, digest: str, cache: object) -> None:
        """``rel`` is unchanged since a cached run: its light document comes
        from the cache the first time a rule asks for it."""
        self._lazy[rel] = (digest, cache)

    def document(self, rel: str) -> Document | None:
        """The document of ``rel`` as other files' rules see it. A note read
        from disk for the first time is kept light (packed, as a check keeps
        the notes it checked): a fix or build-index over 10k notes looked up
        every note whole, and held 1.1 GB of them. Index READMEs stay whole."""
        if not self.is_file(rel):
            return None
        if self.holds(rel):
            return self.load(rel).document
        loaded = self.load(rel)
        doc = loaded.document
        if doc is not None and "index" not in (doc.doc_type, doc.meta.get("type")):
            light = lighten(doc)
            self.install(rel, light, loaded.digest)
            return light
        return doc

    def use_cache(self, cache: object) -> None:
        """Serve other notes' light documents from the on-disk cache when their
        bytes have not changed, instead of parsing them."""
        self._doc_cache = cache

    def install(self, rel: str, document: Document, digest: str) -> bytes | None:
        """Use an already-parsed (light) document for ``rel`` instead of reading it.

        Returns the document pickled when it is kept packed (the on-disk
        cache stores the same bytes), None when it is kept as it is.
        """
        self._recent.pop(rel, None)
        if document.doc_type == "index":
            # Index READMEs stay unpacked: they are few, and read by every
            # index rule (lighten has cut their tokens to the entries).
            self._loaded[rel] = Loaded(self.root / rel, rel, None, document, (), digest)
            return None
        self._loaded.pop(rel, None)
        blob = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
        self._packed[rel] = (digest, blob)
        self._packed_heads[rel] = (document.meta.get("id"), document.meta.get("type"))
        return blob

    def held_documents(self) -> Iterator[Document]:
        """The documents this run has parsed or installed (not the whole corpus)."""
        for rel in sorted({*self._loaded, *self._packed}):
            doc = self.document(rel)
            if doc is not None:
                yield doc

    def held_head(self, rel: str) -> tuple[object, object, bool] | None:
        """The front-matter ``id`` and ``type`` of a document this run holds,
        as written, and whether it is held packed; without unpacking it.
        None when the run holds no document for ``rel``."""
        loaded = self._loaded.get(rel)
        if loaded is not None:
            meta = loaded.document.meta if loaded.document is not None else {}
            return meta.get("id"), meta.get("type"), False
        head = self._packed_heads.get(rel)
        return None if head is None else (*head, True)

    def holds(self, rel: str) -> bool:
        """Does the run hold a document for ``rel`` (whole, light or cached)?"""
        return rel in self._loaded or rel in self._recent or rel in self._packed or rel in self._lazy

    def forget(self, rel: str) -> None:
        """Let go of every document held for ``rel``, whole or light: the next
        ask reads the file again (``corpus fix`` has just rewritten it)."""
        for held in (self._loaded, self._recent, self._packed, self._packed_heads, self._lazy):
            held.pop(rel, None)

    def remember(self, loaded: Loaded) -> None:
        """Share a document the runner already parsed."""
        self._loaded[loaded.rel] = loaded

    def documents(self) -> Iterable[Document]:
        for rel in self.markdown_files:
            doc = self.document(rel)
            if doc is not None:
                yield doc

    def rel_of(self, abspath: Path) -> str | None:
        try:
            return PurePosixPath(resolved(abspath).relative_to(self.root).as_posix()).as_posix()
        except ValueError:
            return None


Stamp = tuple[int, int, int]  # size, modification time (ns), inode


def file_stamp(path: str) -> Stamp | None:
    """What the cache trusts to say a file is unchanged (as make and git do);
    None when the file cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def resolved(path: Path) -> Path:
    """``path`` with symbolic links resolved; never raises.

    ``Path.resolve()`` raises RuntimeError on a symbolic link loop in Python
    3.11 (OSError in later versions); ``os.path.realpath`` in its default
    non-strict mode returns the looping path as it is.
    """
    return Path(os.path.realpath(path))


def walk(root: Path, config: Config, errors: list[OSError] | None = None) -> Iterable[tuple[str, bool]]:
    """Yield (relative path, is_dir) for everything under ``root``.

    Symbolic links to folders are not followed (no loops); links to files
    outside the root are skipped unless ``follow-external-symlinks`` is set.
    Hidden folders (``.git``, ``.obsidian``…) and the cache are skipped.
    Folders that cannot be listed are appended to ``errors`` when given.
    """
    on_error = errors.append if errors is not None else (lambda e: None)
    follow_external = config.settings.follow_external_symlinks
    # os.scandir directly: its entries know whether they are links without
    # one lstat each (os.walk plus islink cost two system calls a file).
    # Visited depth first in sorted order, as os.walk(topdown=True) would.
    stack: list[tuple[str, str]] = [("", str(root))]
    while stack:
        rel_dir, dirpath = stack.pop()
        try:
            with os.scandir(dirpath) as listing:
                entries = list(listing)
        except OSError as exc:
            on_error(exc)
            continue
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()  # a link to a folder counts, as in os.walk
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry)
            elif not entry.name.startswith(".") and entry.name != "node_modules":
                dirs.append(entry)
        dirs.sort(key=lambda e: e.name)
        files.sort(key=lambda e: e.name)
        descend: list[tuple[str, str]] = []
        for entry in dirs:
            if entry.is_symlink():
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            descend.append((rel, entry.path))
            yield rel, True
        for entry in files:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if entry.is_symlink() and not follow_external:
                if not _inside(Path(os.path.realpath(entry.path)), root):
                    continue
            yield rel, False
        # A symlink to a folder shows up among the folders; a folder named x.md too.
        for rel, _path in descend:
            if rel.endswith(".md"):
                yield rel, False
        stack.extend(reversed(descend))


def _inside(path: Path, root: Path) -> bool:
    try:
        resolved(path).relative_to(resolved(root))
        return True
    except (ValueError, OSError):
        return False


def discover(paths: list[Path], config: Config, corpus: Corpus) -> tuple[list[SourceFile], list[DiscoveryProblem]]:
    """The Markdown files to check, from the paths given on the command line.

    Plain strings and os.path in the loop: on a corpus of 10,000 notes,
    pathlib's object overhead alone used to cost most of a warm run.
    """
    out: dict[str, SourceFile] = {}
    problems: list[DiscoveryProblem] = []
    root = str(config.root)
    cwd = os.getcwd()
    for path in paths:
        display = path.as_posix()
        if not os.path.lexists(path):
            problems.append(DiscoveryProblem(display, "ENC001", Finding(1, 1, "no such file or folder")))
            continue
        if path.is_dir() and not path.name.endswith(".md"):
            base = os.path.realpath(path)
            prefix = _rel_prefix(base, root)
            shown = _display_prefix(base, cwd)
            errors: list[OSError] = []
            if prefix == "":
                # The root itself: the corpus lists it anyway (the run key and
                # the cross-file rules need the listing), so walk it once.
                listing: Iterable[tuple[str, bool]] = [(rel, False) for rel in corpus.files]
                errors = corpus.scan_errors
            else:
                listing = walk(Path(base), config, errors)
            for rel, is_dir in listing:
                if is_dir or not rel.endswith(".md"):
                    continue
                if prefix is None:
                    full = os.path.join(base, rel)
                    sf = SourceFile(full, Path(full).as_posix(), False, shown + rel)
                else:
                    root_rel = prefix + rel
                    if not config.is_included(root_rel):
                        continue
                    sf = SourceFile(os.path.join(root, root_rel), root_rel, True, shown + rel)
                out.setdefault(sf.rel, sf)
            # A folder we cannot list hides its notes: say so rather than
            # report "all checks passed" on notes never read.
            for error in errors:
                where = os.path.relpath(error.filename, base) if error.filename else "."
                folder = shown + ("" if where == "." else Path(where).as_posix())
                problems.append(DiscoveryProblem(folder.rstrip("/") or ".", "ENC001", Finding(
                    1, 1, f"cannot list the folder: {error.strerror or error}; its notes were not checked")))
        else:
            sf = _source(path, config.root, cwd)
            out.setdefault(sf.rel, sf)
    return [out[k] for k in sorted(out)], problems


def _rel_prefix(base: str, root: str) -> str | None:
    """'' when base is the root, 'a/b/' when it is inside it, None outside."""
    if base == root:
        return ""
    if base.startswith(root.rstrip(os.sep) + os.sep):
        return Path(os.path.relpath(base, root)).as_posix() + "/"
    return None


def _display_prefix(base: str, cwd: str) -> str:
    try:
        rel = os.path.relpath(base, cwd)
    except ValueError:  # another drive on Windows
        return Path(base).as_posix() + "/"
    return "" if rel == "." else Path(rel).as_posix() + "/"


def _source(path: Path, root: Path, cwd: str) -> SourceFile:
    absolute = Path(os.path.abspath(path))
    try:
        shown = Path(os.path.relpath(absolute, cwd)).as_posix()
    except ValueError:
        shown = absolute.as_posix()
    try:
        rel = absolute.relative_to(root).as_posix()
        return SourceFile(str(absolute), rel, True, shown)
    except ValueError:
        try:
            rel = resolved(absolute).relative_to(root).as_posix()
            return SourceFile(str(absolute), rel, True, shown)
        except (ValueError, OSError):
            return SourceFile(str(absolute), absolute.as_posix(), False, shown)
