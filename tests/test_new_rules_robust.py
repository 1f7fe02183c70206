"""The schema, section and language rules never raise, whatever the text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import Config, Settings
from pipeline.corpus import Corpus
from pipeline.document import parse
from pipeline.rules import all_rules
from pipeline.rules.base import Context

CODES = ("FM01", "FM02", "SEC01", "LANG")
RULES = [r() for r in all_rules() if r.code.startswith(CODES)]
CONFIG = Config(Settings(root="."), Path("."), None)
CTX = Context(CONFIG, Corpus(CONFIG))

PIECES = st.sampled_from([
    "---\n", "title: x\n", "id: 07\n", "related:\n", "  - target: 1\n", "    reasn: y\n", "  - \"06\"\n",
    "date: 2026-13-01\n", "updated: 2020-01-01\n", "status: [a]\n", "演进点: z\n", "type: nte\n", "type: vault\n",
    "models: []\n", "tags: {a: 1}\n", "lang: 1\n", "# 标题\n", "## 关键公式\n", "## 代码\n", "## 对比\n",
    "$$x$$\n", "`y = x / 2`\n", "```python\n", "```\n", ">>> print(\n", "| a | b |\n", "| - | - |\n",
    "| 1 | 2 |\n", "English prose about caches and memory bandwidth. " * 3 + "\n", "中文正文，说明缓存。\n",
    "\n", "    - [[x|y]]\n", "<!-- c -->\n", "- Ba et al. 2016 [a](b)\n", "&: *x\n", "? [a]\n: b\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=30), st.sampled_from(["note", "index", "vault", "other"]))
def test_rules_never_raise(pieces: list[str], doc_type: str) -> None:
    doc = parse("".join(pieces), "x.md", doc_type=doc_type)
    for rule in RULES:
        for finding in rule.check(doc, CTX):
            assert finding.line >= 1 and finding.column >= 1
            assert finding.message
