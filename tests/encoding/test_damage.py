"""The damage functions reproduce what users' notes actually went through."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.encoding import damage as dmg
from pipeline.encoding import find_damage, repair_text
from pipeline.encoding._codepages import REVERSE

from .fixtures import expected_files

_ROOT = Path(__file__).resolve().parents[2]
# shared/ sits beside the checkout (CI clones main next to it), or inside it.
SEED = next(
    (
        base / "shared" / "seeds" / "003_309b327404a195a0.txt"
        for base in (_ROOT.parent, _ROOT)
        if (base / "shared" / "seeds" / "003_309b327404a195a0.txt").exists()
    ),
    _ROOT.parent / "shared" / "seeds" / "003_309b327404a195a0.txt",
)
SEED_TITLE = 'title: "å¤šæ¨¡æ€ LLM æ¶æ„å…¨æ™¯"'


def _seed() -> str:
    if not SEED.exists():
        pytest.skip("seed 003 is in the shared folder, not in this checkout")
    return SEED.read_text(encoding="utf-8")


def test_seed_title_is_the_seed_style_damage_of_the_real_title() -> None:
    assert f'title: "{dmg.seed_style("多模态 LLM 架构全景")}"' == SEED_TITLE


def test_seed_title_line_matches_the_file() -> None:
    assert _seed().splitlines()[1] == SEED_TITLE


def test_damaging_the_repaired_seed_gives_the_seed_back() -> None:
    # Every character our repair chose, damaged the seed's way, lands on the
    # seed's own bytes: the damage function is the process that made seed 003.
    seed = _seed()
    assert dmg.seed_style(repair_text(seed)) == seed


def test_a_clean_paragraph_damaged_looks_like_the_seed() -> None:
    paragraph = "视觉编码器：提取视觉特征的「眼睛」，投影层对齐视觉-语言空间。"
    damaged = dmg.seed_style(paragraph)
    # Made only of characters the seed itself is made of, and no C1 controls
    # or soft hyphens (the seed's editor dropped those).
    assert set(damaged) <= set(_seed())
    assert all(c in REVERSE or c.isascii() for c in damaged)
    assert not any("\x80" <= c <= "\x9f" or c == "\u00ad" for c in damaged)
    assert len(damaged.encode("cp1254")) < len(paragraph.encode())  # bytes were lost
    assert damaged.startswith("è§†è§‰ç¼–ç")


def test_lossless_kinds_are_lossless() -> None:
    text = "态思中与不 ”“ 📝"
    assert dmg.latin1(text).encode("latin-1") == text.encode()
    assert "\x81" in dmg.cp1252_c1("态")
    assert dmg.cp1252_c1(text).encode("latin-1", "ignore")  # sanity: still single-byte text


def test_partial_damages_only_every_other_paragraph() -> None:
    text = "第一段。\n\n第二段。\n\n第三段。"
    out = dmg.partial(text).split("\n\n")
    assert out[0] == "第一段。" and out[2] == "第三段。"
    assert out[1] == dmg.seed_style("第二段。")


def test_double_is_two_layers() -> None:
    assert dmg.double("中文") == dmg.cp1252_lossy(dmg.seed_style("中文"))


def test_gbk_read_marks_unpaired_bytes() -> None:
    assert dmg.gbk_read("参数") == "鍙傛暟"
    assert "\ufffd" in dmg.gbk_read("和 B")


def test_stored_damaged_fixtures_are_current() -> None:
    for path, data in expected_files().items():
        assert path.read_bytes() == data, f"regenerate with python -m tests.encoding.fixtures: {path.name}"


def test_damage_produces_findable_damage() -> None:
    for func in (dmg.seed_style, dmg.cp1252_lossy, dmg.latin1, dmg.cp1252_c1, dmg.gbk_read, dmg.double):
        assert find_damage(func("多模态大模型的注意力机制")), func.__name__
