"""Published specs the validator refuses as written: generated with --allow-partial, they import.

The specs are read from the shared corpus (../shared/corpus/specs beside this repository);
the tests skip when it is absent. By default each is refused; with --allow-partial each
generates a package that imports, every warning located by pointer and line, and what was
repaired or taken out counted on the coverage line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import ERROR_LINE, run_cli

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "specs"
REFUSED_AS_WRITTEN = ("influx-oss.yml", "opc-baseline-30.json", "opc-baseline-31.yaml")
WARNING_LINE = re.compile(r"^warning: (?P<pointer>/\S*) \(line (?P<line>\d+)\): .+$")
COVERAGE = re.compile(r"^coverage: (?P<kept>\d+)/(?P<total>\d+) operations.*; warnings: (?P<said>.+)$",
                      re.MULTILINE)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("name", REFUSED_AS_WRITTEN)
def test_refused_by_default_generated_with_allow_partial(tmp_path: Path, name: str) -> None:
    spec = CORPUS / name
    if not spec.is_file():
        pytest.skip(f"{spec} is absent")
    refused = run_cli("validate", "--spec", spec, cwd=tmp_path)
    errors = [ERROR_LINE.match(line) for line in refused.stderr.splitlines()[:-1]]
    assert refused.returncode == 2 and errors, refused.stderr
    assert all(m and m["line"] for m in errors), refused.stderr  # JSON specs too
    out = tmp_path / "out"
    proc = run_cli("generate", "--spec", spec, "--out", out, "--package", "corpus_client",
                   "--client-name", "CorpusClient", "--allow-partial", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert all(WARNING_LINE.match(line) for line in warnings), proc.stderr
    coverage = COVERAGE.search(proc.stdout)
    assert coverage and int(coverage["kept"]) > 0 and "repaired" in coverage["said"], proc.stdout
    imported = subprocess.run([sys.executable, "-c", "import corpus_client; corpus_client.CorpusClient"],
                              env={**os.environ, "PYTHONPATH": str(out)}, capture_output=True, text=True,
                              check=False, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
