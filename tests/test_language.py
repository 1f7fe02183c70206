"""Language detection: prose extraction, the script count, the langdetect band,
determinism and the lazy import; measured on the seeds and synthetic notes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, SHARED
from hypothesis import given
from hypothesis import strategies as st

from pipeline.document import parse
from pipeline.language import UNKNOWN_NON_CJK, _langdetect, count, detect, prose, strip_terms

ZH_TERMS = ("在 Transformer 的 decoder 里，KV Cache 随 sequence length 线性增长。RLHF 阶段的 reward model 和 "
            "PPO policy 常共享同一个 backbone，而 DPO 直接用 preference pairs 优化 policy。GQA 让多个 query head "
            "共享一组 key/value head 来省 memory bandwidth，FlashAttention 则用 tiling 和 online softmax "
            "避免写出完整的 attention matrix。")
ZH_TERMS_EXTREME = ("用 LoRA 做 SFT，再用 DPO 做 alignment；inference 时开 speculative decoding 和 paged attention，"
                    "batch size 设为 64，throughput 提升明显。Mixture of Experts 的 router 用 top-k gating，"
                    "load balancing loss 防止 expert collapse。Vision Transformer 的 patch embedding 接 MLP "
                    "projector 进入 LLM backbone。")
EN = ("The key-value cache grows linearly with the sequence length, so long-context inference is bound by memory "
      "bandwidth rather than compute. Grouped-query attention shares one key and value head across several query "
      "heads, which shrinks the cache without training a new model from scratch.")
EN_WITH_ZH_LABELS = ("The index prints the 演进点 and 核心价值 labels, but the keys in the front-matter are English. "
                     "A note without a group key is left out of its section, and readers never find it in the "
                     "table of contents of the corpus.")
JA = ("トランスフォーマーのデコーダでは、KV キャッシュが系列長に比例して増えていきます。そのため長い文脈の推論では"
      "メモリ帯域が支配的になり、計算量より転送量を減らす工夫が重要になります。")
MOJIBAKE = "Ã¥Â¤Å¡Ã¦Â¨Â¡Ã¦â‚¬Â LLM Ã¦Å¾Â¶Ã¦Å¾â€ž " * 12


@pytest.mark.parametrize(("text", "lang", "method"), [
    (ZH_TERMS, "zh", "script"),
    (ZH_TERMS_EXTREME, "zh", "script"),
    (EN, "en", "langdetect"),
    (EN_WITH_ZH_LABELS, "en", "langdetect"),
    (JA, "ja", "script"),
    ("见上文的公式。", None, "too-little"),
    ("See PPO.", None, "too-little"),
], ids=["zh-terms", "zh-terms-extreme", "en", "en-zh-labels", "ja", "short-zh", "short-en"])
def test_verdicts(text: str, lang: str | None, method: str) -> None:
    verdict = detect(text)
    assert (verdict.lang, verdict.method) == (lang, method)


def test_raw_langdetect_misreads_chinese_with_terms() -> None:
    """Why the script count comes first: langdetect alone says this is not Chinese."""
    raw = _langdetect(ZH_TERMS)
    assert raw is not None and not raw[0].startswith("zh")


def test_terms_inside_chinese_are_stripped_but_english_sentences_are_not() -> None:
    assert count(strip_terms(ZH_TERMS_EXTREME)).words == 0
    mixed = "这一节先用中文解释背景。" + EN
    assert count(strip_terms(mixed)).words == count(EN).words


def test_garbled_text_is_not_chinese() -> None:
    verdict = detect(MOJIBAKE)
    assert verdict.lang not in (None, "zh")


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="shared/seeds is not beside the repository")
def test_mojibake_seed_is_clearly_not_cjk_though_langdetect_cannot_name_it() -> None:
    path = next((SHARED / "seeds").glob("003_*.txt"))
    doc = parse(path.read_text(encoding="utf-8"), path.name)
    verdict = detect("\n".join(c.text for c in prose(doc)))
    assert (verdict.lang, verdict.method) == (UNKNOWN_NON_CJK, "script")


def test_detection_is_deterministic() -> None:
    mixed = "这一节先用中文解释背景，然后换成英文。" + EN
    assert len({detect(mixed) for _ in range(5)}) == 1


def test_prose_leaves_out_code_math_tables_urls_and_references() -> None:
    text = """---
title: 不算正文
---

# 标题文字

正文有[链接文字](https://example.com/path-word)和 `inline_code` 以及 $x^2$ 还有 https://bare.example.org/x 。

```python
code_word = 1
```

$$display_math$$

| 表头词 | 列 |
| --- | --- |
| cell_word | 2 |

<div>html_word</div>

- Ba et al. *Layer Normalization*. 2016. [arXiv:1607.06450](https://arxiv.org/abs/1607.06450)
- [[AI/MLLM/CLIP|别名文字]]
"""
    joined = "\n".join(c.text for c in prose(parse(text, "x.md")))
    for kept in ("标题文字", "链接文字", "别名文字"):
        assert kept in joined
    for dropped in ("不算正文", "path-word", "inline_code", "x^2", "bare.example", "code_word", "display_math",
                    "表头词", "cell_word", "html_word", "Layer Normalization"):
        assert dropped not in joined


def test_langdetect_is_imported_only_when_needed() -> None:
    script = (
        "import sys\n"
        "from pipeline.language import detect\n"
        f"detect({ZH_TERMS!r})\n"
        "print('langdetect' in sys.modules)\n"
        f"detect({EN!r})\n"
        "print('langdetect' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.stdout.split() == ["False", "True"], out.stderr


SEEDS = SHARED / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repository")
@pytest.mark.parametrize("prefix", ["001", "002"])
def test_chinese_seeds_are_chinese(prefix: str) -> None:
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    doc = parse(path.read_text(encoding="utf-8"), path.name)
    verdict = detect("\n".join(c.text for c in prose(doc)))
    assert (verdict.lang, verdict.method) == ("zh", "script")
    assert verdict.share > 0.85


def test_corpus_notes_are_chinese_by_the_cheap_path() -> None:
    corpus = ROOT / "corpus"
    paths = sorted(p for p in corpus.rglob("*.md")) if corpus.is_dir() else []
    for path in paths:
        doc = parse(path.read_text(encoding="utf-8"), path.name)
        verdict = detect("\n".join(c.text for c in prose(doc)))
        assert verdict.lang in ("zh", None), (path, verdict)
        assert verdict.method in ("script", "too-little"), (path, verdict)




@given(st.text(alphabet=st.sampled_from("中文字𠀀かなカナ한글 abc Ωω1_-\n。，"), max_size=80))
def test_count_by_runs_is_count_by_characters(text: str) -> None:
    """count() sums the lengths of script runs; it must equal counting the
    characters one by one."""
    from pipeline.language import _HAN, _HANGUL, _KANA

    c = count(text)
    assert (c.han, c.kana, c.hangul) == (len(_HAN.findall(text)), len(_KANA.findall(text)),
                                         len(_HANGUL.findall(text)))
