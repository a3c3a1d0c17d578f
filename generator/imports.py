"""Import blocks for generated modules, grouped and ordered the way isort/ruff expect."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from generator.runtime_files import exports, module_of

_STDLIB = frozenset({"builtins", "collections.abc", "datetime", "functools", "types", "typing"})

# what each type-hint import key means
KEY_SOURCES = {
    "Annotated": ("typing", "Annotated"),
    "Any": ("typing", "Any"),
    "Literal": ("typing", "Literal"),
    "TypeAlias": ("typing", "TypeAlias"),
    "Field": ("pydantic", "Field"),
    "APIModel": ("._runtime", "APIModel"),
    "OPEN_ENUM": ("._runtime", "OPEN_ENUM"),
    "UnknownVariant": ("._runtime", "UnknownVariant"),
    "OpenUnion": ("._runtime", "OpenUnion"),
    "TypeAliasType": ("typing_extensions", "TypeAliasType"),
    # only in argument hints (operations.py, client.py), which are scanned for the names they use
    "Mapping": ("collections.abc", "Mapping"),
    "SequenceNotStr": ("._runtime", "SequenceNotStr"),
}


def member_key(name: str) -> tuple[int, str, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions; case-insensitive."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return rank, name.lower(), name


def import_block(plain: Iterable[str], members: Iterable[tuple[str, str]], depth: int = 0,
                 homes: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Lines of an import block; "" separates the stdlib, third-party and local groups. Members of
    the package are named relative to its top (`.models`); `depth` is how many folders down the
    importing module is (1 for `resources/files.py`: `..models`). In a package whose models are
    split into modules, `homes` says which module under models/ holds each model."""
    groups: list[list[str]] = [[], [], []]
    by_module: dict[str, set[str]] = {}
    for module, name in members:
        if module == "._runtime" and name in exports():  # a runtime member: from the module defining it
            module = module_of(name)
        elif module == ".models" and homes is not None and name in homes:
            module = f".models.{homes[name]}"
        if module.startswith("."):
            module = "." * depth + module
        by_module.setdefault(module, set()).add(name)
    for module in sorted(set(plain)):
        groups[_group(module)].append(f"import {module}")
    for module in sorted(by_module, key=lambda m: (m.startswith("."), m)):
        names = ", ".join(sorted(by_module[module], key=member_key))
        groups[_group(module)].append(f"from {module} import {names}")
    lines: list[str] = []
    for group in groups:
        if group:
            lines += ([""] if lines else []) + group
    return tuple(lines)


def _group(module: str) -> int:
    if module.startswith("."):
        return 2
    return 0 if module in _STDLIB or module.split(".")[0] in _STDLIB else 1


def type_members(keys: Iterable[str]) -> list[tuple[str, str]]:
    return [KEY_SOURCES[k] for k in keys if k in KEY_SOURCES]


def sort_exports(names: Iterable[str]) -> tuple[str, ...]:
    """`__all__` in the order ruff's RUF022 expects."""
    return tuple(sorted(set(names), key=lambda n: (member_key(n)[0], n)))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def names_in(texts: Iterable[str]) -> set[str]:
    """Every identifier the given pieces of generated source mention."""
    return {name for text in texts for name in _IDENTIFIER.findall(text)}
