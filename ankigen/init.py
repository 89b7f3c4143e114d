"""`ankigen init [DIR]`: a new deck that builds at once, with one checked formula to copy from."""

from __future__ import annotations

import re
from pathlib import Path

from ankigen.run.output import write_text_atomic

EXAMPLE = """\
---
tags: [example]
---

# 卷积

## 卷积层的输出边长怎么算？ {#conv-output-size}

输入边长 $W$、卷积核 $K$、填充 $P$、步长 $S$ 时：

$$N = \\left\\lfloor \\frac{W - K + 2P}{S} \\right\\rfloor + 1$$

例如 $W = 224, K = 3, P = 1, S = 2$ 时 $N = 112$（不能整除时向下取整）。

```check
N = 112 where W = 224, K = 3, P = 1, S = 2
@conv_out(W=224, K=3, P=1, S=2) = 112
```

## ReLU 的导数在 $x > 0$ 时为 {{c1::1}}，在 $x < 0$ 时为 {{c2::0}} {#relu-derivative-cloze}

在 0 点不可导，实现里通常取 0。
"""

TABLE = """
[tool.ankigen]
root_deck = "{deck}"
# Mixed into every card's identity: set it once, never change it (see docs/configuration.md).
namespace = "{namespace}"
src = "cards_src"
out = "dist"
"""

README = """\
## Flashcards

The cards live in `cards_src/` (Markdown; one card per `## ` heading). Build the Anki deck and
the printable PDF into `dist/`, after every formula has been checked:

```sh
ankigen build        # or: ankigen check, to check without writing
```

Import `dist/{stem}.apkg` into Anki; after edits, rebuild and import again: review history is
kept. Commit `cards_src/ankigen.lock` with the sources.
"""


def init(folder: Path, deck: str) -> list[Path]:
    """Write the example deck, the [tool.ankigen] table and a README snippet; never overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    example = folder / "cards_src" / "example.md"
    # Cards already there: an example beside them would only add ids that may collide (S023).
    has_cards = any((folder / "cards_src").rglob("*.md")) if (folder / "cards_src").is_dir() else False
    if not example.exists() and not has_cards:
        example.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(example, EXAMPLE)
        written.append(example)
    namespace = re.sub(r"[^\w-]+", "-", deck.lower()).strip("-") or "deck"
    table = TABLE.format(deck=deck.replace('"', "'"), namespace=namespace)
    pyproject = folder / "pyproject.toml"
    current = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if "[tool.ankigen]" not in current:
        write_text_atomic(pyproject, (current.rstrip() + "\n\n" if current.strip() else "") + table.lstrip("\n"))
        written.append(pyproject)
    snippet = folder / "README.ankigen.md"
    if not snippet.exists():
        from ankigen.build import output_stem

        write_text_atomic(snippet, README.format(stem=output_stem(deck)))
        written.append(snippet)
    return written
