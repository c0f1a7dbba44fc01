"""The README's examples are the files of examples/, included verbatim, and they run."""

from __future__ import annotations

import re
import runpy

from conftest import PACKAGE_DIR

README = (PACKAGE_DIR / "README.md").read_text(encoding="utf-8")
EXAMPLES = {p.name: p.read_text(encoding="utf-8").rstrip("\n") for p in (PACKAGE_DIR / "examples").glob("*.py")
            if p.name != "__init__.py"}


def python_blocks() -> list[str]:
    return [b.rstrip("\n") for b in re.findall(r"```python\n(.*?)```", README, flags=re.S)]


def test_every_python_block_is_an_example_file() -> None:
    blocks = python_blocks()
    assert len(blocks) == 5
    for block in blocks:
        assert block in EXAMPLES.values(), f"README block is not an examples/ file verbatim:\n{block[:200]}"


def test_every_example_is_in_the_readme() -> None:
    blocks = python_blocks()
    for name, text in EXAMPLES.items():
        assert text in blocks, f"examples/{name} is not in README.md"


def test_quickstart_runs() -> None:
    # The other examples run in test_adapters.py (Flask, FastAPI, Django) and test_openai.py.
    namespace = runpy.run_path(str(PACKAGE_DIR / "examples" / "quickstart.py"))
    assert namespace["ctx"].source_ip == "203.0.113.7"
