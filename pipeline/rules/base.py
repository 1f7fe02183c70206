"""What a rule is, and the context it is given."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pipeline.diagnostics import Finding, Severity

if TYPE_CHECKING:
    from pipeline.cache import Cache
    from pipeline.config import Config
    from pipeline.corpus import Corpus
    from pipeline.document import Document

T = TypeVar("T")


@dataclass
class Context:
    """What a rule may look at besides the document: settings and the corpus
    (an index of every file under the root, loaded lazily)."""

    config: Config
    corpus: Corpus
    cache: dict[str, object] = field(default_factory=dict)
    #: the run's on-disk cache, read by :meth:`memo` (None in pool workers)
    store: Cache | None = None
    #: (kind, rel, key, value) that :meth:`memo` computed since the runner
    #: last took them: it stores them, whichever process ran the rule
    memos: list[tuple[str, str, str, Any]] = field(default_factory=list)

    def memo(self, kind: str, rel: str, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, remembered across runs per file for as long as
        ``key`` stays the same: ``key`` must hash everything the value
        depends on. For work that is pure but costly to start, such as
        validating a front-matter that a prose edit left unchanged."""
        mine = self.cache.setdefault(f"memo.{kind}", {})
        assert isinstance(mine, dict)
        hit = mine.get(rel)
        if hit is None and self.store is not None:
            hit = self.store.table(kind).get(rel)
        if hit is not None and hit[0] == key:
            mine[rel] = hit
            return hit[1]  # type: ignore[no-any-return]
        value = compute()
        mine[rel] = (key, value)
        self.memos.append((kind, rel, key, value))
        return value


class Rule:
    """A check on one document.

    Subclasses set the class attributes and implement :meth:`check`.  The
    class docstring is the rule's documentation, in four parts: *What it does*,
    *Why is this bad?*, *Example*, *Use instead* (and *Fix safety* for rules
    that fix).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    fixable: ClassVar[bool] = False
    #: doc types the rule applies to; None = every type
    doc_types: ClassVar[frozenset[str] | None] = None
    #: "document": runs per file; "corpus": runs once over the whole corpus
    scope: ClassVar[str] = "document"
    #: True for rules that look at other files through ``ctx.corpus``.  They run
    #: after every note was parsed, on light documents (no tokens, no text, see
    #: :func:`pipeline.document.lighten`): in the main process, or in forked
    #: workers on a large run; the others run in the worker that parsed the note.
    needs_corpus: ClassVar[bool] = False

    def check(self, doc: Document, ctx: Context) -> Iterable[Finding]:
        return ()

    def needs_one_process(self, ctx: Context) -> bool:
        """True when this run of the rule keeps state that forked workers could
        not share (the online link checker's requests and cache): the
        cross-file phase then stays in the main process."""
        return False

    @classmethod
    def explain(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    def applies_to(self, doc: Document) -> bool:
        return self.doc_types is None or doc.doc_type in self.doc_types


class CorpusRule(Rule):
    """A check over the whole corpus (orphans, duplicate ids...).  It runs only
    when the whole corpus root is checked, and yields (path, finding) pairs with
    paths relative to the root."""

    scope: ClassVar[str] = "corpus"

    def check_corpus(self, ctx: Context) -> Iterator[tuple[str, Finding]]:
        return iter(())
