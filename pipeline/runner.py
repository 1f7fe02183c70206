"""load → rules → diagnostics: the check pipeline, for one file or the corpus.

Everything here returns data; the CLI prints it.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.cache import Cache
from pipeline.config import Config
from pipeline.corpus import Corpus, SourceFile, Stamp, discover, file_stamp, resolved
from pipeline.diagnostics import Diagnostic, Finding, Severity
from pipeline.document import Document, Suppression, lighten
from pipeline.loader import Loaded, load_bytes, read_bytes, read_document
from pipeline.rules import all_rules, select_rules
from pipeline.rules.base import Context, Rule

SUPPRESSION_CODE = "SEC004"
# Below this many notes to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 48


@dataclass(frozen=True)
class NoteResult:
    """What the per-note phase gives: its findings and its light document."""

    rel: str
    digest: str
    local: tuple[tuple[str, Finding], ...]
    light: Document | None
    summary: str
    memos: tuple[tuple[str, str, str, Any], ...] = ()  # what Context.memo computed for it


@dataclass(frozen=True)
class NoteMeta:
    """What the cache keeps of a note between runs (its light document is
    kept apart, read only when a cross-file rule needs it)."""

    rel: str
    local: tuple[tuple[str, Finding], ...]
    summary: str
    fingerprint: str = ""  # corpus fingerprint ``final`` was computed under
    final: tuple[tuple[str, Finding], ...] = ()


def summarize(doc: Document) -> str:
    """Hash of everything other notes' rules can see of this one: its type,
    anchors, headings, front-matter, outgoing links and block ids.  Prose edits leave it
    unchanged, so the other notes need no re-check."""
    from pipeline.linkindex import block_ids  # [[note#^id]] links reach into the prose

    payload = json.dumps(
        [doc.doc_type, sorted(doc.anchors), [(h.level, h.title) for h in doc.headings], doc.meta,
         sorted({(link.kind, link.target) for link in doc.links}), block_ids(doc.text)],
        ensure_ascii=False, sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode("utf-8", "surrogateescape")).hexdigest()


_GC_THRESHOLDS = (200_000, 50, 50)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the garbage collector's young generation every 200,000
    allocations instead of every 700 (and the older ones 50 times rarer
    each). A run allocates millions of objects (tokens, documents,
    unpickled notes) while holding hundreds of MB of live ones, and the
    default thresholds spent a quarter of a 10k-note run's CPU re-scanning
    them: 64 -> 48 s of CPU in one process, at the same peak memory
    (disabling the collector instead: 53 s, and 440 MB). Forked pool
    workers inherit the setting."""
    before = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


_WORKER: Checker | None = None


def _init_worker(config: Config, select: list[str], ignore: list[str]) -> None:
    global _WORKER
    gc.set_threshold(*_GC_THRESHOLDS)  # as fewer_collections(), for spawned workers
    _WORKER = Checker(config, select, ignore)


def _work(item: tuple[Path, str, bytes, str]) -> NoteResult:
    assert _WORKER is not None
    abspath, rel, data, doc_type = item
    return _WORKER.local_result(load_bytes(abspath, rel, data, doc_type=doc_type))


# The checker whose corpus forked workers finish notes against (set only
# while its pool runs: the workers inherit it, nothing is pickled).
_FINISHER: Checker | None = None
Local = tuple[tuple[str, Finding], ...]


def _can_fork() -> bool:
    import multiprocessing  # here: a pre-commit run never gets this far

    return "fork" in multiprocessing.get_all_start_methods()


def _finish_chunk(items: list[tuple[str, Local]]) -> list[tuple[str, Local]]:
    assert _FINISHER is not None
    return _finish_chunk_with(_FINISHER, items)


def _finish_chunk_with(checker: Checker, items: list[tuple[str, Local]]) -> list[tuple[str, Local]]:
    out: list[tuple[str, Local]] = []
    for rel, local in items:
        doc = checker.corpus.document(rel)
        out.append((rel, checker._finish(doc, local) if doc is not None else local))
    return out


@dataclass
class RunResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


class Checker:
    """Runs the selected rules over documents with a shared corpus context."""

    def __init__(self, config: Config, select: list[str] | None = None, ignore: list[str] | None = None,
                 corpus: Corpus | None = None, *, jobs: int = 1, cache: Cache | None = None):
        self.config = config
        self.select = list(select or [])
        self.ignore = list(ignore or [])
        self.jobs = max(1, jobs)
        self.cache = cache
        s = config.settings
        sel = list(select) if select else list(s.select)
        ign = list(s.ignore) + list(ignore or [])
        self.rules: list[Rule] = [r() for r in select_rules(sel, ign)]
        self.local_rules = [r for r in self.rules if r.scope == "document" and not r.needs_corpus]
        self.cross_rules = [r for r in self.rules if r.scope == "document" and r.needs_corpus]
        self.known_codes = {r.code for r in all_rules()}
        self.corpus = corpus or Corpus(config)
        self.ctx = Context(config, self.corpus, store=cache)

    # ------------------------------------------------------------------ paths
    def display(self, sf_abspath: Path) -> str:
        try:
            return Path(os.path.relpath(sf_abspath, Path.cwd())).as_posix()
        except ValueError:  # another drive on Windows
            return sf_abspath.as_posix()

    def load(self, sf: SourceFile) -> Loaded:
        """The file whole (bytes, text, tokens): what its own rules and fixes need."""
        if sf.inside_root:
            if self.corpus.is_file(sf.rel):
                loaded = self.corpus.load(sf.rel)
                if loaded.data is not None or loaded.document is None:
                    return loaded
                # The run holds only its light document: read it again, whole.
        doc_type = self.config.doc_type(sf.rel) if sf.inside_root else self.config.doc_type(sf.abspath.name)
        return read_document(sf.abspath, sf.rel, max_size=self.config.settings.max_file_size, doc_type=doc_type)

    # ------------------------------------------------------------------ checks
    def findings(self, loaded: Loaded) -> list[tuple[str, Finding]]:
        """(code, finding) for one loaded file, suppressions applied."""
        selected = {r.code for r in self.rules}
        out: list[tuple[str, Finding]] = [(c, f) for c, f in loaded.problems if c in selected]
        doc = loaded.document
        if doc is None:
            return out
        for rule in self.rules:
            if rule.scope != "document" or not rule.applies_to(doc):
                continue
            for finding in rule.check(doc, self.ctx):
                out.append((rule.code, finding))
        self.ctx.memos.clear()  # nothing here stores them (no cache)
        return self._suppress(doc, out)

    def _suppress(self, doc: Document, found: list[tuple[str, Finding]]) -> list[tuple[str, Finding]]:
        ignored = self.config.ignored_codes(doc.path)
        if ignored:
            found = [(c, f) for c, f in found if not any(c.startswith(i) for i in ignored)]
        if not doc.suppressions:
            return found
        # Build, per line, the set of disabled codes; "ALL" or no code disables every rule.
        used: set[int] = set()
        kept: list[tuple[str, Finding]] = []
        events = sorted(doc.suppressions, key=lambda s: (s.line, s.column))
        hits = _suppressing_all(events, [(code, finding.line) for code, finding in found])
        for (code, finding), hit in zip(found, hits, strict=True):
            if hit is None:
                kept.append((code, finding))
            else:
                used.add(hit)
        if any(r.code == SUPPRESSION_CODE for r in self.rules):
            for index, sup in enumerate(events):
                if sup.action == "enable":
                    continue
                unknown = [c for c in sup.codes if c != "ALL" and c not in self.known_codes
                           and not any(k.startswith(c) for k in self.known_codes)]
                if unknown:
                    kept.append((SUPPRESSION_CODE, Finding(sup.line, sup.column,
                                                           f"suppression names unknown rule code {', '.join(unknown)}")))
                elif index not in used and all(any(r.code.startswith(c) for r in self.rules) or c == "ALL"
                                                   for c in sup.codes):
                    # Only judged when every rule it names ran: otherwise we cannot know.
                    codes = ", ".join(sup.codes) or "all rules"
                    kept.append((SUPPRESSION_CODE, Finding(sup.line, sup.column,
                                                           f"suppression of {codes} is unused: nothing to suppress here")))
        return kept

    def diagnostics(self, display: str, found: Iterable[tuple[str, Finding]]) -> list[Diagnostic]:
        overrides = self.config.settings.severity
        defaults = {r.code: r.severity for r in self.rules}
        out = []
        for code, f in found:
            sev = overrides.get(code)
            severity = Severity(sev) if sev else defaults.get(code, Severity.ERROR)
            out.append(Diagnostic(display, f.line, f.column, code, f.message, severity, f.fix, f.end_line, f.end_column))
        return out

    def local_result(self, loaded: Loaded) -> NoteResult:
        """Per-note work: load problems plus the rules that need no other file."""
        selected = {r.code for r in self.rules}
        found: list[tuple[str, Finding]] = [(c, f) for c, f in loaded.problems if c in selected]
        doc = loaded.document
        if doc is None:
            return NoteResult(loaded.rel, loaded.digest, tuple(found), None, "")
        for rule in self.local_rules:
            if rule.applies_to(doc):
                found.extend((rule.code, f) for f in rule.check(doc, self.ctx))
        memos = tuple(self.ctx.memos)
        self.ctx.memos.clear()
        return NoteResult(loaded.rel, loaded.digest, tuple(found), lighten(doc), summarize(doc), memos)

    def _finish(self, doc: Document, local: tuple[tuple[str, Finding], ...]) -> tuple[tuple[str, Finding], ...]:
        """Add the cross-file rules' findings to a note's own, then suppress."""
        found = list(local)
        for rule in self.cross_rules:
            if rule.applies_to(doc):
                found.extend((rule.code, f) for f in rule.check(doc, self.ctx))
        return tuple(self._suppress(doc, found))

    def check_paths(self, paths: list[Path], *, progress: Callable[[int], None] | None = None) -> RunResult:
        with fewer_collections():
            return self._check_paths(paths, progress)

    def _check_paths(self, paths: list[Path], progress: Callable[[int], None] | None) -> RunResult:
        result = RunResult()
        files, problems = discover(paths, self.config, self.corpus)
        selected = {r.code for r in self.rules}
        for p in problems:
            if p.code in selected:
                result.diagnostics.extend(self.diagnostics(p.display, [(p.code, p.finding)]))
        result.files_checked = len(files)
        covers_root = self._covers_root(paths)
        cache = self.cache
        run_key = None
        stamps: dict[str, Stamp | None] = {}  # each file stat'ed once per run
        if cache is not None and covers_root:
            # An unchanged corpus is answered from stat() alone, without reading a note.
            parts = [os.getcwd(), ",".join(sorted(selected)), *self.corpus.files]
            for sf in files:
                stamp = stamps[sf.rel] = file_stamp(sf.path)
                parts.append(f"{sf.rel}\t!" if stamp is None else f"{sf.rel}\t{stamp[0]}\t{stamp[1]}\t{stamp[2]}")
            run_key = cache.run_key(parts)
            cached_run = cache.get_run(run_key)
            if cached_run is not None:
                result.diagnostics.extend(cached_run)
                result.diagnostics.sort()
                if progress:
                    progress(len(files))
                return result

        failed: dict[str, NoteResult] = {}
        cached: dict[str, tuple[str, NoteMeta]] = {}
        todo: list[tuple[SourceFile, bytes, str]] = []
        max_size = self.config.settings.max_file_size
        # Each file's digest under its stat: a file whose size, mtime and inode
        # are those of the last run is not read again to learn that its record
        # still holds (after one edit in a 50k corpus, reading and hashing
        # every note was ~1 s). The run cache above trusts stat() the same way.
        # Not for a few files (pre-commit): loading the table costs more there.
        digests = cache.table("digest") if cache is not None and len(files) >= PARALLEL_THRESHOLD else None
        for sf in files:
            stamp = None
            if digests is not None:
                stamp = stamps[sf.rel] if sf.rel in stamps else file_stamp(sf.path)
            if digests is not None and stamp is not None:
                hit = digests.get(sf.rel)
                if hit is not None and hit[0] == stamp:
                    meta = cache.get(hit[1])  # type: ignore[union-attr]
                    if isinstance(meta, NoteMeta) and meta.rel == sf.rel:
                        cached[sf.rel] = (hit[1], meta)
                        if progress:
                            progress(1)
                        continue
            data = read_bytes(sf.abspath, sf.rel, max_size=max_size)
            if isinstance(data, Loaded):
                failed[sf.rel] = self.local_result(data)
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digests is not None and stamp is not None and digests.get(sf.rel) != (stamp, digest):
                digests[sf.rel] = (stamp, digest)
                cache.touch_table("digest")  # type: ignore[union-attr]
            meta = cache.get(digest) if cache is not None else None
            if isinstance(meta, NoteMeta) and meta.rel == sf.rel:
                cached[sf.rel] = (digest, meta)
                if progress:
                    progress(1)
            else:
                todo.append((sf, data, digest))
        # Cross-file rules see every checked note as a light document: the
        # fresh ones from memory, the cached ones from disk when first asked.
        if cache is not None:
            self.corpus.use_cache(cache)
        fresh: dict[str, NoteResult] = {}
        installed: set[str] = set()
        for note in self._run_local(todo, progress):
            packed = None
            light = note.light
            if light is not None and self.corpus.is_file(note.rel):
                # Packed as it arrives, so that at no time every note's light
                # document is unpacked at once; asked for again below.
                packed = self.corpus.install(note.rel, light, note.digest)
                note = replace(note, light=None)
                installed.add(note.rel)
            if cache is not None:
                if light is not None:
                    cache.put_doc(note.digest, light, packed)
                cache.remember(note.memos)
            fresh[note.rel] = replace(note, memos=())
        del todo  # every note's bytes: not needed by the cross-file phase
        for rel, (digest, _meta) in cached.items():
            if self.corpus.is_file(rel):
                self.corpus.install_lazy(rel, digest, cache)
        fingerprint = ""
        if covers_root:
            summaries = sorted([(r, n.summary) for r, n in fresh.items()] + [(r, m.summary) for r, (_, m) in cached.items()])
            h = hashlib.sha256("\0".join(self.corpus.files).encode("utf-8", "surrogateescape"))
            for rel, summary in summaries:
                h.update(f"{rel}\t{summary}\n".encode("utf-8", "surrogateescape"))
            fingerprint = h.hexdigest()

        displays = {sf.rel: sf.display for sf in files}
        pending: list[tuple[str, Local]] = []
        for rel in sorted(displays):
            if rel in installed:
                pending.append((rel, fresh[rel].local))
            elif rel in cached and self.corpus.is_file(rel):
                meta = cached[rel][1]
                if not (covers_root and meta.fingerprint == fingerprint):
                    pending.append((rel, meta.local))
        # The corpus-scope rules run in this process while the workers finish
        # notes (they need nothing the notes' findings give).
        corpus_found: list[tuple[str, str, Finding]] | None = None

        def corpus_rules() -> None:
            nonlocal corpus_found
            if covers_root:
                corpus_found = self._corpus_found(cache, fingerprint)

        finished = self._finish_many(pending, corpus_rules)
        by_file: list[Diagnostic] = []
        for rel in sorted(displays):
            if rel in failed:
                final = failed[rel].local
            elif rel in cached:
                digest, meta = cached[rel]
                if covers_root and meta.fingerprint == fingerprint:
                    final = meta.final
                else:
                    if rel in finished:
                        final = finished[rel]
                    else:  # outside the root: not in the corpus's listing
                        sf = next(f for f in files if f.rel == rel)
                        doc = self.load(sf).document
                        final = self._finish(doc, meta.local) if doc is not None else meta.local
                    if cache is not None and covers_root:
                        cache.put(digest, replace(meta, fingerprint=fingerprint, final=final))
            else:
                note = fresh[rel]
                if rel in finished:
                    final = finished[rel]
                else:  # outside the root: its light document was never installed
                    final = self._finish(note.light, note.local) if note.light is not None else note.local
                if cache is not None:
                    cache.put(note.digest, NoteMeta(rel, note.local, note.summary,
                                                    fingerprint if covers_root else "", final if covers_root else ()))
            by_file.extend(self.diagnostics(displays[rel], final))
        if covers_root:
            assert corpus_found is not None  # by corpus_rules, in _finish_many
            for rel, code, finding in corpus_found:
                by_file.extend(self.diagnostics(self.display(self.config.root / rel), [(code, finding)]))
        by_file.sort()
        if cache is not None:
            if covers_root:
                cache.retain({d for d, _ in cached.values()} | {n.digest for n in fresh.values()})
                cache.retain_files(set(self.corpus.files))
            cache.flush()
            if run_key is not None:
                cache.put_run(run_key, by_file)
        result.diagnostics.extend(by_file)
        result.diagnostics.sort()
        return result

    def _corpus_found(self, cache: Cache | None, fingerprint: str) -> list[tuple[str, str, Finding]]:
        found = cache.get_corpus(fingerprint) if cache is not None else None
        if found is None:
            found = self.corpus_findings()
            if cache is not None:
                cache.put_corpus(fingerprint, found)
        return found  # type: ignore[no-any-return]

    def _finish_many(self, pending: list[tuple[str, Local]], meanwhile: Callable[[], None]) -> dict[str, Local]:
        """Cross-file findings of many notes, in forked workers that share the corpus.

        Every note of ``pending`` is finished: here, one after the other, when
        there are too few for a pool to pay off or processes cannot be forked.
        Otherwise the first notes are finished here, so the indexes they build
        (links, ids, the index model) are built once, before the fork, and
        every worker inherits them. ``meanwhile`` runs in this process while
        the workers do (after the notes when there is no pool).
        """
        one_process = any(rule.needs_one_process(self.ctx) for rule in self.cross_rules)
        if self.jobs < 2 or len(pending) < 4 * PARALLEL_THRESHOLD or one_process or not _can_fork():
            done = dict(_finish_chunk_with(self, pending))
            meanwhile()
            return done
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _FINISHER
        warm = min(len(pending), PARALLEL_THRESHOLD)
        done = dict(_finish_chunk_with(self, pending[:warm]))
        rest = pending[warm:]
        # Contiguous runs of sorted paths: a worker keeps one section's notes
        # and README together, and the notes they link to stay unpacked.
        size = max(1, -(-len(rest) // (self.jobs * 4)))
        chunks = [rest[i : i + size] for i in range(0, len(rest), size)]
        _FINISHER = self
        try:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx) as pool:
                parts = pool.map(_finish_chunk, chunks)  # submitted now, collected below
                meanwhile()
                for part in parts:
                    done.update(part)
        finally:
            _FINISHER = None
        return done

    def _run_local(self, todo: list[tuple[SourceFile, bytes, str]],
                   progress: Callable[[int], None] | None) -> Iterator[NoteResult]:
        jobs = self.jobs
        if jobs > 1 and len(todo) >= PARALLEL_THRESHOLD:
            items = [(sf.abspath, sf.rel, data, self._doc_type(sf)) for sf, data, _ in todo]
            chunk = max(1, min(64, len(items) // (jobs * 8) or 1))
            # Loaded here: a pre-commit run on a few files never starts a pool.
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                     initargs=(self.config, self.select, self.ignore)) as pool:
                for note in pool.map(_work, items, chunksize=chunk):
                    if progress:
                        progress(1)
                    yield note
            return
        for sf, data, _digest in todo:
            loaded = load_bytes(sf.abspath, sf.rel, data, doc_type=self._doc_type(sf))
            if sf.inside_root and self.corpus.is_file(sf.rel):
                self.corpus.remember(loaded)
            if progress:
                progress(1)
            yield self.local_result(loaded)

    def _doc_type(self, sf: SourceFile) -> str:
        return self.config.doc_type(sf.rel if sf.inside_root else sf.abspath.name)

    def corpus_findings(self) -> list[tuple[str, str, Finding]]:
        """(path relative to the root, code, finding) of the corpus-scope rules,
        suppressions applied."""
        out: list[tuple[str, str, Finding]] = []
        for rule in self.rules:
            if rule.scope != "corpus":
                continue
            check = getattr(rule, "check_corpus", None)
            if check is None:
                continue
            for rel, finding in check(self.ctx):
                found = [(rule.code, finding)]
                doc = self.corpus.document(rel) if self.corpus.is_file(rel) else None
                if doc is not None:
                    found = [(c, f) for c, f in self._suppress(doc, found) if c == rule.code]
                out.extend((rel, c, f) for c, f in found)
        return out

    def _covers_root(self, paths: list[Path]) -> bool:
        root = self.config.root
        for p in paths:
            try:
                if resolved(p) == root or root.is_relative_to(resolved(p)):
                    return True
            except OSError:
                continue
        return False


def _suppressing_all(events: list[Suppression], queries: list[tuple[str, int]]) -> list[int | None]:
    """For each (code, line): the index of the suppression comment that
    silences it, or None.  The same answers as :func:`_suppressing` for each
    query, in one sweep over the comments (calling it per finding replayed
    every comment for every finding: quadratic in a file with thousands of
    both).  Active ``disable`` codes are looked up by the prefixes of the
    finding's code, so many codes in one comment cost nothing either."""
    next_line: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
    for index, sup in enumerate(events):
        if sup.action == "disable-next-line":
            next_line.setdefault(sup.line + 1, []).append((index, sup.codes or ("ALL",)))
    active: dict[str, tuple[int, int]] = {}  # code -> (insertion order, comment index)
    order = 0
    results: list[int | None] = [None] * len(queries)
    position = 0
    for qi in sorted(range(len(queries)), key=lambda q: queries[q][1]):
        code, line = queries[qi]
        while position < len(events) and events[position].line <= line:
            sup = events[position]
            codes = sup.codes or ("ALL",)
            if sup.action == "disable":
                for c in codes:
                    if c in active:
                        active[c] = (active[c][0], position)  # a dict keeps a re-set key in its place
                    else:
                        active[c] = (order, position)
                        order += 1
            elif sup.action == "enable":
                for c in codes:
                    active.pop(c, None)
                if "ALL" in codes:
                    active.clear()
            position += 1
        hit: int | None = None
        for index, codes in next_line.get(line, ()):
            if _covers(codes, code):
                hit = index  # the last one wins, as in _suppressing
        if hit is None:
            candidates = [active[p] for p in ("ALL", *(code[:n] for n in range(1, len(code) + 1))) if p in active]
            if candidates:
                hit = min(candidates)[1]
        results[qi] = hit
    return results


def _suppressing(events: list[Suppression], code: str, line: int) -> int | None:
    """Index of the suppression comment that silences ``code`` on ``line``
    (the reference semantics of :func:`_suppressing_all`)."""
    active: dict[str, int] = {}
    hit: int | None = None
    for index, sup in enumerate(events):
        if sup.line > line:
            break
        codes = sup.codes or ("ALL",)
        if sup.action == "disable-next-line":
            if sup.line + 1 == line and _covers(codes, code):
                hit = index
        elif sup.action == "disable":
            for c in codes:
                active[c] = index
        elif sup.action == "enable":
            for c in codes:
                active.pop(c, None)
            if "ALL" in codes:
                active.clear()
    if hit is not None:
        return hit
    for c, index in active.items():
        if c == "ALL" or code.startswith(c):
            return index
    return None


def _covers(codes: tuple[str, ...], code: str) -> bool:
    return any(c == "ALL" or code.startswith(c) for c in codes)
