"""Encoding detection and repair for notes.

``decode_bytes`` turns a file's bytes into text; ``find_damage`` finds mojibake
in text and works out the repair; ``repair_text`` applies the repairs.
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
