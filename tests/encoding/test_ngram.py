"""The character n-gram model, and what it changes in repairs."""

from __future__ import annotations

import difflib
import gzip
from pathlib import Path

import pytest

from pipeline.encoding import SAFE_CONFIDENCE, find_damage, repair_text
from pipeline.encoding import damage as dmg
from pipeline.encoding._codepages import REVERSE
from pipeline.encoding._ngram import DIGITS, LETTERS, CharNgram, _escape, count, normalise, write
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


def test_rescore_reads_a_number_as_one_token() -> None:
    # Counted text has one DIGITS token per number; a lattice spells the
    # number digit by digit, and must see the same contexts.
    model = CharNgram(count(["共 7 亿参数。", "约 3 亿参数。", "好了。"] * 3))

    def margins(number: str) -> tuple[tuple[str, float], ...]:
        slots = [(c,) for c in f"约 {number} "] + [("了", "亿")] + [("参",)]
        return model.rescore(slots, [None] * (len(slots) - 2) + [{"了": 0.0, "亿": 0.0}, None])[-2]

    assert margins("700")[0][0] == "亿"
    assert margins("700") == margins("7")


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


def test_gbk_and_double_plain_fix_cut_at_unsure_characters() -> None:
    # Their spans map to the text through GBK pairs or a second layer, yet a
    # plain fix must still apply the sure characters of a paragraph and leave
    # only the guesses, which stay reported.
    original = sorted(HELD_OUT.glob("*.md"))[0].read_text(encoding="utf-8")
    for damage in (dmg.gbk_read, dmg.double):
        damaged = damage(original)
        repaired = repair_text(damaged, min_confidence=SAFE_CONFIDENCE)
        matcher = difflib.SequenceMatcher(None, original, repaired, autojunk=False)
        kept = sum(block.size for block in matcher.get_matching_blocks())
        # Before the cut, a paragraph with one guess in it stayed damaged
        # whole: about 60 % of the characters came back, now over 98 %.
        assert kept > 0.98 * len(original), damage.__name__
        strays = [ch for ch in repaired if ch in REVERSE and not ch.isascii() and ch not in original]
        if damage is dmg.double:
            spans = [(d.start, d.end) for d in find_damage(repaired)]
            for i, ch in enumerate(repaired):
                if ch in strays:
                    assert any(a <= i < b for a, b in spans), repaired[max(0, i - 8) : i + 8]
        else:
            holes = [i for i, ch in enumerate(repaired) if ch == "\ufffd"]
            spans = [(d.start, d.end) for d in find_damage(repaired)]
            for i in holes:
                assert any(a <= i < b for a, b in spans), repaired[max(0, i - 8) : i + 8]


def test_greek_letters_in_a_gbk_damaged_note() -> None:
    # π = CF 80 reads 蟺 and stands alone between ASCII characters, often on a
    # line with no other damage (a reference list).
    text = "视觉语言动作模型 π0 使用了流匹配，β 的取值。\n\nal. *π0: A vision-language-action flow model\n"
    assert repair_text(dmg.gbk_read(text)) == text
    # Without GBK damage around it, 蟺 and 尾 are just characters.
    assert find_damage("清洁文本 蟺0 与 尾 token") == []


def test_symbols_follow_how_notes_write_them() -> None:
    # In GBK damage "→ " loses its last byte to a hole, and every arrow
    # (←, ↑, →, ↔) fits it; notes write → far more often than the others.
    text = "图像编码器 → 投影层 → 语言模型"
    assert repair_text(dmg.gbk_read(text)) == text


def test_a_closing_bracket_finds_its_partner_beyond_the_context() -> None:
    # "）" (EF BC 89) loses its last byte to a GBK hole before the newline,
    # and every fullwidth character fits; the "（" it closes is twenty
    # characters back, repaired by then, beyond the models' context.
    text = "对比学习（Contrastive Learning）\n\n正文"
    assert repair_text(dmg.gbk_read(text)) == text


def test_double_mojibake_whose_outer_layer_lost_a_byte() -> None:
    # π's first layer is Ï €; Ï is C3 8F and the second page drops 0x8F, so
    # the Ã is followed by the next lead byte rather than a continuation byte.
    for text in ("视觉语言动作模型 π0 使用了流匹配。", "al. *π0: A vision"):
        assert repair_text(dmg.double(text)) == text


def test_clean_notes_do_not_load_the_repair_engine(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "zh.md").write_text("# 标题\n\n多模态 LLM 与注意力，“引号”→ ≤ 😀。\n", encoding="utf-8")
    (tmp_path / "latin.md").write_text("# 标题\n\nJosé Müller 的注意力 ×。\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from pipeline.cli import cli\n"
        "try:\n"
        "    cli(['check', '--no-cache', '--select', 'ENC', sys.argv[1]], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('pipeline.encoding._scan' in sys.modules, 'ftfy' in sys.modules)\n"
    )

    def loaded(name: str) -> list[str]:
        out = subprocess.run(
            [sys.executable, "-c", script, name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PYTHONPATH": str(root), "PATH": ""},
        )
        return out.stdout.split()[-2:]

    # Chinese with typographic symbols never passes the prefilter; é does,
    # but ftfy is needed only for a lone lossless run.
    assert loaded("zh.md") == ["False", "False"]
    assert loaded("latin.md") == ["True", "False"]


def test_a_written_model_loads_as_it_was_counted(tmp_path: Path) -> None:
    """load() finds each order's block by bisection and each context's
    totals by a running sum; it must answer as the counts themselves do,
    also from a file in the older order (sorted by text alone)."""
    texts = ["长度与显存预算。\n", "KV cache 与 128 个 token\t制表\\反斜杠", "模型与数据。", "不同的模型。"] * 3
    counts = count(texts)
    path = tmp_path / "ngram.tsv.gz"
    write(counts, path, min_count=1)
    expected = CharNgram(counts)
    older = tmp_path / "older.tsv.gz"
    rows = sorted(counts.items())
    with gzip.open(older, "wt", encoding="utf-8", newline="\n") as handle:
        handle.write("".join(f"{_escape(g)}\t{c}\n" for g, c in rows))
    queries = [(h, c) for g in counts for h, c in ((g[:-1], g[-1]), (g[:-1], "与"), ("", g[0]), (g[1:], "。"))]
    reference = [_reference_cost(counts, h, c) for h, c in queries]
    for model in (expected, CharNgram.load(path), CharNgram.load(older)):
        assert [model.cost(h, c) for h, c in queries] == pytest.approx(reference, rel=1e-12)


def _reference_cost(counts: dict[str, int], history: str, char: str) -> float:
    # Interpolated absolute discounting, tallied the slow way.
    import math

    from pipeline.encoding._ngram import _DISCOUNT, _VOCAB, ORDER

    history = history[-(ORDER - 1):]
    unigrams = sum(c for g, c in counts.items() if len(g) == 1)
    p = (counts.get(char, 0) + 0.1) / (unigrams + 0.1 * _VOCAB)
    for k in range(len(history) - 1, -1, -1):
        context = history[k:]
        followers = [c for g, c in counts.items() if len(g) == len(context) + 1 and g.startswith(context)]
        if not followers:
            continue
        total = sum(followers)
        p = max(counts.get(context + char, 0) - _DISCOUNT, 0.0) / total + _DISCOUNT * len(followers) / total * p
    return -math.log(p)
