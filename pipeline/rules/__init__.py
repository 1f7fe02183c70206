"""The rule registry: every rule, registered in one place, by code.

To add a rule: write a class in the module of its family, decorate it with
``@register``, give it a docstring in the four-part form, and add a failing and
a passing fixture under ``tests/fixtures/rules/<CODE>/``.
"""

from __future__ import annotations

import importlib
from typing import TypeVar

from pipeline.rules.base import Context, CorpusRule, Rule

__all__ = ["Context", "CorpusRule", "Rule", "all_rules", "get_rule", "register", "select_rules"]

_R = TypeVar("_R", bound=type[Rule])
_REGISTRY: dict[str, type[Rule]] = {}

# Family modules, in report order.  Importing one registers its rules.
_MODULES = (
    "pipeline.rules.encoding",
    "pipeline.rules.frontmatter",
    "pipeline.rules.schema",
    "pipeline.rules.structure",
    "pipeline.rules.index",
    "pipeline.rules.sections",
    "pipeline.rules.language",
    "pipeline.rules.links",
)
_loaded = False


def register(cls: _R) -> _R:
    code = cls.code
    if code in _REGISTRY and _REGISTRY[code] is not cls:
        raise RuntimeError(f"rule code {code} registered twice")
    _REGISTRY[code] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(name)
        _loaded = True


def all_rules() -> list[type[Rule]]:
    _load()
    return sorted(_REGISTRY.values(), key=lambda r: r.code)


def get_rule(code: str) -> type[Rule] | None:
    _load()
    return _REGISTRY.get(code.upper())


def _matches(code: str, selectors: list[str]) -> bool:
    return any(code.startswith(s) for s in selectors)


def select_rules(select: list[str], ignore: list[str]) -> list[type[Rule]]:
    """Rules whose code starts with a selector in ``select`` (all if empty) and
    with none in ``ignore``.  An exact code in ``select`` beats a prefix in
    ``ignore``, as in ruff."""
    out = []
    for rule in all_rules():
        if select and not _matches(rule.code, select):
            continue
        if _matches(rule.code, ignore) and rule.code not in select:
            continue
        out.append(rule)
    return out
