"""The one cheap question asked of every note: could this text hold damage at all?

Every kind of mojibake leaves at least one of a few characters behind: a UTF-8
lead byte as a single-byte page shows it (0xC2-0xF4: Â-ô), a C1 control,
U+FFFD, or a CJK character that GBK makes of a UTF-8 lead byte and a
continuation byte. Clean Chinese prose has none of them, so most notes are
answered by one regex search, without loading the repair engine (ftfy, the
language models) at all.
"""

from __future__ import annotations

import re
from typing import Final

from ._codepages import LEAD_CHARS

# UTF-8 lead bytes of CJK text (and of emoji), which GBK pairs with the
# continuation byte after them.
UTF8_LEADS: Final = (*range(0xE2, 0xEA), 0xEF, 0xF0)


def _gbk_lead_class() -> str:
    # GBK characters whose two bytes are a UTF-8 lead and a continuation byte:
    # every GBK mojibake run starts with one, clean Chinese almost never has them.
    chars = []
    for b1 in UTF8_LEADS:
        for b2 in range(0x80, 0xC0):
            try:
                chars.append(bytes((b1, b2)).decode("gbk"))
            except UnicodeDecodeError:
                continue
    return "".join(re.escape(c) for c in sorted(set(chars)))


GBK_LEAD_CLASS: Final = _gbk_lead_class()
_ANY: Final = re.compile(f"[{re.escape(LEAD_CHARS)}\u0080-\u009f\ufffd{GBK_LEAD_CLASS}]")


def might_be_damaged(text: str) -> bool:
    """False means the text certainly holds no damage; True means look closer.

    >>> might_be_damaged("多模态 LLM 与注意力")
    False
    >>> might_be_damaged("å¤šæ¨¡æ€")
    True
    """
    return _ANY.search(text) is not None
