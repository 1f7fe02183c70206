"""What a rule is, and the context it is given."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from pipeline.diagnostics import Finding, Severity

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.corpus import Corpus
    from pipeline.document import Document


@dataclass
class Context:
    """What a rule may look at besides the document: settings and the corpus
    (an index of every file under the root, loaded lazily)."""

    config: Config
    corpus: Corpus
    cache: dict[str, object] = field(default_factory=dict)


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
