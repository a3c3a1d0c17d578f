"""Generated packages, runtime included, are clean under `pyright --strict`, as under mypy --strict.

One pyright run (the release package.json pins, installed into node_modules/ by `make test`)
checks the committed generated/assistants_client, which carries every runtime module, and the
golden cases CASES, restored with their runtime modules: resource modules, pages and streams.
Imports (httpx, pydantic) resolve in the Python environment running the tests.

Skipped only when node_modules/.bin/pyright or node is missing (run `make test`, or `npm ci`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.golden_support import install_case

ROOT = Path(__file__).resolve().parents[1]
PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"
PRODUCT = ROOT / "generated" / "assistants_client"
CASES = ("resources", "media_types")  # beside the product: resource modules, pagination, streaming
CONFIG = {"typeCheckingMode": "strict", "pythonVersion": "3.11"}


def _finding(diagnostic: dict[str, Any]) -> str:
    start = diagnostic.get("range", {}).get("start", {})
    where = f"{diagnostic.get('file', '?')}:{start.get('line', -1) + 1}:{start.get('character', -1) + 1}"
    rule = f" ({diagnostic['rule']})" if diagnostic.get("rule") else ""
    return f"{where} - {diagnostic.get('severity')}: {diagnostic.get('message')}{rule}"


def test_generated_packages_pass_pyright_strict(tmp_path: Path) -> None:
    if not PYRIGHT.exists():
        pytest.skip(f"{PYRIGHT.relative_to(ROOT)} is missing: run `make test` or `npm ci`")
    if shutil.which("node") is None:
        pytest.skip("node is not installed: pyright runs on node")
    packages = [PRODUCT]
    for case in CASES:
        install_case(ROOT / "tests" / "golden" / case / "expected", tmp_path / f"zc_{case}")
        packages.append(tmp_path / f"zc_{case}")
    config = tmp_path / "pyrightconfig.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    proc = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--project", str(config), "--pythonpath", sys.executable,
         *map(str, packages)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600,
    )
    assert proc.returncode in (0, 1), proc.stdout[-4000:] + proc.stderr  # 1: findings; else: failed
    report = json.loads(proc.stdout)
    findings = [_finding(d) for d in report["generalDiagnostics"] if d.get("severity") != "information"]
    assert not findings, f"pyright {report.get('version')} --strict:\n" + "\n".join(findings)
    checked = sum(1 for package in packages for _ in package.rglob("*.py"))
    assert report["summary"]["filesAnalyzed"] >= checked, report["summary"]  # every module was seen
