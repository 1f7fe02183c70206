"""The building blocks of the SEC010-SEC013 rules."""

from __future__ import annotations

import pytest

from pipeline.config import SectionRequirement
from pipeline.document import parse
from pipeline.rules.sections import compile_error, evidence, is_code, looks_like_formula, matching_sections


@pytest.mark.parametrize(("text", "formula"), [
    ("Attention(Q, K, V) = softmax(QK^T / sqrt(d_k)) * V", True),
    ("y = x / rms(x) * g", True),
    (r"\frac{a}{b}", True),
    ("L = -log σ(β · Δ)", True),
    ("x = 1", False),
    ("d_k", False),
    ("Q, K, V", False),
    ("pip install numpy", False),
])
def test_formula_in_code(text: str, formula: bool) -> None:
    assert looks_like_formula(text) is formula


def test_code_languages() -> None:
    doc = parse("```python\nx\n```\n\n```mermaid\na\n```\n\n```\nplain\n```\n\n```bash\nls\n```\n\n"
                "```yaml\na: 1\n```\n\n    indented\n", "x.md")
    assert [is_code(b) for b in doc.code_blocks] == [True, False, False, True, False, False]
    assert [is_code(b, ["bash"]) for b in doc.code_blocks] == [False, False, False, True, False, False]


def test_latin_titles_match_as_words() -> None:
    req = SectionRequirement(name="代码", titles=["代码", "Code"], holds="code")
    doc = parse("# t\n\n## Vision Encoder\n\n## Code Walkthrough\n\n## Codes\n\n## 关键步骤代码\n", "x.md")
    assert [s.title for s in matching_sections(doc, req)] == ["Code Walkthrough", "Codes", "关键步骤代码"]


def test_table_evidence_counts_data_rows_and_columns() -> None:
    req = SectionRequirement(name="对比", titles=["对比"], holds="table", min_rows=2, min_columns=3)
    doc = parse("| a | b |\n| - | - |\n| 1 | 2 |\n| 3 | 4 |\n\n| a | b | c |\n| - | - | - |\n| 1 | 2 | 3 |\n"
                "| 4 | 5 | 6 |\n", "x.md")
    assert [(e.line, e.counts) for e in evidence(doc, req)] == [(1, False), (6, True)]


def test_compile_error_positions() -> None:
    assert compile_error("x = 1\n") is None
    assert compile_error("x = 1\ndef f(:\n    pass\n")[:2] == (2, 7)
    assert compile_error(">>> x = [1\n>>> y = 2\n") is not None
    assert compile_error(">>> for i in range(2):\n...     print(i)\n0\n1\n") is None
    assert compile_error("print('\\d')\n") is None  # a SyntaxWarning is not an error
