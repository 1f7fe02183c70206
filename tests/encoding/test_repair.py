"""Repair: every kind of damage comes back, clean text never changes."""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path

import pytest

from pipeline.encoding import HIGH_CONFIDENCE, LanguageModel, find_damage, repair_text
from pipeline.encoding import damage as dmg

from .fixtures import TEXT_KINDS, clean_notes, damaged_path, latin_notes
from .test_damage import _seed

# Lossy kinds lose bytes for real: a few characters per note may come back as
# a different candidate. These floors are well under what the benchmark
# measures, so a regression shows without the suite being flaky.
LOSSY_FLOOR = {"gbk": 0.95}  # GBK loses whole bytes in pairs: more guessing
DEFAULT_FLOOR = 0.97


def _restored(original: str, repaired: str) -> float:
    wide = [i for i, c in enumerate(original) if not c.isascii()]
    matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
    kept: set[int] = set()
    for block in matcher.get_matching_blocks():
        kept.update(range(block.a, block.a + block.size))
    return sum(i in kept for i in wide) / max(1, len(wide))


@pytest.mark.parametrize("note", clean_notes(), ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", sorted(TEXT_KINDS))
def test_fixture_repaired(note: Path, kind: str) -> None:
    clean = note.read_text(encoding="utf-8")
    damaged = damaged_path(note, kind).read_text(encoding="utf-8")
    assert damaged != clean
    repaired = repair_text(damaged)
    _, lossless = TEXT_KINDS[kind]
    if lossless:
        assert repaired == clean
    else:
        assert _restored(clean, repaired) >= LOSSY_FLOOR.get(kind, DEFAULT_FLOOR)
        assert find_damage(repaired) == [], "damage left after repair"


@pytest.mark.parametrize("note", [*clean_notes(), *latin_notes()], ids=lambda p: p.stem)
def test_clean_fixtures_untouched(note: Path) -> None:
    text = note.read_text(encoding="utf-8")
    assert find_damage(text) == []
    assert repair_text(text) == text


@pytest.mark.parametrize("note", latin_notes(), ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["latin-1", "cp1252-c1"])
def test_latin_notes_lossless_round_trip(note: Path, kind: str) -> None:
    text = note.read_text(encoding="utf-8")
    func, _ = TEXT_KINDS[kind]
    assert repair_text(func(text)) == text


def test_seed_003_title_and_no_damage_left() -> None:
    repaired = repair_text(_seed())
    assert repaired.splitlines()[1] == 'title: "多模态 LLM 架构全景"'
    assert "# 多模态 LLM 架构全景" in repaired
    assert find_damage(repaired) == []


def test_seed_003_damage_report() -> None:
    damages = find_damage(_seed())
    assert len(damages) > 500
    assert all(d.replacement is not None for d in damages)
    assert sum(d.confidence >= HIGH_CONFIDENCE for d in damages) / len(damages) > 0.7


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        (dmg.seed_style("多模态 LLM 架构全景"), "多模态 LLM 架构全景"),
        (dmg.seed_style("## 1. 通用架构"), "## 1. 通用架构"),
        (dmg.cp1252_lossy("注意力机制"), "注意力机制"),
        (dmg.latin1("café 与 naïve"), "café 与 naïve"),
        (dmg.cp1252_c1("态思"), "态思"),
        (dmg.gbk_read("参数量"), "参数量"),
        (dmg.double("视觉编码器"), "视觉编码器"),
        (dmg.seed_style("“看懂”图片"), "“看懂”图片"),
    ],
    ids=["seed-title", "heading", "cp1252", "latin-1", "c1", "gbk", "double", "quotes"],
)
def test_small_cases(damaged: str, expected: str) -> None:
    assert repair_text(damaged) == expected


def test_partial_damage_spans_stay_in_damaged_paragraphs() -> None:
    clean = "干净的段落，含有 “引号” 和 é。\n\n多模态模型的视觉编码器。\n\n另一段干净文字 ©。"
    damaged = dmg.partial(clean)
    damages = find_damage(damaged)
    middle = damaged.index("\n\n") + 2, damaged.rindex("\n\n")
    assert damages and all(middle[0] <= d.start and d.end <= middle[1] for d in damages)
    assert repair_text(damaged) == clean


def test_spans_cover_only_damaged_characters() -> None:
    text = "clean 中文 " + dmg.seed_style("多模态") + " LLM " + dmg.seed_style("架构") + " end"
    damages = find_damage(text)
    assert [text[d.start : d.end] for d in damages] == [dmg.seed_style("多模态"), dmg.seed_style("架构")]
    for d in damages:
        assert d.replacement == d.candidates[0]
        assert 0.0 <= d.confidence <= 1.0
        assert d.kind == "mojibake"


def test_damages_sorted_and_disjoint() -> None:
    text = dmg.partial("甲段落。\n\n乙段落：参数量。\n\n丙段落。\n\n丁段落：“看懂”。", dmg.gbk_read, offset=0)
    text += "\n\n" + dmg.seed_style("注意力机制与 KV Cache") + "\n\n孤立的替换符 \ufffd 和 \x85。"
    damages = find_damage(text)
    assert damages == sorted(damages, key=lambda d: d.start)
    assert all(a.end <= b.start for a, b in itertools.pairwise(damages))
    kinds = {d.kind for d in damages}
    assert {"mojibake", "replacement-char", "c1-control"} <= kinds


def test_lone_replacement_char_is_reported_not_invented() -> None:
    damages = find_damage("正常文字 \ufffd 正常文字")
    assert [(d.kind, d.replacement) for d in damages] == [("replacement-char", None)]
    assert repair_text("正常文字 \ufffd 正常文字") == "正常文字 \ufffd 正常文字"


def test_ambiguous_repairs_carry_lower_confidence() -> None:
    # 态 and 思 differ only in the byte the code page dropped: alone, either is possible.
    damaged = dmg.seed_style("态 是关键")  # the second word vouches for the first
    damage = find_damage(damaged)[0]
    assert damaged[damage.start : damage.end] == dmg.seed_style("态")
    assert set(damage.candidates) >= {"态", "思"}
    assert damage.confidence < HIGH_CONFIDENCE
    [certain] = find_damage(dmg.seed_style("多模态大模型"))
    assert certain.replacement == "多模态大模型"


def test_context_model_learns_domain_words() -> None:
    # 殭 is a rare character whose lost byte also reads as common ones; clean
    # texts that use the word make it the choice.
    model = LanguageModel.with_texts(["测试词汇：僵尸进程。"] * 3)
    assert repair_text(dmg.seed_style("僵尸进程"), context=model) == "僵尸进程"


def test_repair_is_idempotent() -> None:
    for func in (dmg.seed_style, dmg.cp1252_lossy, dmg.latin1, dmg.gbk_read, dmg.double):
        once = repair_text(func("视觉语言模型的三阶段训练：对齐、微调与偏好优化。"))
        assert repair_text(once) == once


def test_min_confidence_keeps_unsure_repairs_out() -> None:
    damaged = dmg.seed_style("态")
    assert repair_text(damaged, min_confidence=0.999) == damaged


def test_long_repetitive_runs_are_linear() -> None:
    # No timing here: a quadratic regex or lattice would simply never finish.
    for unit in ("Ã", "â€", "Ãx", "â€x"):
        find_damage(unit * (1_000_000 // len(unit)))
    for unit in ("Ã©", "ä¸", "\ufffd", "鍙"):
        find_damage(unit * (300_000 // len(unit)))
    find_damage(("Ã" * 50 + "x") * 20_000)
    # Real damage throughout: every "â€" is a lost byte to choose, so smaller.
    assert find_damage("â€â€œ" * 20_000)


@pytest.mark.parametrize(
    "text",
    [
        "家庭 👨\u200d👩\u200d👧 表情",
        "⚠️ 注意：不要这样做",
        "┌────┬────┐ 表格",
        "输入 ──▶ 输出 →→ 结果",
        "✅ 完成 ❌ 失败 ⭐⭐⭐",
    ],
    ids=["zwj", "vs16", "box", "arrows", "emoji"],
)
def test_symbols_follow_their_neighbours(text: str) -> None:
    # Lost bytes inside symbols: the joiner after an emoji, ┐ beside ─, ⭐
    # whose two continuation bytes both fell out.
    assert repair_text(dmg.seed_style(text)) == text


def test_brackets_pair() -> None:
    # 」 (E3 80 8D) and 、 (E3 80 81) differ only in the lost byte.
    text = "视觉编码器：提取视觉特征的「眼睛」，投影层、语言模型"
    assert repair_text(dmg.seed_style(text)) == text


def test_seed_003_title_with_a_plain_fix() -> None:
    # Plain `corpus fix` applies only safe repairs: the title must be one.
    from pipeline.encoding import SAFE_CONFIDENCE

    repaired = repair_text(_seed(), min_confidence=SAFE_CONFIDENCE)
    assert repaired.splitlines()[1] == 'title: "多模态 LLM 架构全景"'


def test_the_built_model_is_kept_in_the_store_and_read_back(tmp_path: Path) -> None:
    """keep_models_in: the first run builds the default model and keeps it;
    the next reads it back instead of building (and repairs the same)."""
    from pipeline import encoding
    from pipeline.cache import Cache

    store = Cache(tmp_path, "models")
    damaged = dmg.seed_style("这个结论直接影响了大模型的设计，平均每个参数不到两个词元。")
    LanguageModel.default.cache_clear()
    encoding.keep_models_in(store)
    try:
        built = LanguageModel.default()
        assert store.get_keyed("language-model", "no such key") is None
        LanguageModel.default.cache_clear()
        kept = LanguageModel.default()
        assert kept is not built and isinstance(kept, LanguageModel)
        assert repair_text(damaged, context=kept) == repair_text(damaged, context=built)
    finally:
        encoding.keep_models_in(None)
