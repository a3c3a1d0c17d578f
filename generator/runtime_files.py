"""Which runtime modules a generated package carries, and where each runtime name lives.

The runtime (generator/runtime/) is a package of hand-written modules by concern. Generated
code names a runtime member as `("._runtime", name)`; `module_of` says which module defines
it (read from each module's `__all__`). A package carries the modules its own code imports
and those they import in turn, nothing else: an API without list operations gets no
pagination module, one that never streams no streaming module.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
PACKAGE = "_runtime"  # the runtime's folder inside a generated package

_IMPORTED = re.compile(r"^[ \t]*from \.+(?:_runtime\.(\w+)|_runtime import (\w+))", re.MULTILINE)


@functools.cache
def _modules() -> dict[str, ast.Module]:
    return {path.stem: ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(RUNTIME_DIR.glob("*.py")) if path.stem != "__init__"}


@functools.cache
def exports() -> dict[str, str]:
    """Every public runtime name -> the module that defines it (from the modules' `__all__`)."""
    found: dict[str, str] = {}
    for module, tree in _modules().items():
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
                    and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)):
                for item in node.value.elts:
                    assert isinstance(item, ast.Constant) and isinstance(item.value, str)
                    assert item.value not in found, f"{item.value} is exported by two runtime modules"
                    found[item.value] = module
    return found


def module_of(name: str) -> str:
    """The import path of the runtime module that defines `name`, relative to the package."""
    return f".{PACKAGE}.{exports()[name]}"


@functools.cache
def _depends() -> dict[str, frozenset[str]]:
    """Each runtime module -> the runtime modules it imports."""
    return {module: frozenset(node.module for node in tree.body
                              if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module)
            for module, tree in _modules().items()}


def modules_used(texts: dict[str, str]) -> list[str]:
    """The runtime modules that the generated modules import, with everything they import."""
    todo = [a or b for text in texts.values() for a, b in _IMPORTED.findall(text)]
    found: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in found:
            found.add(module)
            todo += _depends()[module]
    return sorted(found)


def runtime_files(texts: dict[str, str], header: str) -> dict[str, str]:
    """The runtime files a package with these generated modules carries, each under the header."""
    names = ["__init__"] + modules_used(texts)
    return {f"{PACKAGE}/{name}.py": f"# {header}\n" + (RUNTIME_DIR / f"{name}.py").read_text(encoding="utf-8")
            for name in names}
