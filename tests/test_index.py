"""build-index: golden files, idempotence, prose preservation, escaping,
templates and the --check contract."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from pipeline.cli import cli
from pipeline.config import Config, Settings, load_config
from pipeline.document import parse, parser
from pipeline.errors import ConfigError, TemplateError
from pipeline.index import build, id_sort_key, md_text, md_url, mermaid_label, scan_markers
from pipeline.runner import Checker

INDEX = FIXTURES / "index"
READMES = ("README.md", "Alpha/README.md", "Beta/README.md")


def copy_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(INDEX / "corpus", root)
    return root


def config_for(root: Path) -> Config:
    return Config(Settings(root=str(root)), root.parent, None)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def build_files(root: Path) -> int:
    code, _out, err = run("build-index", str(root))
    assert code == 0, err
    return code


def outside_markers(data: bytes) -> list[bytes]:
    """The bytes of a README outside its generated blocks, in order."""
    return re.split(rb"<!-- corpus:index:start[^\n]*-->.*?<!-- corpus:index:end[^\n]*-->", data, flags=re.S)


# ------------------------------------------------------------------ golden files


def test_golden(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    build_files(root)
    for rel in READMES:
        assert (root / rel).read_bytes() == (INDEX / "expected" / rel).read_bytes(), rel


def test_expected_files_are_a_fixed_point(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    for rel in READMES:
        shutil.copyfile(INDEX / "expected" / rel, root / rel)
    code, out, err = run("build-index", str(root), "--check")
    assert code == 0, out + err
    assert "0 index files would be updated" in err


def test_idempotent(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    build_files(root)
    first = {rel: (root / rel).read_bytes() for rel in READMES}
    inodes = {rel: (root / rel).stat().st_ino for rel in READMES}
    code, out, err = run("build-index", str(root))
    assert code == 0
    assert "updated" not in out
    assert {rel: (root / rel).read_bytes() for rel in READMES} == first
    # Unchanged files are not rewritten at all (write_atomic would replace the inode).
    assert {rel: (root / rel).stat().st_ino for rel in READMES} == inodes


def test_deterministic_across_copies(tmp_path: Path) -> None:
    one = copy_corpus(tmp_path / "one")
    two = tmp_path / "two" / "corpus"
    two.mkdir(parents=True)
    # Create the files in reverse order: directory order must not matter.
    for src in sorted((INDEX / "corpus").rglob("*"), reverse=True):
        dest = two / src.relative_to(INDEX / "corpus")
        if src.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    build_files(one)
    build_files(two)
    for rel in READMES:
        assert (one / rel).read_bytes() == (two / rel).read_bytes()


def test_numbers_sort_numerically_then_s_ids() -> None:
    ids = ["S10", "10", "S2", "02", "01", "S1", "", "9"]
    assert sorted(ids, key=id_sort_key) == ["01", "02", "9", "10", "S1", "S2", "S10", ""]


# -------------------------------------------------------------- hand-written prose


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_prose_outside_markers_is_kept_byte_for_byte(tmp_path: Path, newline: str) -> None:
    root = copy_corpus(tmp_path)
    for path in root.rglob("*.md"):
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    before = {rel: (root / rel).read_bytes() for rel in READMES}
    build_files(root)
    for rel in READMES:
        after = (root / rel).read_bytes()
        assert outside_markers(after) == outside_markers(before[rel]), rel
        expected = (INDEX / "expected" / rel).read_bytes().decode("utf-8").replace("\n", newline).encode("utf-8")
        assert after == expected, rel
        if newline == "\r\n":
            assert re.search(rb"(?<!\r)\n", after) is None, f"{rel}: a bare LF was written into a CRLF file"


def test_front_matter_and_bom_survive(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    readme = root / "Alpha" / "README.md"
    readme.write_bytes(b"\xef\xbb\xbf" + readme.read_bytes())
    build_files(root)
    data = readme.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf---\ntype: index\n")
    assert data[3:] == (INDEX / "expected" / "Alpha" / "README.md").read_bytes()


# -------------------------------------------------------------------- escaping

HOSTILE = [
    "a|b",
    "]()<script>alert(1)</script>",
    "`x`",
    "*bold*",
    "# h",
    "line one\nline two",
    "<img src=x onerror=alert(1)>",
    "[[wiki]] and [link](http://evil)",
    "$x$ _under_ ~~strike~~",
    "&amp; &#60; \\",
    "1. not a list",
    "<!-- corpus:index:end -->",
    '"quoted" #35; end',
]


def hostile_corpus(tmp_path: Path, title: str) -> Path:
    root = copy_corpus(tmp_path)
    note = root / "Alpha" / "01_first.md"
    text = note.read_text(encoding="utf-8")
    quoted = title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    for key in ("title", "tagline", "evolution", "value"):
        text = re.sub(rf"^{key}: .*$", lambda _m, k=key: f'{k}: "{quoted}"', text, count=1, flags=re.M)
    text = text.replace("models: [Model-01a, Model-01b]", f'models: ["{quoted}"]')
    text = text.replace("reason: 下一步", f'reason: "{quoted}"')
    note.write_text(text, encoding="utf-8")
    return root


def _inline_text(tokens: list) -> str:  # type: ignore[type-arg]
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_front_matter_cannot_break_the_markdown(tmp_path: Path, title: str) -> None:
    root = hostile_corpus(tmp_path, title)
    build_files(root)
    shown = " ".join(title.split("\n"))
    md = parser()  # the linter's own: CommonMark + GFM tables + front-matter + math
    for rel in ("Alpha/README.md", "README.md", "Beta/README.md"):
        text = (root / rel).read_text(encoding="utf-8")
        html = md.render(text)
        # No HTML from the front-matter reaches the page.
        assert "<script" not in html and "<img" not in html, rel
        # The markers still pair up, the blocks are where they were.
        scan = scan_markers(parse(text, rel, doc_type="index"))
        assert not scan.problems, (rel, scan.problems)
        assert [b.name for b in scan.blocks] == [b.name for b in scan_markers(parse(
            (INDEX / "expected" / rel).read_text(encoding="utf-8"), rel, doc_type="index")).blocks]

    section = (root / "Alpha" / "README.md").read_text(encoding="utf-8")
    tokens = md.parse(section)
    h3 = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h3"]
    headings = [tokens[i + 1] for i in h3]
    assert len(headings) == 3  # one per note, nothing more, nothing less
    first = headings[0].children or []
    links = [c for c in first if c.type == "link_open"]
    assert [link.attrs["href"] for link in links] == ["./01_first.md"]
    start = first.index(links[0])
    end = next(i for i, c in enumerate(first) if c.type == "link_close")
    assert _inline_text(first[start + 1:end]) == shown
    # 演进点 / 核心价值 / 代表模型 of note 01 render as exactly the value.
    items = [tokens[i + 2] for i, t in enumerate(tokens) if t.type == "list_item_open" and i > h3[0]]
    texts = [_inline_text(item.children or []) for item in items[:3]]
    assert texts == [f"演进点：{shown}", f"核心价值：{shown}", f"代表模型：{shown}"]

    root_tokens = md.parse((root / "README.md").read_text(encoding="utf-8"))
    entry = next(t for t in root_tokens if t.type == "inline" and "01_first.md" in t.content)
    assert _inline_text(entry.children or []) == f"01. {shown} — {shown}"

    graph = section[section.index("```mermaid"):]
    graph = graph[: graph.index("```", 3)]
    for line in graph.splitlines():
        if '["' in line:
            label = line[line.index('["') + 2: line.rindex('"]')]
            assert '"' not in label and "`" not in label and "<" not in label, line


def test_filters() -> None:
    assert md_url("./a b(c).md") == "./a%20b%28c%29.md"
    assert md_url("../中文/x#y?.md") == "../中文/x%23y%3F.md"
    assert md_text("LLM_Advances Q&A") == "LLM_Advances Q&A"
    assert md_text("_x_") == "\\_x\\_"
    assert md_text("- item") == "\\- item"
    assert mermaid_label('a "b" <c> #1 `d` \\') == "a #quot;b#quot; #lt;c#gt; #35;1 #96;d#96; #92;"


# ------------------------------------------------------------------- templates


def project(tmp_path: Path, templates: dict[str, str], mapping: dict[str, str] | None = None) -> Path:
    proj = tmp_path / "proj"
    shutil.copytree(INDEX / "corpus", proj / "corpus")
    (proj / "tpl").mkdir()
    for name, body in templates.items():
        (proj / "tpl" / name).write_text(body, encoding="utf-8")
    lines = ["[tool.corpus]", 'root = "corpus"', 'templates = "tpl"']
    if mapping:
        lines.append("[tool.corpus.index-templates]")
        lines.extend(f'"{k}" = "{v}"' for k, v in mapping.items())
    (proj / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return proj


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    proj = project(tmp_path, {"bad.j2": "ok\n{% for x in section.notes %}\n{{ x.title|md_text }\n"},
                   {"section-index": "bad.j2"})
    with pytest.raises(TemplateError, match=r"^tpl/bad\.j2:3: template syntax error"):
        build(load_config(proj / "pyproject.toml"))
    code, _out, err = run("build-index", "--config", str(proj / "pyproject.toml"))
    assert code == 2
    assert "tpl/bad.j2:3" in err


def test_template_render_error_names_file_and_line(tmp_path: Path) -> None:
    proj = project(tmp_path, {"bad.j2": "# ok\n\n{{ section.nothing_here }}\n"}, {"section-overview": "bad.j2"})
    with pytest.raises(TemplateError, match=r"tpl/bad\.j2:3: template error \(section-overview\).*nothing_here"):
        build(load_config(proj / "pyproject.toml"))


def test_printing_a_value_without_escaping_is_an_error(tmp_path: Path) -> None:
    proj = project(tmp_path, {"raw.j2": "{% for n in section.notes %}\n- {{ n.title }}\n{% endfor %}\n"},
                   {"section-index": "raw.j2"})
    with pytest.raises(TemplateError, match=r"tpl/raw\.j2:2: .*without an escaping filter.*md_text"):
        build(load_config(proj / "pyproject.toml"))


def test_templates_are_overridable(tmp_path: Path) -> None:
    # Same file name in the project's folder overrides; the mapping picks another file.
    proj = project(tmp_path, {"section_overview.md.j2": "overview of {{ section.title|md_text }}\n",
                              "mine.j2": "{% for n in section.notes %}\n* {{ n.id|md_text }}\n{% endfor %}\n"},
                   {"section-index": "mine.j2"})
    result = build(load_config(proj / "pyproject.toml"))
    alpha = next(o for o in result.outputs if o.path == "Alpha/README.md")
    assert alpha.result is not None and alpha.result.new_text is not None
    assert "\noverview of Alpha 部分\n" in alpha.result.new_text
    assert "\n* 01\n* 02\n* 10\n" in alpha.result.new_text
    assert "```mermaid" in alpha.result.new_text  # roles not overridden use the built-in templates


def test_unknown_template_role_is_a_config_error(tmp_path: Path) -> None:
    proj = project(tmp_path, {}, {"section-indx": "x.j2"})
    with pytest.raises(ConfigError, match=r"unknown template role 'section-indx'; did you mean \"section-index\"\?"):
        build(load_config(proj / "pyproject.toml"))


def test_missing_templates_folder_is_a_config_error(tmp_path: Path) -> None:
    proj = project(tmp_path, {})
    shutil.rmtree(proj / "tpl")
    with pytest.raises(ConfigError, match="templates folder .* does not exist"):
        build(load_config(proj / "pyproject.toml"))


# ----------------------------------------------------------- markers and --check


def test_readme_without_markers_is_reported_not_overwritten(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    readme = root / "Beta" / "README.md"
    readme.write_text(re.sub(r"<!-- corpus:index:[^\n]*-->\n", "", readme.read_text(encoding="utf-8")),
                      encoding="utf-8")
    before = readme.read_bytes()
    stat = readme.stat()
    code, _out, err = run("build-index", str(root))
    assert code == 0
    assert "Beta/README.md: no index markers; left unchanged" in err
    assert readme.read_bytes() == before and readme.stat().st_ino == stat.st_ino
    codes = [d.code for d in Checker(config_for(root), ["IDX007"]).check_paths([root]).diagnostics]
    assert codes == ["IDX007"]


def test_malformed_markers_fail_and_write_nothing(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    readme = root / "Alpha" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("<!-- corpus:index:end graph -->\n", ""),
                      encoding="utf-8")
    before = readme.read_bytes()
    code, _out, err = run("build-index", str(root))
    assert code == 1
    assert 'block "graph" is never closed' in err
    assert readme.read_bytes() == before


def test_check_fails_with_a_diff_naming_the_note(tmp_path: Path) -> None:
    root = copy_corpus(tmp_path)
    build_files(root)
    assert run("build-index", str(root), "--check")[0] == 0
    note = root / "Alpha" / "02_second.md"
    note.write_text(note.read_text(encoding="utf-8").replace('title: "Second → Two"', 'title: "Second, renamed"'),
                    encoding="utf-8")
    snapshot = {rel: (root / rel).read_bytes() for rel in READMES}
    code, out, err = run("build-index", str(root), "--check")
    assert code == 1
    assert "Alpha/README.md: index is out of date" in err
    assert re.search(r"^--- a/.*Alpha/README\.md$", out, re.M)
    assert re.search(r"^\+### 02\. \[Second, renamed\]\(\./02_second\.md\)$", out, re.M)
    assert re.search(r"^-### 02\. \[Second → Two\]\(\./02_second\.md\)$", out, re.M)
    assert {rel: (root / rel).read_bytes() for rel in READMES} == snapshot  # --check writes nothing
    code, out, _err = run("build-index", str(root), "--diff")
    assert code == 0 and "+### 02. [Second, renamed]" in out
    assert {rel: (root / rel).read_bytes() for rel in READMES} == snapshot  # --diff writes nothing
    build_files(root)
    assert run("build-index", str(root), "--check")[0] == 0


def test_check_and_fix_agree_with_build(tmp_path: Path) -> None:
    # `corpus fix` applies IDX001's fix: the same bytes build-index writes.
    root = copy_corpus(tmp_path)
    other = copy_corpus(tmp_path / "other")
    build_files(other)
    diagnostics = Checker(config_for(root), ["IDX001"]).check_paths([root]).diagnostics
    assert sorted({d.path.rsplit("corpus/", 1)[-1] for d in diagnostics}) == sorted(READMES)
    from pipeline.corpus import discover
    from pipeline.fixer import fix_loaded, write_atomic

    checker = Checker(config_for(root), ["IDX001"])
    files, _ = discover([root], checker.config, checker.corpus)
    for sf in files:
        outcome = fix_loaded(checker, checker.load(sf), unsafe=False)
        assert outcome.error is None
        if outcome.changed and outcome.new_data is not None:
            write_atomic(sf.abspath, outcome.new_data, checker.load(sf).digest)
    for rel in READMES:
        assert (root / rel).read_bytes() == (other / rel).read_bytes(), rel


def test_marker_in_code_block_is_text() -> None:
    text = "# t\n\n```markdown\n<!-- corpus:index:start -->\n```\n"
    scan = scan_markers(parse(text, "README.md", doc_type="index"))
    assert not scan.has_markers and not scan.problems


def test_cwd_does_not_matter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_corpus(tmp_path)
    monkeypatch.chdir(root / "Alpha")
    build_files(Path(os.path.relpath(root)))
    for rel in READMES:
        assert (root / rel).read_bytes() == (INDEX / "expected" / rel).read_bytes(), rel


_ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "readme",
    sorted(p.relative_to(_ROOT).as_posix() for p in (_ROOT / "corpus").rglob("README.md"))
    + sorted(p.relative_to(_ROOT).as_posix() for p in (FIXTURES / "index").rglob("README.md")),
)
def test_light_index_keeps_every_entry(readme: str) -> None:
    # The cross-file phase holds index READMEs light: their tokens are cut to
    # the entries, and entry_targets must read the same listing from them.
    from pipeline.document import lighten, parse
    from pipeline.index import entry_targets

    doc = parse((_ROOT / readme).read_text(encoding="utf-8"), readme, doc_type="index")
    light = lighten(doc)
    assert len(light.tokens) < len(doc.tokens)
    folder = os.path.dirname(readme)
    assert entry_targets(doc.tokens, folder) or "/corpus/" in readme  # a fixture before build-index may list none
    last = doc.line_count
    for first, stop in ((1, 10**9), (1, last // 2), (last // 3, last)):
        assert entry_targets(light.tokens, folder, first, stop) == entry_targets(doc.tokens, folder, first, stop)
    assert light.text == doc.text
