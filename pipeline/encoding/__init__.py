"""Encoding detection and repair for notes.

``decode_bytes`` turns a file's bytes into text; ``find_damage`` finds mojibake
in text and works out each repair with a confidence; ``repair_text`` applies
them. Repairs at or above ``HIGH_CONFIDENCE`` are safe to apply unattended;
the others should be offered with their ``candidates``.

Lost bytes are chosen by a ``LanguageModel``: ``LanguageModel.default()``
(jieba's dictionary plus bundled domain text, built once, ~1 s, ~60 MB), or
``LanguageModel.with_texts(clean_notes)`` to add a corpus's own vocabulary,
which helps most when whole notes are damaged. ``damage`` holds the kinds of
damage as functions, for tests and the benchmark.
"""

from ._detect import Decoded, decode_bytes
from ._lm import LanguageModel
from ._scan import HIGH_CONFIDENCE, Damage, find_damage, repair_text

__all__ = [
    "HIGH_CONFIDENCE",
    "Damage",
    "Decoded",
    "LanguageModel",
    "decode_bytes",
    "find_damage",
    "repair_text",
]
