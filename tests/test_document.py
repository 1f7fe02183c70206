"""The document model: positions, links, math, code, tables, front-matter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import parse

SAMPLE = """---
title: 注意力
tags: [llm]
---
# 注意力（Attention）

中文 $a$ 与 [链接](./公式.md#x "t")、[引用][ref]、<https://x.y>、[[维基|别名]]、![[嵌入]]、`[[不是链接]]`、![图](a.png)

\\[ x^2 \\]

$$
y = f(x)
$$

| 方法 | 说明 |
|---|---|
| A | a |
| B | b |

## 代码

```python
print(1)
```

[ref]: ./r.md
"""


def test_front_matter_and_positions() -> None:
    doc = parse(SAMPLE, "n.md")
    fm = doc.front_matter
    assert fm is not None and fm.data == {"title": "注意力", "tags": ["llm"]}
    assert (fm.start_line, fm.end_line) == (1, 4)
    assert fm.key_positions["tags"] == (3, 1)
    assert fm.value_positions["title"] == (2, 8)


def test_links_have_character_columns() -> None:
    doc = parse(SAMPLE, "n.md")
    by_kind = {link.kind: link for link in doc.links}
    inline = by_kind["inline"]
    assert inline.target == "./公式.md#x" and inline.line == 7
    # Columns count characters: "中文 $a$ 与 [链接](" is 14 characters.
    assert inline.column == 15
    assert doc.text[inline.start:inline.end] == "./公式.md#x"
    assert by_kind["reference"].label == "引用" and by_kind["reference"].target == "./r.md"
    assert by_kind["autolink"].target == "https://x.y"
    assert by_kind["wiki"].target == "维基" and by_kind["wiki"].text == "别名"
    assert by_kind["embed"].target == "嵌入"
    assert by_kind["image"].target == "a.png"
    assert by_kind["definition"].target == "./r.md" and by_kind["definition"].line == 26
    assert not any(link.target == "不是链接" for link in doc.links)


def test_math_code_tables_sections() -> None:
    doc = parse(SAMPLE, "n.md")
    kinds = [(m.kind, m.line) for m in doc.math]
    assert ("inline", 7) in kinds and ("display", 9) in kinds and ("display", 11) in kinds
    assert [(c.language, c.line, c.end_line, c.closed) for c in doc.code_blocks] == [("python", 22, 24, True)]
    table = doc.tables[0]
    assert table.header == ("方法", "说明") and len(table.rows) == 2 and table.line == 15
    top = doc.sections[0]
    assert top.title == "注意力（Attention）" and top.slug == "注意力attention"
    assert [c.title for c in top.children] == ["代码"]
    assert top.children[0].line == 20 and top.end_line >= 26


def test_duplicate_headings_get_numbered_slugs() -> None:
    doc = parse("# A\n## 公式\n## 公式\n## 公式\n")
    assert [h.slug for h in doc.headings] == ["a", "公式", "公式-1", "公式-2"]


def test_crlf_positions() -> None:
    doc = parse("# 标题\r\n\r\n正文 [x](y.md)\r\n")
    link = doc.links[0]
    assert (link.line, link.column) == (3, 8)
    assert doc.text[link.start:link.end] == "y.md"


def test_yaml_problems_are_reported_not_raised() -> None:
    dup = parse("---\na: 1\na: 2\n---\n")
    assert dup.front_matter is not None and dup.front_matter.problems[0].kind == "duplicate-key"
    assert dup.front_matter.problems[0].line == 3
    bad = parse("---\na: [\n---\n")
    assert bad.front_matter is not None and bad.front_matter.problems[0].kind == "syntax"
    lst = parse("---\n- a\n- b\n---\n")
    assert lst.front_matter is not None and lst.front_matter.problems[0].kind == "not-mapping"
    bomb = "---\na: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)) + "---\n"
    doc = parse(bomb)
    assert doc.front_matter is not None and doc.front_matter.problems[0].kind == "alias-bomb"


_markdownish = st.text(
    alphabet=st.sampled_from(list("#*-_`$[]()!<>|:\\\n \t abc中文公式\r{}~=+1\u00e9\ufffd")), max_size=400
)


@settings(max_examples=300, deadline=None)
@given(_markdownish)
def test_parse_never_raises_and_positions_are_inside(text: str) -> None:
    doc = parse(text, "x.md")
    lines = doc.line_count
    for link in doc.links:
        assert 1 <= link.line <= lines
        assert 1 <= link.column <= len(doc.line_text(link.line)) + 1
        if link.start >= 0:
            assert 0 <= link.start <= link.end <= len(text)
    for h in doc.headings:
        assert 1 <= h.line <= lines
    for s in doc.all_sections:
        assert s.line <= s.end_line <= lines


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_any_text(text: str) -> None:
    parse(text)
