"""Generate a synthetic corpus shaped like corpus/, from a fixed seed.

Each note has front-matter valid under the `note` schema, CJK prose mixed
with English terms, $$ math, a python block, a comparison table, relative
links with anchors to other notes, wiki-links, and about 1 % broken links.

    python bench/gen_corpus.py OUT_DIR --notes 1000 [--seed 42]
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

WORDS = ("注意力 机制 模型 训练 推理 缓存 向量 矩阵 梯度 损失 参数 数据 分布 序列 长度 位置 编码 解码 "
         "视觉 语言 动作 机器人 策略 奖励 对齐 偏好 采样 温度 概率 分词 嵌入 归一化 残差 专家 路由 稀疏 "
         "稠密 显存 带宽 吞吐 延迟 量化 蒸馏 微调 预训练 指令 多模态 分辨率 图像 视频 帧 时间 空间 坐标").split()
TERMS = "Transformer KV-Cache RLHF DPO RoPE ALiBi FlashAttention MoE LLaMA CLIP ViT LoRA GQA SwiGLU".split()
PUNCT = "，。；："
PER_SECTION = 250


def sentence(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(8, 18)):
        parts.append(rng.choice(TERMS) if rng.random() < 0.12 else rng.choice(WORDS))
    text = "".join(p if p not in TERMS else f" {p} " for p in parts)
    return text.strip() + rng.choice(PUNCT[:2])


def paragraph(rng: random.Random) -> str:
    return "".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def note_path(i: int) -> str:
    return f"Section_{i // PER_SECTION:03d}/{i:05d}_note.md"


def relative(from_path: str, to_path: str) -> str:
    a = from_path.split("/")[0]
    b, name = to_path.split("/")
    return f"./{name}" if a == b else f"../{b}/{name}"


def note(i: int, n: int, rng: random.Random) -> str:
    path = note_path(i)
    related = sorted({rng.randrange(n) for _ in range(2)} - {i})
    rel_yaml = "".join(f'  - target: "{r:05d}"\n    reason: {rng.choice(WORDS)}与{rng.choice(WORDS)}相关\n'
                       for r in related) or '  []\n'
    links = []
    for _ in range(4):
        j = rng.randrange(n)
        target = relative(path, note_path(j))
        if rng.random() < 0.01:
            target = target.replace("_note", "_nope")  # a broken link
        anchor = rng.choice(["", "#关键公式", "#代码实现", "#与相近方法对比"])
        links.append(f"[笔记 {j:05d}]({target}{anchor})")
    wiki = f"[[{note_path(rng.randrange(n))[:-3]}]]"
    body = [
        "---",
        f'title: "合成笔记 {i:05d}"',
        f'id: "{i:05d}"',
        "group: main",
        f"tagline: {rng.choice(WORDS)}的一行介绍",
        f"evolution: 从{rng.choice(WORDS)}到{rng.choice(WORDS)}",
        f"value: {rng.choice(WORDS)}更稳定",
        f"models: [{rng.choice(TERMS)}]",
        "related:" + ("\n" + rel_yaml.rstrip("\n") if related else " []"),
        "tags: [bench]",
        "status: complete",
        "date: 2026-02-01",
        "lang: zh-cn",
        "---",
        "",
        f"# 合成笔记 {i:05d}",
        "",
        paragraph(rng),
        "",
        "## 问题与动机",
        "",
        paragraph(rng) + " " + " ".join(links[:2]),
        "",
        paragraph(rng),
        "",
        "## 关键公式",
        "",
        "$$",
        r"\mathrm{Attention}(Q,K,V)=\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V",
        "$$",
        "",
        f"其中 $d_k$ 是键向量的维度。{paragraph(rng)}",
        "",
        "## 代码实现",
        "",
        "```python",
        "import math",
        f"x = [{', '.join(str(rng.randint(1, 9)) for _ in range(6))}]",
        "print(sum(v * v for v in x) / len(x), math.sqrt(len(x)))",
        "```",
        "",
        paragraph(rng) + " " + " ".join(links[2:]) + " " + wiki,
        "",
        "## 与相近方法对比",
        "",
        "| 方法 | 优点 | 局限 |",
        "| --- | --- | --- |",
        f"| {rng.choice(TERMS)} | {rng.choice(WORDS)} | {rng.choice(WORDS)} |",
        f"| {rng.choice(TERMS)} | {rng.choice(WORDS)} | {rng.choice(WORDS)} |",
        f"| {rng.choice(TERMS)} | {rng.choice(WORDS)} | {rng.choice(WORDS)} |",
        "",
        "## 常见错误",
        "",
        paragraph(rng),
        "",
        paragraph(rng),
        "",
    ]
    return "\n".join(body)


def generate(out: Path, n: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for i in range(n):
        path = out / note_path(i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note(i, n, rng), encoding="utf-8")
    sections = sorted({note_path(i).split("/")[0] for i in range(n)})
    for s in sections:
        lines = ["---", "type: index", f"title: {s}", "groups:", "  - key: main", "    title: 全部", "---", "",
                 f"# {s}", "", "本节由基准脚本生成。", "", "<!-- corpus:index:start -->", "<!-- corpus:index:end -->", ""]
        (out / s / "README.md").write_text("\n".join(lines), encoding="utf-8")
    root = ["---", "type: index", "title: 合成语料", f"sections: [{', '.join(sections)}]", "---", "",
            "# 合成语料", "", "<!-- corpus:index:start -->", "<!-- corpus:index:end -->", ""]
    (out / "README.md").write_text("\n".join(root), encoding="utf-8")
    (out / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\n', encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--notes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    generate(args.out, args.notes, args.seed)


if __name__ == "__main__":
    main()
