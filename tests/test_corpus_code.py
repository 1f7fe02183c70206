"""Every ```python block of every note under corpus/ runs.

A block that imports only the standard library and NumPy is run in a fresh
interpreter (``python -I``, its own temporary folder, 30 s at most) and must
exit 0.  Blocks importing anything else (torch, transformers…) are skipped
with the modules named; pytest's summary line counts them.  Interactive
sessions (``>>>``) are skipped too: SEC013 compiles them, nothing runs them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.document import parse
from pipeline.rules.sections import PYTHON

CORPUS = ROOT / "corpus"
ALLOWED = frozenset(sys.stdlib_module_names) | {"numpy"}
TIMEOUT = 30


@dataclass(frozen=True)
class Block:
    path: str  # relative to corpus/
    line: int  # the opening fence
    source: str

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


def python_blocks(root: Path) -> list[Block]:
    blocks: list[Block] = []
    if not root.is_dir():
        return blocks
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        doc = parse(path.read_text(encoding="utf-8", errors="replace"), rel)
        for block in doc.code_blocks:
            if block.language in PYTHON and block.closed:
                blocks.append(Block(rel, block.line, block.content))
    return blocks


def foreign_imports(source: str) -> list[str]:
    """Top-level modules a block imports that are neither stdlib nor NumPy
    (relative imports count as foreign: there is no package to import from)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # let it run and fail: the error message is the report
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")] if node.level else [(node.module or "").split(".")[0]]
        else:
            continue
        out.update(n for n in names if n not in ALLOWED)
    return sorted(out)


BLOCKS = python_blocks(CORPUS)


@pytest.mark.skipif(not BLOCKS, reason="no corpus/ with python blocks in this checkout")
@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    if any(line.startswith(">>>") for line in block.source.splitlines()):
        pytest.skip("interactive session (>>>): compiled by SEC013, not run")
    foreign = foreign_imports(block.source)
    if foreign:
        pytest.skip(f"imports {', '.join(foreign)} (only the standard library and numpy are run)")
    script = tmp_path / "block.py"
    script.write_text(block.source, encoding="utf-8")
    try:
        result = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True, text=True,
                                timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"corpus/{block.path}: the python block at line {block.line} ran over {TIMEOUT} s")
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-8:])
        pytest.fail(f"corpus/{block.path}: the python block at line {block.line} exited {result.returncode}; "
                    f"its line N is file line {block.line} + N:\n{tail}")


def test_import_filter() -> None:
    assert foreign_imports("import numpy as np\nimport math\nfrom collections import deque\n") == []
    assert foreign_imports("import torch\nimport torch.nn as nn\nfrom transformers import AutoModel\n") == [
        "torch", "transformers"]
    assert foreign_imports("from . import helpers\n") == ["."]
    assert foreign_imports("def f(:\n") == []


def test_block_extraction(tmp_path: Path) -> None:
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "n.md").write_text("# t\n\n```python\nprint(1)\n```\n\n```text\nx\n```\n\n```py\npass\n```\n",
                                         encoding="utf-8")
    found = python_blocks(tmp_path)
    assert [(b.path, b.line, b.source) for b in found] == [("A/n.md", 3, "print(1)\n"), ("A/n.md", 11, "pass\n")]
