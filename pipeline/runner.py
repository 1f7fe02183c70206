"""load → rules → diagnostics: the check pipeline, for one file or the corpus.

Everything here returns data; the CLI prints it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config
from pipeline.corpus import Corpus, SourceFile, discover, resolved
from pipeline.diagnostics import Diagnostic, Finding, Severity
from pipeline.document import Document, Suppression
from pipeline.loader import Loaded, read_document
from pipeline.rules import all_rules, select_rules
from pipeline.rules.base import Context, Rule

SUPPRESSION_CODE = "SEC004"


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
                 corpus: Corpus | None = None):
        self.config = config
        s = config.settings
        sel = list(select) if select else list(s.select)
        ign = list(s.ignore) + list(ignore or [])
        self.rules: list[Rule] = [r() for r in select_rules(sel, ign)]
        self.known_codes = {r.code for r in all_rules()}
        self.corpus = corpus or Corpus(config)
        self.ctx = Context(config, self.corpus)

    # ------------------------------------------------------------------ paths
    def display(self, sf_abspath: Path) -> str:
        try:
            return Path(os.path.relpath(sf_abspath, Path.cwd())).as_posix()
        except ValueError:  # another drive on Windows
            return sf_abspath.as_posix()

    def load(self, sf: SourceFile) -> Loaded:
        if sf.inside_root:
            if self.corpus.is_file(sf.rel):
                return self.corpus.load(sf.rel)
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

    def check_paths(self, paths: list[Path]) -> RunResult:
        result = RunResult()
        files, problems = discover(paths, self.config, self.corpus)
        selected = {r.code for r in self.rules}
        for p in problems:
            if p.code in selected:
                result.diagnostics.extend(self.diagnostics(p.display, [(p.code, p.finding)]))
        for sf in files:
            loaded = self.load(sf)
            result.files_checked += 1
            result.diagnostics.extend(self.diagnostics(self.display(sf.abspath), self.findings(loaded)))
        if self._covers_root(paths):
            result.diagnostics.extend(self.corpus_diagnostics())
        result.diagnostics.sort()
        return result

    def corpus_diagnostics(self) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for rule in self.rules:
            if rule.scope != "corpus":
                continue
            check = getattr(rule, "check_corpus", None)
            if check is None:
                continue
            for rel, finding in check(self.ctx):
                loaded = self.corpus.load(rel) if self.corpus.is_file(rel) else None
                found = [(rule.code, finding)]
                if loaded is not None and loaded.document is not None:
                    found = [(c, f) for c, f in self._suppress(loaded.document, found) if c == rule.code]
                out.extend(self.diagnostics(self.display(self.config.root / rel), found))
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
