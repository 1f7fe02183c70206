"""[tool.corpus]: validation, the messages of a bad table, and the memo that
lets a run skip pydantic when the table was validated before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Config, LinkSettings, Settings, load_config
from pipeline.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def _load(tmp_path: Path, table: str, memo: bool = False) -> Config:
    (tmp_path / "pyproject.toml").write_text(f"[tool.corpus]\n{table}\n", encoding="utf-8")
    return load_config(tmp_path / "pyproject.toml", memo=memo)


def test_defaults_and_both_spellings_of_a_key(tmp_path: Path) -> None:
    assert _load(tmp_path, "").settings == Settings()
    hyphen = _load(tmp_path, 'max-file-size = 5\n[tool.corpus.links]\ncache-hours = 1.5\nignore-urls = ["^x"]')
    underscore = _load(tmp_path, 'max_file_size = 5\n[tool.corpus.links]\ncache_hours = 1.5\nignore_urls = ["^x"]')
    assert hyphen.settings == underscore.settings
    assert hyphen.settings.max_file_size == 5
    assert hyphen.settings.links == LinkSettings(cache_hours=1.5, ignore_urls=["^x"])


def test_sections_are_validated_into_requirements(tmp_path: Path) -> None:
    config = _load(tmp_path, '[[tool.corpus.sections.paper]]\nname = "公式"\ntitles = ["公式"]\nholds = "math"\n'
                             "min-rows = 3")
    (req,) = config.settings.sections["paper"]
    assert (req.name, req.holds, req.min_rows, req.min_columns, req.exclude_titles) == ("公式", "math", 3, 2, [])


@pytest.mark.parametrize(("table", "message"), [
    ("tilte = 1", "unknown key 'tilte'"),
    ("[tool.corpus.links]\ncache-hour = 3", "unknown key 'links.cache-hour'; did you mean 'cache-hours'?"),
    ('[[tool.corpus.sections.note]]\nname = "x"\ntitles = ["x"]\nholds = "math"\nmin-row = 3',
     "unknown key 'sections.note.0.min-row'; did you mean 'min-rows'?"),
    ("per-file-ignore = {}", "unknown key 'per-file-ignore'; did you mean 'per-file-ignores'?"),
    ('select = ["bad"]', "select: 'bad' is not a rule code or prefix"),
    ("max-file-size = -1", "max-file-size: Input should be greater than 0"),
    ('severity = {LNK001 = "fatal"}', "severity.LNK001: Input should be 'error' or 'warning'"),
    ('[[tool.corpus.sections.note]]\nname = "x"\ntitles = ["x"]\nholds = "prose"', "sections.note.0.holds"),
    ('[tool.corpus.links]\nignore-urls = ["("]', "links.ignore-urls: '(' is not a regular expression"),
    ("[tool.corpus.links]\nconcurrency = 0", "links.concurrency: Input should be greater than or equal to 1"),
])
def test_a_bad_table_names_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, table)
    assert message in str(info.value)
    assert str(tmp_path / "pyproject.toml") in str(info.value)


def test_the_fingerprint_follows_the_settings(tmp_path: Path) -> None:
    a = _load(tmp_path, 'lang = "zh-cn"').fingerprint
    assert _load(tmp_path, "").fingerprint == a  # the default, written out
    assert _load(tmp_path, 'lang = "en"').fingerprint != a


def test_the_memo_returns_what_validation_returned(tmp_path: Path) -> None:
    table = 'root = "notes"\n[tool.corpus.links]\ncache-hours = 2'
    first = _load(tmp_path, table, memo=True)
    assert (tmp_path / ".corpus_cache" / "settings.pickle").is_file()
    again = _load(tmp_path, table, memo=True)
    assert again.settings == first.settings and again.fingerprint == first.fingerprint
    # Another table is validated again, not read from the memo...
    assert _load(tmp_path, 'root = "other"', memo=True).settings.root == "other"
    with pytest.raises(ConfigError, match="unknown key 'tilte'"):
        _load(tmp_path, "tilte = 1", memo=True)
    # ...and a memo that cannot be read is ignored.
    (tmp_path / ".corpus_cache" / "settings.pickle").write_bytes(b"\x80\x05not a pickle")
    assert _load(tmp_path, table, memo=True).settings == first.settings


def test_a_memoised_check_imports_neither_pydantic_nor_its_constraints(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\nselect = ["SEC001"]\n', encoding="utf-8")
    (tmp_path / "a.md").write_text("# 甲\n\n正文。\n", encoding="utf-8")
    probe = ("import sys\nfrom pipeline.cli import main\n"
             "try:\n    main(['check', '.'])\nexcept SystemExit:\n    pass\n"
             "print('pydantic' in sys.modules or 'annotated_types' in sys.modules)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                           check=True).stdout.split()[-1] for _ in range(2)]
    # The first run validates the table (and may need pydantic for the notes);
    # the second finds the table and the note in the cache.
    assert runs[1] == "False"
