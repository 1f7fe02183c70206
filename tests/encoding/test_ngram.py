"""The character n-gram model, and what it changes in repairs."""

from __future__ import annotations

import gzip
from pathlib import Path

from pipeline.encoding import SAFE_CONFIDENCE, find_damage, repair_text
from pipeline.encoding import damage as dmg
from pipeline.encoding._codepages import REVERSE
from pipeline.encoding._ngram import DIGITS, LETTERS, CharNgram, count, normalise, write
from pipeline.rules import encoding as encoding_rules

HELD_OUT = Path(__file__).resolve().parents[2] / "bench" / "heldout_notes"


def test_normalise_collapses_runs() -> None:
    assert normalise("KV cache 与 128 个 token") == f"{LETTERS} {LETTERS} 与 {DIGITS} 个 {LETTERS}"


def _tiny() -> CharNgram:
    return CharNgram(count(["长度与显存预算。", "模型与数据。", "长度与速度。", "不同的模型。"] * 3))


def test_seen_continuation_is_cheaper() -> None:
    model = _tiny()
    assert model.cost("长度", "与") < model.cost("长度", "不")
    assert model.cost("", "与") < model.cost("", "鑫")  # unseen characters still get a finite cost
    assert model.cost("", "鑫") < float("inf")


def test_rescore_follows_context() -> None:
    model = _tiny()
    slots = [("长",), ("度",), ("不", "与"), ("显",), ("存",)]
    unary = [None, None, {"不": 0.0, "与": 0.5}, None, None]  # the word model leans the wrong way
    ranked = model.rescore(slots, unary)
    assert ranked[2][0][0] == "与"
    assert ranked[2][0][1] == 0.0
    assert ranked[2][1][1] > 0.0
    assert [r[0][0] for r in ranked] == ["长", "度", "与", "显", "存"]


def test_symbols_are_left_to_the_word_model() -> None:
    model = _tiny()
    # A joiner and a quote: the n-gram model must not pick between them.
    ranked = model.rescore([("👨",), ("\u200d", "”"), ("👩",)], [None, {"\u200d": 0.0, "”": 2.0}, None])
    assert ranked[1][0][0] == "\u200d"


def test_write_is_deterministic(tmp_path: Path) -> None:
    counts = count(["多模态模型", "注意力机制"])
    write(counts, tmp_path / "a.gz", min_count=1)
    write(counts, tmp_path / "b.gz", min_count=1)
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()
    rows = gzip.decompress((tmp_path / "a.gz").read_bytes()).decode().splitlines()
    assert "模态\t1" in rows


def test_bundled_model_knows_how_notes_write() -> None:
    model = CharNgram.default()
    assert model is not None
    assert model.cost("长度", "与") < model.cost("长度", "不")
    repaired = repair_text(dmg.seed_style("序列长度与显存预算"))
    assert repaired == "序列长度与显存预算"


def test_rule_and_engine_share_the_safe_line() -> None:
    assert encoding_rules.SAFE_CONFIDENCE == SAFE_CONFIDENCE


def test_what_a_plain_fix_leaves_is_still_reported() -> None:
    # A safe fix repairs the sure characters of a paragraph and leaves the
    # guesses: every mojibake character left behind must still be found, or
    # `corpus check` would pass a note that is still damaged.
    for path in sorted(HELD_OUT.glob("*.md"))[:2]:
        original = path.read_text(encoding="utf-8")
        repaired = repair_text(dmg.seed_style(original), min_confidence=SAFE_CONFIDENCE)
        spans = [(d.start, d.end) for d in find_damage(repaired)]
        for i, ch in enumerate(repaired):
            if ch in REVERSE and not ch.isascii() and ch not in original:
                assert any(a <= i < b for a, b in spans), (path.name, repaired[max(0, i - 8) : i + 8])
