"""The data every stage passes on: findings, diagnostics, edits and fixes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets in the decoded text)."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """Edits that repair one finding.

    ``safe`` fixes are applied by plain ``corpus fix``; unsafe ones need
    ``--unsafe-fixes``.  ``reencode`` asks the writer to store the file as
    UTF-8 without BOM, whatever encoding it was read in.
    """

    title: str
    edits: tuple[Edit, ...] = ()
    safe: bool = True
    reencode: bool = False


@dataclass(frozen=True)
class Finding:
    """What a rule yields: a position in the document and a message."""

    line: int
    column: int
    message: str
    fix: Fix | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding bound to a file, a rule code and a severity.

    Ordering is (path, line, column, code, message): the order of every report.
    """

    path: str
    line: int
    column: int
    code: str
    message: str = field(compare=True)
    severity: Severity = field(default=Severity.ERROR, compare=False)
    fix: Fix | None = field(default=None, compare=False)
    end_line: int | None = field(default=None, compare=False)
    end_column: int | None = field(default=None, compare=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None


@dataclass(frozen=True)
class Rename:
    """A key to rename (a fix): ``old`` at ``line``/``column`` becomes ``new``."""

    old: str
    new: str
    line: int
    column: int
    safe: bool


@dataclass(frozen=True)
class Quote:
    """A plain scalar to quote (a fix), from (line, column) to (end_line, end_column)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Problem:
    """A front-matter schema problem (pipeline/schema.py), before the FM rules
    turn it into a Finding with its fix. Kept here, apart from the pydantic
    models, so that a memoised one is read back without importing them."""

    code: str
    line: int
    column: int
    message: str
    rename: Rename | None = None
    quote: Quote | None = None
