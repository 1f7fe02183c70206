from ._lm import LanguageModel
from ._scan import HIGH_CONFIDENCE, Damage, find_damage, repair_text

__all__ = ["HIGH_CONFIDENCE", "Damage", "LanguageModel", "find_damage", "repair_text"]
