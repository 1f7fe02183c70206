"""Encoding detection and repair for notes.

``decode_bytes`` turns a file's bytes into text; ``find_damage`` finds mojibake
in text and works out each repair with a confidence; ``repair_text`` applies
them. Repairs at or above ``SAFE_CONFIDENCE`` are safe to apply unattended
(plain ``corpus fix``); the others should be offered with their ``candidates``.

Lost bytes are chosen by a ``LanguageModel``: ``LanguageModel.default()``
(jieba's dictionary plus the bundled domain notes, built once, a few seconds)
whose choices a character 4-gram model (``_ngram``) rescores in context, or
``LanguageModel.with_texts(clean_notes)`` to add a corpus's own vocabulary.
``damage`` holds the kinds of damage as functions, for tests and the benchmark.

Only ``decode_bytes`` and ``might_be_damaged`` are imported eagerly: every
file needs them, while the repair engine (ftfy, the models) is loaded the
first time a name from it is asked for, so checking clean notes never pays
for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

from ._detect import Decoded, decode_bytes
from ._prefilter import might_be_damaged

if TYPE_CHECKING:
    from ._lm import LanguageModel
    from ._scan import HIGH_CONFIDENCE, SAFE_CONFIDENCE, Damage, find_damage, repair_text


class ModelStore(Protocol):
    def get_keyed(self, name: str, key: str) -> Any: ...
    def put_keyed(self, name: str, key: str, value: Any) -> None: ...


# Here, not in _lm: setting it must not load the repair engine.
MODEL_STORE: list[ModelStore | None] = [None]


def keep_models_in(store: ModelStore | None) -> None:
    """Where LanguageModel.default() keeps the model it builds (~2.7 s to
    build, ~0.2 s to read back): an object with ``get_keyed``/``put_keyed``
    (the run's pipeline.cache.Cache), or None for nowhere. The CLI sets it;
    forked pool workers inherit it."""
    MODEL_STORE[0] = store


_LAZY = {
    "LanguageModel": "._lm",
    "HIGH_CONFIDENCE": "._scan",
    "SAFE_CONFIDENCE": "._scan",
    "Damage": "._scan",
    "find_damage": "._scan",
    "repair_text": "._scan",
}

__all__ = [
    "HIGH_CONFIDENCE",
    "SAFE_CONFIDENCE",
    "Damage",
    "Decoded",
    "LanguageModel",
    "decode_bytes",
    "find_damage",
    "might_be_damaged",
    "repair_text",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
