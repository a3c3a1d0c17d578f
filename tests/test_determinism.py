"""Same inputs, same bytes: whatever the hash seed, generation is reproducible."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.write import read_tree

ROOT = Path(__file__).resolve().parents[1]


def _generate(out: Path, seed: str) -> dict[str, bytes]:
    env = dict(os.environ, PYTHONHASHSEED=seed, OAPI_PYGEN_CACHE="0")  # no cache: each run does all the work
    subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--out", str(out)],  # spec and overlays: pyproject.toml
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return read_tree(out / "assistants_client")


def test_two_hash_seeds_give_identical_bytes(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a", "1")
    second = _generate(tmp_path / "b", "4242")
    assert sorted(first) == sorted(second)
    assert first == second
    assert len(first) >= 8


def test_output_does_not_depend_on_where_it_is_written(tmp_path: Path) -> None:
    deep = tmp_path / "some" / "other" / "place"
    assert _generate(deep, "0") == read_tree(ROOT / "generated" / "assistants_client")
