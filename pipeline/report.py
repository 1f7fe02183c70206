"""Diagnostics -> text: the text, JSON, GitHub and SARIF formats.

Pure functions returning strings; the CLI prints them.  The JSON shape is a
public contract: an array of objects with exactly the keys ``path``,
``line``, ``column``, ``code``, ``severity``, ``message``, ``fixable``.
"""

from __future__ import annotations

import json
from collections import Counter

from pipeline import __version__
from pipeline.diagnostics import Diagnostic, Severity
from pipeline.rules import all_rules

FORMATS = ("text", "json", "github", "sarif")


def render(diagnostics: list[Diagnostic], fmt: str, *, files: int = 0, statistics: bool = False,
           quiet: bool = False) -> str:
    if fmt == "json":
        return to_json(diagnostics)
    if fmt == "github":
        return to_github(diagnostics)
    if fmt == "sarif":
        return to_sarif(diagnostics)
    return to_text(diagnostics, files=files, statistics=statistics, quiet=quiet)


def to_text(diagnostics: list[Diagnostic], *, files: int, statistics: bool, quiet: bool) -> str:
    lines: list[str] = []
    if statistics:
        counts = Counter(d.code for d in diagnostics)
        fixable = Counter(d.code for d in diagnostics if d.fixable)
        names = {r.code: r.name for r in all_rules()}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            mark = "[*]" if fixable[code] else "   "
            lines.append(f"{n:>6}  {code:<7} {mark} {names.get(code, '')}")
    else:
        for d in diagnostics:
            lines.append(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
    if not quiet:
        lines.append(summary(diagnostics, files))
    return "\n".join(lines) + ("\n" if lines else "")


def summary(diagnostics: list[Diagnostic], files: int) -> str:
    if not diagnostics:
        return f"All checks passed ({files} file{'s' if files != 1 else ''})."
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = len(diagnostics) - errors
    fixable = sum(1 for d in diagnostics if d.fixable and d.fix is not None and d.fix.safe)
    unsafe = sum(1 for d in diagnostics if d.fixable and d.fix is not None and not d.fix.safe)
    text = f"Found {errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''} in {files} file{'s' if files != 1 else ''}."
    if fixable:
        text += f"\n[*] {fixable} fixable with `corpus fix`."
    if unsafe:
        text += f"\n{unsafe} more fixable with `corpus fix --unsafe-fixes`."
    return text


def to_json(diagnostics: list[Diagnostic]) -> str:
    items = [
        {
            "path": d.path,
            "line": d.line,
            "column": d.column,
            "code": d.code,
            "severity": d.severity.value,
            "message": d.message,
            "fixable": d.fixable,
        }
        for d in diagnostics
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def to_github(diagnostics: list[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        level = "error" if d.severity is Severity.ERROR else "warning"
        out.append(
            f"::{level} file={_gh_escape(d.path, prop=True)},line={d.line},col={d.column},"
            f"title={_gh_escape(d.code, prop=True)}::{_gh_escape(d.message)}"
        )
    return "\n".join(out) + ("\n" if out else "")


def to_sarif(diagnostics: list[Diagnostic]) -> str:
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    sarif_rules = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.summary},
            "help": {"text": r.explain(), "markdown": r.explain()},
            "defaultConfiguration": {"level": "error" if r.severity is Severity.ERROR else "warning"},
        }
        for r in rules
    ]
    results = []
    for d in diagnostics:
        result: dict[str, object] = {
            "ruleId": d.code,
            "level": "error" if d.severity is Severity.ERROR else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.path},
                        "region": {"startLine": max(1, d.line), "startColumn": max(1, d.column)},
                    }
                }
            ],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "corpus",
                        "version": __version__,
                        "informationUri": "https://example.invalid/corpus",
                        "rules": sarif_rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
