"""Run every regular expression of the ``pipeline`` package on long
repetitive strings, printing each (pattern, input) pair before trying it.

A super-linear pattern (catastrophic backtracking) does not finish on inputs
this long, so whoever runs this script with a timeout sees which pair hung:
``tests/test_hostile.py::test_regexes_are_linear`` runs it in a subprocess
with a generous timeout as a safety net (it asserts completion, never a
duration).  Patterns are found by introspection: every module-level
``re.Pattern`` of every ``pipeline`` module, so rules added later are audited
without registering anything.

    python fuzz/regex_audit.py            # audit; exit 0 when all finished
    python fuzz/regex_audit.py --list     # list the patterns found
    python fuzz/regex_audit.py --only=pipeline.document._WIKI
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from collections.abc import Iterator

N = 100_000  # characters per input: a quadratic pattern needs ~10^10 steps here

# Units repeated to ~N characters, optionally after a prefix that opens the
# construct a pattern looks for and never closes it.
UNITS = [
    "a", " ", "\t", "\n", "\r\n", "-", "#", "`", "$", "\\", "中", "0", "_", ".", ":", "/", "%",
    "[", "]", "[[", "]]", "![[", "[[a|", "[[a#", "](", "](<", "[a](", "[a][", "{#", "{#a ", "{", "}",
    "<", ">", "<a ", "<a id=", '<a id="', "<a id='x", "<a name=", "<!--", "<!-- corpus:",
    "<!-- corpus: disable ", "-->", "--", "${", "$$", "\\[", "\\(", "a:", "a: ", "- ", "? ", "&", "&#",
    "http://", "@", "a@", "**", "__", "~~", "|", "| a ", "```", "~~~", "    ", "> ", "1. ",
]
PREFIXES = ["", "<!-- corpus: disable", "<a id=", "[[", "{#", "](", "# ", "---\n", "$$", "```"]


# After each prefix, bodies that every class of pattern may read on and on.
BODIES = ["a", " ", "\\", "x "]


def inputs() -> Iterator[tuple[str, str]]:
    for unit in UNITS:
        yield f"{unit!r}*{N // len(unit)}", unit * max(1, N // len(unit))
    for prefix in PREFIXES[1:]:
        for unit in BODIES:
            yield f"{prefix!r}+{unit!r}*{N // len(unit)}", prefix + unit * max(1, N // len(unit))


def patterns() -> list[tuple[str, re.Pattern[str]]]:
    import pipeline

    found: dict[int, tuple[str, re.Pattern[str]]] = {}
    for info in pkgutil.walk_packages(pipeline.__path__, "pipeline."):
        if info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception as exc:  # noqa: BLE001 - an optional module that cannot load is not audited
            print(f"skip {info.name}: {exc}", file=sys.stderr)
            continue
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.setdefault(id(value), (f"{info.name}.{attr}", value))
    return sorted(found.values(), key=lambda item: item[0])


def main(argv: list[str]) -> int:
    pats = patterns()
    if "--list" in argv:
        for name, pat in pats:
            print(f"{name}: {pat.pattern}")
        return 0
    only = {a.split("=", 1)[1] for a in argv if a.startswith("--only=")}
    for name, pat in pats:
        if only and name not in only:
            continue
        for label, text in inputs():
            print(f"{name} {label}", flush=True)
            for _ in pat.finditer(text):
                pass
            pat.match(text)
            pat.fullmatch(text)
    print(f"done: {len(pats)} patterns", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
