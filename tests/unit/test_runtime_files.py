"""generator/runtime_files.py: which runtime modules a package carries, and where names live."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from generator import HEADER
from generator.runtime_files import RUNTIME_DIR, exports, module_of, modules_used, runtime_files

MODULES = sorted(p.stem for p in RUNTIME_DIR.glob("*.py") if p.stem != "__init__")
ALWAYS = ["auth", "core", "encoding", "errors", "transport"]  # what any client needs to send a call


def test_each_name_is_found_in_the_module_that_defines_it() -> None:
    assert module_of("Request") == "._runtime.encoding"
    assert module_of("SyncPage") == "._runtime.pagination"
    assert module_of("Stream") == "._runtime.streaming"
    assert module_of("Credentials") == "._runtime.auth"
    assert module_of("APIModel") == "._runtime.model"
    for name, module in exports().items():
        tree = ast.parse((RUNTIME_DIR / f"{module}.py").read_text(encoding="utf-8"))
        defined = {n.name for n in tree.body if isinstance(n, ast.ClassDef | ast.FunctionDef)}
        defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets
                    if isinstance(t, ast.Name)}
        defined |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        defined |= {"deprecated"} if module == "core" else set()  # defined under `if TYPE_CHECKING`
        assert name in defined, f"{module}.__all__ names {name}, which it does not define"


def test_a_client_without_pages_or_streams_carries_neither() -> None:
    texts = {"client.py": "from ._runtime.transport import SyncTransport\nfrom ._runtime import auth as _auth\n"}
    assert modules_used(texts) == ALWAYS
    files = runtime_files(texts, HEADER)
    assert sorted(files) == ["_runtime/__init__.py"] + [f"_runtime/{m}.py" for m in ALWAYS]
    assert all(text.startswith(f"# {HEADER}\n") for text in files.values())


def test_pages_and_streams_bring_their_modules_and_what_those_import() -> None:
    assert modules_used({"client.py": "from ._runtime.pagination import SyncPage\n"}) == sorted(ALWAYS + ["pagination"])
    assert "streaming" in modules_used({"client.py": "from ._runtime.streaming import Stream\n"})
    assert modules_used({"models.py": "from ._runtime.model import APIModel\n"}) == ["model"]


def test_the_modules_import_each_other_without_cycles() -> None:
    """core and errors import no other runtime module; the rest form a DAG (a cycle would make
    the import order matter, and a module could not be carried without the ones after it)."""
    graph = {m: modules_used({"x.py": f"from ._runtime.{m} import X\n"}) for m in MODULES}
    assert graph["core"] == ["core"] and graph["errors"] == ["errors"] and graph["model"] == ["model"]
    for module, needs in graph.items():
        for other in needs:
            if other != module:
                assert module not in graph[other], f"{module} and {other} import each other"


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone(module: str, tmp_path: Path) -> None:
    """A module and what it imports, in a fresh package: it imports (nothing else is needed)."""
    files = runtime_files({"x.py": f"from ._runtime.{module} import X\n"}, HEADER)
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text, encoding="utf-8")
    (tmp_path / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    code = f"import pkg._runtime.{module}, sys; print(sorted(m for m in sys.modules if m.startswith('pkg._runtime.')))"
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = sorted(m.removeprefix("pkg._runtime.") for m in ast.literal_eval(result.stdout))
    assert loaded == modules_used({"x.py": f"from ._runtime.{module} import X\n"})
