"""Synthetic decks for the benchmark: N cards, Chinese text, 2 formulas and 2 checked claims each."""

from __future__ import annotations

import argparse
from pathlib import Path

TOPICS = ["卷积", "循环网络", "优化", "正则化", "注意力", "生成模型", "初始化", "归一化"]
CARDS_PER_FILE = 100


def card(n: int) -> str:
    w = 32 + n % 200
    k = 1 + 2 * (n % 3)
    return f"""## 第 {n} 题：输入边长为 {w}、卷积核为 {k} 时输出多大？ {{#bench-{n}}}

步长为 1、填充为 $P = {(k - 1) // 2}$ 时，输出边长与输入相同。第 {n} 张卡片的说明文字，
用来模拟真实卡片的长度：感受野、参数量和计算量都可以由公式推出。

$$N_{{{n}}} = \\left\\lfloor \\frac{{W - K + 2P}}{{S}} \\right\\rfloor + 1$$

$$F_{{{n}}} = K^2 C_{{in}} C_{{out}} H W + {n}$$

```check
N_{{{n}}} = {w} where W={w}, K={k}, S=1, P={(k - 1) // 2}
F_{{{n}}} - {n} = @conv_macs(H=H, W=W, K=K, C_in=C_{{in}}, C_out=C_{{out}}, P={(k - 1) // 2}) where H={w}, W={w}, K={k}, C_{{in}}=8, C_{{out}}=16
```
"""


def generate(folder: Path, count: int) -> None:
    """Write `count` cards into folder/<topic>/partNN.md (several files and sub-decks)."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, CARDS_PER_FILE):
        topic = TOPICS[(start // CARDS_PER_FILE) % len(TOPICS)]
        path = folder / topic / f"part{start // CARDS_PER_FILE:04d}.md"
        path.parent.mkdir(exist_ok=True)
        text = "\n".join(card(n) for n in range(start, min(count, start + CARDS_PER_FILE)))
        path.write_text(f"---\ntags: [bench, {topic}]\n---\n\n{text}", encoding="utf-8")


def edit_one(folder: Path) -> None:
    """Change the answer of one card, as an author would."""
    path = sorted(folder.rglob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("用来模拟真实卡片的长度", "用来模拟真实卡片的篇幅", 1), encoding="utf-8")


# One card each that no author writes on purpose but a paste or an export makes: each must cost
# seconds and a bounded memory, and be reported (bench/run.py --pathological).
PATHOLOGICAL = {
    "5 MB line": lambda: " ".join(f"词{i % 1000}" for i in range(1_000_000)),
    "1 MB formula": lambda: "$$S = " + " + ".join(f"a_{{{i}}}" for i in range(90_000)) + "$$",
    "200,000 inline formulas": lambda: " ".join(f"$x_{{{i}}}^2$ 与" for i in range(200_000)),
    "10,000-row table": lambda: "| n | n² |\n|---|---|\n" + "".join(f"| {i} | {i * i} |\n" for i in range(10_000)),
}


def pathological(folder: Path, kind: str) -> None:
    """A deck of two cards: one ordinary, one holding the pathological answer `kind`."""
    folder.mkdir(parents=True, exist_ok=True)
    answer = PATHOLOGICAL[kind]()
    (folder / "dump.md").write_text(f"## 普通的卡片 {{#plain}}\n\n答案 $x^2$。\n\n## 导出的数据 {{#dump}}\n\n{answer}\n",
                                    encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    generate(args.folder, args.count)
