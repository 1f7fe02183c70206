"""Properties over generated text: clean text is never touched, lossless damage always undone."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.encoding import damage as dmg
from pipeline.encoding import decode_bytes, find_damage, repair_text
from pipeline.encoding._codepages import LEAD_CHARS, REVERSE

# Common hanzi (GB2312 level 1, lead bytes B0-D7): never the GBK characters
# that UTF-8 lead bytes turn into, so generated Chinese is clean by construction.
HANZI = "".join(
    bytes((hi, lo)).decode("gb2312")
    for hi in range(0xB0, 0xD8)
    for lo in range(0xA1, 0xFF, 7)
    if (hi, lo) != (0xD7, 0xFA) and not (hi == 0xD7 and lo > 0xF9)
)
CJK_PUNCT = "，。、；：？！“”‘’（）《》「」【】—…·"
LATIN = "éüßÉÜÖäöàèçñøåæœÆØÅŒ"
SYMBOLS = "©®™×÷→←↔≤≥≠≈±½¼¾°µ§¶†‡•·€£¥∑√∞∂αβγ─│┌┐└┘├┤┬┴┼"
EMOJI = ["🚀", "📝", "✅", "❌", "⚠️", "👍🏽", "👨‍👩‍👧", "🎯", "⭐"]
ASCII = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 #*-_[]()|`'\".,:;!?/\\\n"

_MOJIBAKE_SHAPED = re.compile(f"[{re.escape(LEAD_CHARS)}][{''.join(re.escape(c) for c in REVERSE)}]")

pieces = st.one_of(
    st.text(alphabet=HANZI, min_size=1, max_size=12),
    st.text(alphabet=ASCII, min_size=1, max_size=12),
    st.text(alphabet=CJK_PUNCT, min_size=1, max_size=2),
    st.text(alphabet=LATIN + SYMBOLS, min_size=1, max_size=3),
    st.sampled_from(EMOJI),
    st.sampled_from(["José", "Müller", "Ærø", "naïve", "“quoted”", "Ã", "x ≤ y", "½", "©2024", "—"]),
)
mixed_text = st.lists(pieces, min_size=1, max_size=30).map("".join)
cjk_ascii_text = st.lists(
    st.one_of(
        st.text(alphabet=HANZI, min_size=1, max_size=12),
        st.text(alphabet=ASCII, min_size=1, max_size=8),
        st.text(alphabet=CJK_PUNCT, min_size=1, max_size=2),
    ),
    min_size=1,
    max_size=30,
).map("".join)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(mixed_text)
def test_text_without_mojibake_shaped_runs_has_no_damage(text: str) -> None:
    if _MOJIBAKE_SHAPED.search(text):
        return  # e.g. "é”": a lead and a continuation side by side is damage-shaped
    assert find_damage(text) == []
    assert repair_text(text) == text


@FAST
@given(mixed_text)
def test_clean_text_is_never_changed(text: str) -> None:
    # Even damage-shaped clean text, with no proof of damage around it, stays.
    if _MOJIBAKE_SHAPED.search(text):
        for d in find_damage(text):
            assert d.kind == "mojibake"
        return
    assert repair_text(text) == text


@FAST
@given(cjk_ascii_text)
def test_lossless_damage_is_undone(text: str) -> None:
    assert repair_text(dmg.latin1(text)) == text
    assert repair_text(dmg.cp1252_c1(text)) == text


@FAST
@given(cjk_ascii_text)
def test_stored_encodings_round_trip(text: str) -> None:
    for data in (dmg.utf16_bytes(text), dmg.utf8_bom(text)):
        assert decode_bytes(data).text == text
    # A GB18030 pair can also be valid UTF-8 (专 = D7 A8 reads as Hebrew ר):
    # a note of a few characters is honestly ambiguous, a note is not.
    if sum(not c.isascii() for c in text) >= 8:
        assert decode_bytes(dmg.gb18030_bytes(text)).text == text


@settings(max_examples=60, deadline=None)
@given(cjk_ascii_text)
def test_repair_is_idempotent(text: str) -> None:
    for func in (dmg.seed_style, dmg.cp1252_lossy, dmg.gbk_read):
        once = repair_text(func(text))
        assert repair_text(once) == once
