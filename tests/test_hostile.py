"""The catalogue of hostile inputs: each test is one row of the table in
docs/robustness.md (input -> what corpus does -> code).

Users run corpus from hooks on every commit: a crash blocks their work and a
bad write loses it.  So every input here must give findings, never an
exception, and a fix must leave every file either as it was or fully fixed.
Big and strange files are made in tmp_path at test time; none is in git.
Nothing here measures time: subprocess timeouts are only safety nets so a
regression fails instead of hanging.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from pipeline import document as document_module
from pipeline.cli import cli
from pipeline.config import Config, Settings
from pipeline.document import MAX_YAML_DEPTH, parse
from pipeline.fixer import WriteError, fix_loaded, write_atomic
from pipeline.loader import read_document
from pipeline.runner import Checker

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
BOM_NOTE = "\ufeff# 标题\n\n正文。\n".encode()
FIXED_NOTE = "# 标题\n\n正文。\n".encode()
SAFETY_NET = 300  # seconds; only ever reached by a hang
# The rules these tests are about: how a file is read (ENC) and parsed (FM001-
# FM004, SEC001-SEC004).  Schema, section, link and language rules would add
# findings to every minimal note here; tests/test_properties.py runs them all.
SELECT = ["ENC", "FM001", "FM002", "FM003", "FM004", "SEC001", "SEC002", "SEC003", "SEC004"]


# ------------------------------------------------------------------------ helpers


def checker(root: Path, **settings: object) -> Checker:
    return Checker(Config(Settings(root=".", **settings), root, None), SELECT)  # type: ignore[arg-type]


def findings(root: Path, *paths: Path, **settings: object) -> list[tuple[str, int, int, str, str]]:
    """(path relative to root, line, column, code, message) for a check of ``paths`` (default: the root)."""
    result = checker(root, **settings).check_paths(list(paths) or [root])
    out = []
    for d in result.diagnostics:
        rel = Path(os.path.relpath(Path.cwd() / d.path, root)).as_posix()
        out.append((rel, d.line, d.column, d.code, d.message))
    return out


def codes(root: Path, *paths: Path, **settings: object) -> list[tuple[str, str]]:
    return [(f[0], f[3]) for f in findings(root, *paths, **settings)]


def write_config(root: Path) -> None:
    select = ", ".join(f'"{code}"' for code in SELECT)
    (root / "pyproject.toml").write_text(f'[tool.corpus]\nroot = "."\nselect = [{select}]\n', encoding="utf-8")


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def python(code: str, *args: str, cwd: Path | None = None, timeout: float = SAFETY_NET) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- files and bytes


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    assert findings(tmp_path) == []


def test_bom_only_and_whitespace_only_files(tmp_path: Path) -> None:
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf")
    (tmp_path / "blank.md").write_bytes(b" \r\n\t\n\r")
    assert codes(tmp_path) == [("bom.md", "ENC005")]


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"%PDF-1.7\n", b"abc\x00\x00def\x00" * 10,
                                  bytes(range(256))], ids=["png", "pdf", "nul", "all-bytes"])
def test_binary_file_named_md(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "image.md").write_bytes(data)
    assert findings(tmp_path) == [("image.md", 1, 1, "ENC002",
                                   "binary file, not Markdown text: move it out of the notes or rename it")]


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"# t\n" + b"x" * 2000)
    (tmp_path / "small.md").write_bytes(b"# t\n")
    found = findings(tmp_path, max_file_size=1000)
    assert [(f[0], f[3]) for f in found] == [("big.md", "ENC003")]
    assert "over the limit of 1,000 (max-file-size); skipped" in found[0][4]


def test_100_mb_file_is_skipped_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with open(path, "wb") as fh:  # sparse: no 100 MB are written, none are read
        fh.truncate(100 * 1024 * 1024)
    assert codes(tmp_path) == [("huge.md", "ENC003")]


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs procfs")
def test_read_is_capped_when_the_size_lies(tmp_path: Path) -> None:
    # procfs files say they are empty and are not: the read itself must stop.
    loaded = read_document(Path("/proc/self/status"), "status.md", max_size=10, doc_type="note")
    assert [code for code, _ in loaded.problems] == ["ENC003"] and loaded.document is None


def test_line_of_10_mb(tmp_path: Path) -> None:
    line = b"a" * (10 * 1024 * 1024)
    (tmp_path / "line.md").write_bytes(line)
    assert codes(tmp_path) == [("line.md", "ENC003")]  # over the default 10 MB limit
    assert findings(tmp_path, max_file_size=11 * 1024 * 1024) == []  # and read fine when allowed


def test_invalid_utf8_in_the_middle(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_bytes("# 标题\n\n正文一段比较长的中文内容，用来测试编码检测。".encode() + b"\xff"
                                      + " 后文还有一些中文。\n# 二\n".encode())
    assert [f[:4] for f in findings(tmp_path)] == [("bad.md", 3, 23, "ENC006"), ("bad.md", 3, 23, "ENC008"),
                                                   ("bad.md", 4, 1, "SEC002")]


def test_fix_never_writes_a_file_it_could_not_decode(tmp_path: Path) -> None:
    # Short UTF-8 Chinese with two stray bytes: the detector's best guess is a
    # Cyrillic code page. Re-encoding that guess as UTF-8 turned every hanzi
    # into permanent mojibake (and then "All checks passed").
    write_config(tmp_path)
    data = "\ufeff# 标题\n\n正文 ".encode() + b"\xff\xfe" + " 后文\n# 二\n".encode()
    (tmp_path / "bad.md").write_bytes(data)
    code, _out, err = run_cli(["fix", "."], tmp_path)
    assert code == 1
    assert "bad.md: not fixed: its bytes could not be decoded with certainty (ENC006)" in err
    assert (tmp_path / "bad.md").read_bytes() == data


def test_invalid_utf8_position_with_old_mac_line_endings(tmp_path: Path) -> None:
    (tmp_path / "cr.md").write_bytes(b"a\rbc\r\xff")
    loaded = read_document(tmp_path / "cr.md", "cr.md", max_size=10**6, doc_type="note")
    assert loaded.problems[0][1].line == 3 and loaded.problems[0][1].column == 1


def test_tabs_crlf_and_mixed_line_endings(tmp_path: Path) -> None:
    (tmp_path / "mixed.md").write_bytes(b"# a\r\n\tcode\r\rtext\n# b\r\n")
    assert [f[:4] for f in findings(tmp_path)] == [("mixed.md", 5, 1, "SEC002")]


def test_fix_keeps_crlf_and_mixed_line_endings(tmp_path: Path) -> None:
    write_config(tmp_path)
    data = b"\xef\xbb\xbf# a\r\nx\ry\n"
    (tmp_path / "n.md").write_bytes(data)
    code, _out, _err = run_cli(["fix", "."], tmp_path)
    assert code == 0
    assert (tmp_path / "n.md").read_bytes() == data[3:]


# ------------------------------------------------------------------------ nesting


@pytest.mark.parametrize("text", [
    "> " * 10_000 + "x\n",
    "- " * 10_000 + "x\n",
    "1. " * 10_000 + "x\n",
    "".join("  " * i + "- x\n" for i in range(300)),
    ">" * 10_000 + " x\n",
    "[" * 10_000 + "x" + "]" * 10_000 + "(y)\n",
    "*" * 10_000 + "x" + "*" * 10_000 + "\n",
    "<div>\n" * 10_000,
    "".join("#" * (i % 6 + 1) + f" h{i}\n" for i in range(10_000)),
], ids=["blockquotes", "lists", "ordered-lists", "indented-lists", "quote-markers", "brackets", "emphasis", "html",
        "headings"])
def test_deep_nesting(tmp_path: Path, text: str) -> None:
    (tmp_path / "deep.md").write_text(text, encoding="utf-8")
    findings(tmp_path)  # completes: no RecursionError anywhere


def test_own_code_needs_no_recursion_depth(tmp_path: Path) -> None:
    # The builder, the section tree and the YAML walk are iterative or bounded
    # by 6 heading levels: they run under a tiny recursion limit.
    text = "".join("#" * (i % 6 + 1) + f" h{i}\n" for i in range(2000))
    front = "---\n" + "a: &a [1]\n" + "".join(f"a{i}: &a{i} [*a{'' if i == 1 else i - 1}]\n" for i in range(1, 60))
    doc = parse(front + "---\n" + text)
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(150, len(__import__("inspect").stack()) + 60))
        document_module._section_tree(list(doc.headings), doc.line_count)
        document_module._expanded_size(__import__("yaml").compose(front[4:], Loader=document_module._Loader))
    finally:
        sys.setrecursionlimit(old)


# ---------------------------------------------------------------------- YAML


def fm(root: Path, yaml_text: str) -> list[tuple[int, int, str, str]]:
    (root / "n.md").write_text(f"---\n{yaml_text}\n---\n# t\n", encoding="utf-8")
    return [(f[1], f[2], f[3], f[4]) for f in findings(root)]


def test_invalid_yaml(tmp_path: Path) -> None:
    found = fm(tmp_path, 'title: "x\ntags: [a')
    assert [(line, code) for line, _c, code, _m in found] == [(3, "FM001")]
    assert found[0][3].startswith("invalid YAML: ")


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    lines = ["a: &a [" + ",".join(["x"] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")  # 9^9 values once expanded
    found = fm(tmp_path, "\n".join(lines))
    assert found == [(2, 1, "FM001", "front-matter was not read: it expands to more than 100000 values "
                                     "through YAML aliases")]


def test_yaml_alias_cycle(tmp_path: Path) -> None:
    found = fm(tmp_path, "a: &a [*a]")
    assert [(code, "cycle" in msg) for _l, _c, code, msg in found] == [("FM001", True)]


def test_duplicate_yaml_keys(tmp_path: Path) -> None:
    assert fm(tmp_path, "title: a\ntitle: b") == [(3, 1, "FM003", 'duplicate key "title" (first at line 2)')]


@pytest.mark.parametrize("yaml_text,kind", [("- a\n- b", "a list"), ("just text", "a scalar"), ("42", "a scalar")])
def test_front_matter_that_is_not_a_mapping(tmp_path: Path, yaml_text: str, kind: str) -> None:
    assert fm(tmp_path, yaml_text) == [(2, 1, "FM002", f"front-matter is {kind}, not a mapping of keys to values")]


@pytest.mark.parametrize("yaml_text", [
    "a: " + "[" * 100_000 + "]" * 100_000,
    "a: " + "{b: " * 50_000 + "}" * 50_000,
    "- " * 100_000 + "x",
    "a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)),
], ids=["flow-sequences", "flow-mappings", "block-sequences", "block-mappings"])
def test_deeply_nested_yaml(tmp_path: Path, yaml_text: str) -> None:
    # In a subprocess: libyaml's composer recursed in C and crashed the whole
    # interpreter (SIGSEGV) on ~40,000 levels; a regression must fail, not kill pytest.
    (tmp_path / "n.md").write_text(f"---\n{yaml_text}\n---\n# t\n", encoding="utf-8")
    proc = python(textwrap.dedent("""
        import sys
        from pathlib import Path
        from pipeline.config import Config, Settings
        from pipeline.runner import Checker
        root = Path(sys.argv[1])
        for d in Checker(Config(Settings(root="."), root, None), sys.argv[2:]).check_paths([root]).diagnostics:
            print(d.line, d.code, d.message)
    """), str(tmp_path), *SELECT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split(" ", 2)[1] == "FM001"
    assert f"nests deeper than {MAX_YAML_DEPTH} levels" in proc.stdout


def test_yaml_at_the_depth_limit_is_read(tmp_path: Path) -> None:
    inner = MAX_YAML_DEPTH - 1  # sequences inside the top-level mapping
    assert fm(tmp_path, "a: " + "[" * inner + "x" + "]" * inner) == []
    alias = "b: &b " + "[" * (inner - 1) + "x" + "]" * (inner - 1) + "\na: [*b]"
    assert fm(tmp_path, alias) == []
    assert [f[2] for f in fm(tmp_path, "a: " + "[" * (inner + 1) + "]" * (inner + 1))] == ["FM001"]
    deeper = "b: &b " + "[" * inner + "x" + "]" * inner + "\na: [*b]"  # 64 in the text, 65 through the alias
    assert [f[3] for f in fm(tmp_path, deeper)] == [f"front-matter was not read: it nests deeper than "
                                                    f"{MAX_YAML_DEPTH} levels through YAML aliases"]


# --------------------------------------------------------------- paths and links


def test_unreadable_file_by_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.md"
    path.write_bytes(b"# t\n")
    if IS_ROOT:  # root reads anything: make the open fail as it does for a user
        real_open = os.open

        def deny(p: object, *args: object, **kwargs: object) -> int:
            if Path(str(p)) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(p))
            return real_open(p, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", deny)
    else:
        path.chmod(0)
    try:
        assert findings(tmp_path) == [("secret.md", 1, 1, "ENC001", "permission denied: cannot read the file")]
    finally:
        path.chmod(0o644)


def test_read_only_file_during_fix(tmp_path: Path) -> None:
    write_config(tmp_path)
    path = tmp_path / "n.md"
    path.write_bytes(BOM_NOTE)
    path.chmod(0o444)
    try:
        code, _out, err = run_cli(["fix", "."], tmp_path)
        assert code == 1
        assert "n.md: file is read-only; not written" in err
        assert path.read_bytes() == BOM_NOTE  # even as root
    finally:
        path.chmod(0o644)


def test_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / "self.md").symlink_to("self.md")
    (tmp_path / "a.md").symlink_to("b.md")
    (tmp_path / "b.md").symlink_to("a.md")
    expected = "symbolic link loop: the link points back to itself"
    assert findings(tmp_path) == [(name, 1, 1, "ENC001", expected) for name in ("a.md", "b.md", "self.md")]
    assert findings(tmp_path, tmp_path / "self.md") == [("self.md", 1, 1, "ENC001", expected)]
    code, _out, err = run_cli(["check", "self.md"], tmp_path)
    assert code == 1 and "Traceback" not in err


def test_symlinked_folder_loop_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "sub" / "n.md").write_bytes(b"# t\n")
    assert findings(tmp_path) == []


def test_symlink_outside_the_root_is_not_followed_by_default(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_bytes(b"# a\n# b\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.md").symlink_to(outside / "x.md")
    assert findings(root) == []
    assert codes(root, follow_external_symlinks=True) == [("link.md", "SEC002")]


def test_symlink_is_written_through_not_replaced(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "real.md").write_bytes(BOM_NOTE)
    (tmp_path / "link.md").symlink_to("real.md")
    code, _out, _err = run_cli(["fix", "link.md"], tmp_path)
    assert code == 0
    assert (tmp_path / "link.md").is_symlink()
    assert (tmp_path / "real.md").read_bytes() == FIXED_NOTE


@pytest.mark.parametrize("name", ["with space.md", "中文笔记.md", unicodedata.normalize("NFD", "café résumé.md"),
                                  "#hash&amp;.md", "-leading-dash.md"])
def test_unusual_file_names(tmp_path: Path, name: str) -> None:
    write_config(tmp_path)
    (tmp_path / name).write_bytes(BOM_NOTE)
    assert codes(tmp_path) == [(name, "ENC005")]
    code, _out, _err = run_cli(["fix", "--", name], tmp_path)
    assert code == 0
    assert (tmp_path / name).read_bytes() == FIXED_NOTE
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "pyproject.toml"])


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="file names must be valid Unicode there")
def test_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    try:
        with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.md"), "wb") as fh:
            fh.write(BOM_NOTE)
    except OSError:
        pytest.skip("the file system refuses undecodable names")
    write_config(tmp_path)
    proc = python("import sys; from pipeline.cli import main; sys.exit(main(['check', '.']))", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ENC005" in proc.stdout and "Traceback" not in proc.stderr
    proc = python("import sys; from pipeline.cli import main; sys.exit(main(['fix', '.']))", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.md"), "rb") as fh:
        assert fh.read() == FIXED_NOTE


def test_terminal_that_cannot_show_the_text(tmp_path: Path) -> None:
    # A Latin-1 or GBK console and a heading it cannot encode: escaped, not exit 3.
    (tmp_path / "n.md").write_text("# 一\n# 二 \U0001f600\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="latin-1")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "check", "."], cwd=tmp_path, env=env,
                          capture_output=True, timeout=SAFETY_NET)
    assert proc.returncode == 1, proc.stderr
    assert b'SEC002 second level-1 heading "\\u4e8c \\U0001f600"' in proc.stdout


def test_folder_named_like_a_note(tmp_path: Path) -> None:
    (tmp_path / "x.md").mkdir()
    (tmp_path / "x.md" / "inner.md").write_bytes(b"# t\n")
    assert findings(tmp_path) == [("x.md", 1, 1, "ENC001",
                                   "is a folder, not a file: rename it so it does not end in .md")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_named_like_a_note(tmp_path: Path) -> None:
    # In a subprocess: opening a pipe for reading used to wait forever for a writer.
    os.mkfifo(tmp_path / "pipe.md")
    proc = python("import sys; from pipeline.cli import main; sys.exit(main(['check', sys.argv[1]]))",
                  str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "pipe.md:1:1: ENC001 is not a regular file (a named pipe, socket or device)" in proc.stdout


def test_missing_path_on_the_command_line(tmp_path: Path) -> None:
    code, out, err = run_cli(["check", "nope.md"], tmp_path)
    assert code == 1 and "nope.md:1:1: ENC001 no such file or folder" in out and "Traceback" not in err


# ------------------------------------------------------------------------ writes


def test_file_changed_between_read_and_write_is_not_overwritten(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path)
    path = tmp_path / "n.md"
    path.write_bytes(BOM_NOTE)
    import pipeline.fixer as fixer

    real = fixer.fix_loaded

    def edit_meanwhile(*args: object, **kwargs: object) -> object:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        path.write_bytes(b"# typed by the user meanwhile\n")
        return outcome

    monkeypatch.setattr(fixer, "fix_loaded", edit_meanwhile)
    code, _out, err = run_cli(["fix", "."], tmp_path)
    assert code == 1
    assert "n.md: file changed on disk since it was read; not overwritten (run fix again)" in err
    assert path.read_bytes() == b"# typed by the user meanwhile\n"


def test_write_failure_is_reported_and_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(BOM_NOTE)

    def disk_full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(WriteError, match="No space left on device"):
        write_atomic(path, FIXED_NOTE, digest(BOM_NOTE))
    assert path.read_bytes() == BOM_NOTE
    assert [p.name for p in tmp_path.iterdir()] == ["n.md"]


def test_fix_of_a_note_with_every_hostile_feature_converges(tmp_path: Path) -> None:
    text = ("\ufeff\ufeff---\ntitle: a\ntitle: b\n---\r\n# 标题\r\n```\n$$x$$ [[a]] \ufeff\n```\n"
            "<!-- corpus: disable-next-line NOPE -->\n# 二\r")
    path = tmp_path / "n.md"
    path.write_bytes(text.encode("utf-16"))
    loaded = read_document(path, "n.md", max_size=10**6, doc_type="note")
    outcome = fix_loaded(checker(tmp_path), loaded, unsafe=True)
    assert outcome.error is None and outcome.new_text == text.lstrip("\ufeff")
    path.write_bytes(outcome.new_data or b"")
    again = fix_loaded(checker(tmp_path), read_document(path, "n.md", max_size=10**6, doc_type="note"), unsafe=True)
    assert not again.changed


# ------------------------------------------------------------------------ signals

_INTERRUPT_WRITES = textwrap.dedent("""
    # Deliver SIGINT to ourselves while the 7th file is being written (between
    # the temporary file's creation and the rename): the worst moment.
    import os, signal, sys
    from pipeline.cli import main
    real_fsync, calls = os.fsync, []
    def fsync(fd):
        calls.append(fd)
        if len(calls) == 7:
            os.kill(os.getpid(), signal.SIGINT)
        real_fsync(fd)
    os.fsync = fsync
    sys.exit(main(["fix", sys.argv[1]]))
""")


def _many_notes(folder: Path, count: int) -> dict[Path, bytes]:
    write_config(folder)
    notes = {}
    for i in range(count):
        path = folder / f"note-{i:03d}.md"
        data = BOM_NOTE + f"第 {i} 篇\n".encode() * 50
        path.write_bytes(data)
        notes[path] = data
    return notes


def _assert_old_or_new(folder: Path, notes: dict[Path, bytes]) -> int:
    fixed = 0
    for path, old in notes.items():
        now = path.read_bytes()
        assert now in (old, old[3:]), path.name  # never half-written
        fixed += now != old
    leftovers = sorted(p.name for p in folder.iterdir() if p not in notes and p.name != "pyproject.toml")
    assert leftovers == []  # no temporary files
    return fixed


def test_sigint_during_a_write(tmp_path: Path) -> None:
    notes = _many_notes(tmp_path, 20)
    proc = python(_INTERRUPT_WRITES, str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "corpus: interrupted\n"
    # The file being written when the signal came is finished first.
    assert _assert_old_or_new(tmp_path, notes) == 7


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="POSIX signals")
def test_sigint_from_outside_mid_way(tmp_path: Path) -> None:
    notes = _many_notes(tmp_path, 300)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "fix", "."], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = next(iter(notes))
    while proc.poll() is None and first.read_bytes() == notes[first]:
        pass  # wait for the first write: the run is then mid-way
    interrupted = proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=SAFETY_NET)
    fixed = _assert_old_or_new(tmp_path, notes)
    if interrupted and fixed < len(notes):
        assert proc.returncode == 130 and err == "corpus: interrupted\n", err
    else:  # the run ended before the signal arrived: nothing to interrupt
        assert proc.returncode in (0, 130), err


# ------------------------------------------------------------------------ regexes


def test_regexes_are_linear() -> None:
    """Every pattern of pipeline/ on 100,000-character repetitive strings
    (fuzz/regex_audit.py).  A super-linear one does not finish: the timeout is
    a safety net that names it, not a measurement."""
    script = ROOT / "fuzz" / "regex_audit.py"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                              timeout=SAFETY_NET)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        last = out.strip().splitlines()[-1] if out.strip() else "?"
        pytest.fail(f"regex did not finish (catastrophic backtracking?): {last}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("done: ")


@pytest.mark.parametrize("text", [
    "[[" * 50_000, "<!-- corpus:" * 20_000, "](" * 50_000, "{#" * 50_000, "<a id=" * 20_000, "<a " * 30_000,
    "# " + "{#" * 50_000, "# {#" + "a" * 100_000, "<!-- corpus: disable" + " " * 100_000,
    "<div>\n" + "<a " * 30_000, "[a][b] " * 20_000 + "\n\n[b]: /x\n", "[a](&#x2F;x) " * 20_000,
    "`[[a]]` " * 20_000, "```\nx\n```\n<!-- corpus: disable FM001 -->\n" * 5_000, "\\[x\\]\n" * 20_000,
    "<http://a.b/c> " * 20_000, "$a$ " * 20_000, "# a\n<!-- corpus: disable-next-line SEC003 -->\n" * 5_000,
], ids=["wiki", "suppress", "dest", "attr", "a-id", "a", "heading-attr", "heading-attr-long", "suppress-spaces",
        "html-block-a", "ref-links", "entity-links", "wiki-in-code", "suppress-code", "texmath", "autolinks",
        "inline-math", "suppressed-findings"])
def test_adversarial_documents_complete(tmp_path: Path, text: str) -> None:
    """The whole check on the strings that were super-linear before (each is
    linear now; a regression shows up as a hang of the suite)."""
    (tmp_path / "n.md").write_text(text, encoding="utf-8")
    findings(tmp_path)


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "n.md").write_bytes(b"# t\n")
    if IS_ROOT:  # root lists anything: make the listing fail as it does for a user
        real_scandir = os.scandir

        def deny(p: object = ".") -> object:
            if Path(str(p)) == locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(p))
            return real_scandir(p)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "scandir", deny)
    else:
        locked.chmod(0)
    try:
        assert findings(tmp_path) == [("locked", 1, 1, "ENC001", "cannot list the folder: Permission denied; "
                                                                  "its notes were not checked")]
    finally:
        locked.chmod(0o755)
