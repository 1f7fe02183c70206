"""UTF-8 read as GBK: placeholder until implemented."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

LEAD_CLASS = ""


def find(text: str, lm: Callable[[], Any], make: Callable[..., Any]) -> Iterator[Any]:
    return iter(())
