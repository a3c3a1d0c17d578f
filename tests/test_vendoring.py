"""Vendoring and incremental writes.

The generated package imports itself only relatively, so it works copied under
any name and location (`myapp/_vendor/oai/`), and `check --out` pointed at the
copy is the drift check for it. Regenerating writes only what changed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer, Recorded

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec" / "assistants.yaml"
PACKAGE = REPO / "generated" / "assistants_client"
SETTINGS = ("--spec", "spec/assistants.yaml", "--overlay", "spec/overlays/client.yaml",
            "--overlay", "spec/overlays/streaming.yaml", "--overlay", "spec/overlays/list-cursors.yaml",
            "--overlay", "spec/overlays/nullable-31.yaml")


def run_cli(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full_env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, check=False)


def tree_state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file and folder: (inode, mtime_ns, bytes) — what "untouched" means."""
    state = {".": (root.stat().st_ino, root.stat().st_mtime_ns, b"")}
    for path in sorted(root.rglob("*")):
        st = path.stat()
        state[path.relative_to(root).as_posix()] = (st.st_ino, st.st_mtime_ns,
                                                    path.read_bytes() if path.is_file() else b"")
    return state


def test_the_package_imports_itself_only_relatively() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module and not node.module.startswith("assistants_client"), f"{path.name}: {node.module}"
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("assistants_client") for a in node.names), path.name


@pytest.fixture()
def vendored(tmp_path: Path) -> Path:
    """generated/assistants_client copied to <tmp>/myapp/_vendor/oai/ (caches left behind)."""
    target = tmp_path / "myapp" / "_vendor" / "oai"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    for pkg in (tmp_path / "myapp", tmp_path / "myapp" / "_vendor"):
        (pkg / "__init__.py").write_text("")
    return target


CLIENT_CALL = """
import json, sys
from myapp._vendor.oai import AssistantsClient, models
with AssistantsClient(api_key="sk-vendored", base_url=sys.argv[1], max_retries=0) as client:
    assistant = client.get_assistant("asst_1")
    page = client.list_assistants(limit=1)
print(json.dumps({"type": type(assistant).__module__ + "." + type(assistant).__name__,
                  "is_model": isinstance(assistant, models.AssistantObject),
                  "id": assistant.id, "listed": [a.id for a in page.data],
                  "loaded": sorted(m for m in sys.modules if "oai" in m or "assistants_client" in m)}))
"""


def assistant(assistant_id: str) -> dict[str, object]:
    return {"id": assistant_id, "object": "assistant", "created_at": 1, "name": None, "description": None,
            "model": "gpt-4o", "instructions": None, "tools": [], "metadata": {}}


def route(request: Recorded) -> tuple[int, dict[str, str], object]:
    if request.path == "/assistants/asst_1":
        return 200, {}, assistant("asst_1")
    return 200, {}, {"object": "list", "data": [assistant("asst_2")], "first_id": "asst_2", "last_id": "asst_2",
                     "has_more": False}


def test_a_vendored_copy_under_another_name_makes_real_calls(vendored: Path) -> None:
    root = vendored.parents[2]
    with LoopbackServer(route) as server:
        proc = subprocess.run([sys.executable, "-c", CLIENT_CALL, server.base_url], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
                              check=False, timeout=120)
        assert proc.returncode == 0, proc.stderr
        seen = [(r.method, r.target, r.header("Authorization")) for r in server.requests]
    out = json.loads(proc.stdout)
    assert out["type"] == "myapp._vendor.oai.models.AssistantObject" and out["is_model"]
    assert out["id"] == "asst_1" and out["listed"] == ["asst_2"]
    assert not [m for m in out["loaded"] if m.startswith("assistants_client")]  # never the original
    assert seen == [("GET", "/assistants/asst_1", "Bearer sk-vendored"),
                    ("GET", "/assistants?limit=1", "Bearer sk-vendored")]


def test_drift_check_on_the_vendored_path(vendored: Path) -> None:
    clean = run_cli("check", *SETTINGS, "--out", vendored)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.startswith("up to date: 23 operations")
    models = vendored / "models.py"
    models.write_text(models.read_text(encoding="utf-8").replace("class AssistantObject(", "class Edited("),
                      encoding="utf-8")
    drifted = run_cli("check", *SETTINGS, "--out", vendored)
    assert drifted.returncode == 1
    assert "+class AssistantObject(" in drifted.stdout and "-class Edited(" in drifted.stdout
    assert f"drift: {vendored}" in drifted.stderr
    fixed = run_cli("generate", *SETTINGS, "--out", vendored)
    assert fixed.returncode == 0, fixed.stderr
    assert f"1 file(s) changed in {vendored}" in fixed.stdout
    assert sorted(p.name for p in vendored.parent.iterdir()) == ["__init__.py", "oai"]  # same name, same place
    assert run_cli("check", *SETTINGS, "--out", vendored).returncode == 0


def test_generate_rewrites_only_what_changed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    no_cache = {"OAPI_PYGEN_CACHE": "0"}  # the full pipeline every time: no shortcut hides a write
    first = run_cli("generate", *SETTINGS, "--out", out, env=no_cache)
    assert first.returncode == 0, first.stderr
    pkg = out / "assistants_client"
    before = tree_state(pkg)

    second = run_cli("generate", *SETTINGS, "--out", out, env=no_cache)
    assert second.returncode == 0, second.stderr
    assert "; 0 file(s) changed in" in second.stdout
    assert tree_state(pkg) == before  # not a byte, inode or modification time changed, folder included
    assert sorted(p.name for p in out.iterdir()) == ["assistants_client"]  # no staging left behind

    # An overlay edit that only the client module sees: the spec, and so every header, stays.
    overlay = tmp_path / "client.yaml"
    overlay.write_text((REPO / "spec" / "overlays" / "client.yaml").read_text(encoding="utf-8").replace(
        "OpenAI-Beta: assistants=v2", "OpenAI-Beta: assistants=v3"), encoding="utf-8")
    settings = [str(overlay) if arg == "spec/overlays/client.yaml" else arg for arg in SETTINGS]
    (pkg / "stale.py").write_text("# no longer generated\n")
    third = run_cli("generate", *settings, "--out", out, env=no_cache)
    assert third.returncode == 0, third.stderr
    after = tree_state(pkg)
    assert "stale.py" not in after  # files the output no longer has are removed
    # Folders are made anew in the staged tree (the package's own, and _runtime/); files keep their inode.
    changed = sorted(name for name in after if not (pkg / name).is_dir() and after[name] != before.get(name))
    assert changed == ["_manifest.json", "client.py"], changed
    assert "3 file(s) changed in" in third.stdout  # two rewritten, one removed
    assert b"assistants=v3" in after["client.py"][2]
