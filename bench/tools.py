"""The generators `make bench` compares (ours, openapi-python-client, datamodel-code-generator):
the command line that runs each, and what each produced (operations, models)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from config import BIN, PY, Config
from process import Finished, Sample, Workspace, child_env, run_child, tail

COVERAGE_RE = re.compile(r"coverage: (\d+)/(\d+) operations(?: \((\d+) in scope\))?, (\d+) models")
OPC_META: list[str] = []  # ["--meta", "none"] when this openapi-python-client has the option


def opc_supports_meta() -> bool:
    try:
        help_text = subprocess.run([str(BIN / "openapi-python-client"), "generate", "--help"], check=False,
                                   capture_output=True,
                                   text=True, timeout=120, env=child_env(Path(tempfile.gettempdir()))).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--meta" in help_text




def use_opc_meta() -> None:
    """Pass `--meta none` to openapi-python-client when it has the option: the package alone, without
    the project files around it."""
    if OPC_META == [] and opc_supports_meta():
        OPC_META.extend(["--meta", "none"])


def tool_cmd(tool: str, spec_args: list[str], peer_spec: Path | None, out: Path) -> list[str]:
    if tool == "ours":
        return [PY, "-m", "generator", "generate", *spec_args, "--out", str(out)]
    assert peer_spec is not None
    if tool == "opc":
        return [str(BIN / "openapi-python-client"), "generate", "--path", str(peer_spec),
                "--output-path", str(out / "client"), "--overwrite", *OPC_META]
    return [str(BIN / "datamodel-codegen"), "--input", str(peer_spec), "--input-file-type", "openapi",
            "--output", str(out / "models.py")]


def describe_output(tool: str, done: Finished, out: Path) -> dict[str, Any]:
    """What the tool produced (operations / models), from its output and its log."""
    text = done.stdout + "\n" + done.stderr
    if tool == "ours":
        match = COVERAGE_RE.search(done.stdout)
        if not match:
            return {"summary": "no coverage line", "dropped_operations": None}
        generated, total, scope, models = match.group(1), match.group(2), match.group(3), match.group(4)
        in_scope = int(scope or total)
        return {"summary": f"{generated}/{in_scope} ops, {models} models",
                "operations": int(generated), "in_scope": in_scope, "models": int(models),
                "dropped_operations": in_scope - int(generated), "coverage": match.group(0)}
    if tool == "opc":
        client = out / "client"
        endpoints = [p for p in (client / "api").rglob("*.py") if p.name != "__init__.py"] if client.is_dir() else []
        models = [p for p in (client / "models").glob("*.py") if p.name != "__init__.py"] if client.is_dir() else []
        skipped = text.count("Endpoint will not be generated")
        warnings = text.count("WARNING parsing")
        return {"summary": f"{len(endpoints)} endpoints, {len(models)} model files; {skipped} endpoints skipped",
                "operations": len(endpoints), "models": len(models), "dropped_operations": skipped,
                "warnings": warnings}
    files = [out / "models.py"] if (out / "models.py").is_file() else list((out / "models.py").rglob("*.py"))
    classes = sum(len(re.findall(r"^class ", f.read_text(errors="replace"), re.MULTILINE)) for f in files)
    return {"summary": f"{classes} model classes (models only)", "models": classes}



def run_cold(tool: str, cmd: list[str], out: Path, cfg: Config, ws: Workspace, record: bool, samples: list[Sample],
             outputs: dict[str, dict[str, Any]], logs: dict[str, str], tail_lines: int) -> Sample:
    """One cold run of a tool into `out` (removed afterwards): its sample joins `samples`; on a
    `record` run, or a failed one, what it wrote and its log's tail are kept under its name."""
    done = run_child(cmd, env=ws.cold_env(), timeout=cfg.timeout)
    samples.append(done.sample)
    if record or not done.sample.ok:
        outputs[tool] = describe_output(tool, done, out)
        logs[tool] = tail(done.stdout + "\n" + done.stderr, tail_lines)
    shutil.rmtree(out, ignore_errors=True)
    return done.sample
