"""The fix engine: edits, the fixed-point loop, and safe writes."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import Config, Settings
from pipeline.diagnostics import Edit
from pipeline.fixer import WriteError, apply_edits, fix_loaded, write_atomic
from pipeline.loader import read_document
from pipeline.runner import Checker


def test_apply_edits_bottom_up_and_skips_overlaps() -> None:
    text = "abcdef"
    out, skipped = apply_edits(text, [Edit(0, 1, "X"), Edit(2, 4, "YY"), Edit(3, 5, "Z")])
    assert out == "XbYYef"
    assert skipped == [Edit(3, 5, "Z")]


@given(st.text(max_size=50), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.text(max_size=3)), max_size=5))
def test_apply_edits_never_raises(text: str, raw: list[tuple[int, int, str]]) -> None:
    edits = [Edit(min(a, b), max(a, b), r) for a, b, r in raw]
    out, skipped = apply_edits(text, edits)
    assert isinstance(out, str)
    assert len(skipped) <= len(edits)


def _checker(tmp: Path) -> Checker:
    return Checker(Config(Settings(root="."), tmp, None))


def test_bom_fix_keeps_crlf_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_bytes(b"\xef\xbb\xbf# \xe6\xa0\x87\xe9\xa2\x98\r\n\r\nbody\r\n")
    os.chmod(path, 0o640)
    checker = _checker(tmp_path)
    loaded = read_document(path, "note.md", max_size=10**6, doc_type="note")
    outcome = fix_loaded(checker, loaded, unsafe=False)
    assert outcome.changed and outcome.new_data == "# 标题\r\n\r\nbody\r\n".encode()
    write_atomic(path, outcome.new_data, loaded.digest)
    assert path.read_bytes() == outcome.new_data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    again = fix_loaded(checker, read_document(path, "note.md", max_size=10**6, doc_type="note"), unsafe=False)
    assert not again.changed


def test_gb18030_file_is_reencoded_exactly(tmp_path: Path) -> None:
    text = "# 归一化\n\nRMSNorm 只做缩放。\n"
    path = tmp_path / "gb.md"
    path.write_bytes(text.encode("gb18030"))
    checker = _checker(tmp_path)
    loaded = read_document(path, "gb.md", max_size=10**6, doc_type="note")
    outcome = fix_loaded(checker, loaded, unsafe=False)
    assert outcome.new_data == text.encode("utf-8")


def test_write_refuses_when_file_changed_since_read(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"old")
    digest = hashlib.sha256(b"old").hexdigest()
    path.write_bytes(b"edited by someone else")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomic(path, b"new", digest)
    assert path.read_bytes() == b"edited by someone else"


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False,
                    reason="root can write read-only files")
def test_write_refuses_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"old")
    os.chmod(path, 0o444)
    with pytest.raises(WriteError, match="read-only"):
        write_atomic(path, b"new", hashlib.sha256(b"old").hexdigest())


def test_write_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "n.md"
    path.write_bytes(b"old")
    write_atomic(path, b"new", hashlib.sha256(b"old").hexdigest())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]
