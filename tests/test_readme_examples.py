"""Every example in every generated README type-checks with mypy --strict.

The README of the real product and of each golden case: its ```python blocks, joined in order
(the first one builds the client the others use), checked against the package in one mypy run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.golden_support import GOLDEN_DIR, ROOT, install_case

BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def examples(readme: Path) -> str:
    return "\n".join(BLOCK.findall(readme.read_text(encoding="utf-8")))


def test_every_readme_example_type_checks(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "generated" / "assistants_client", tmp_path / "assistants_client")
    files = [tmp_path / "assistants_client_examples.py"]
    files[0].write_text(examples(tmp_path / "assistants_client" / "README.md"), encoding="utf-8")
    for case in sorted(p for p in GOLDEN_DIR.iterdir() if (p / "expected" / "README.md").is_file()):
        name = f"zc_{case.name}"
        install_case(case / "expected", tmp_path / name)
        text = examples(case / "expected" / "README.md")
        assert "client = ZooClient(" in text, f"{case.name}: the README builds no client"
        files.append(tmp_path / f"{name}_examples.py")
        files[-1].write_text(re.sub(r"\bzoo_client\b", name, text), encoding="utf-8")
    assert sum(text.count("client.") for text in (f.read_text() for f in files)) > 100
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                             *(f.name for f in files)], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-6000:]
