"""Filters: the part of a spec reachable from the chosen operations.

`--tag` and `--operation` pick operations; the document is pruned to them and to
the components their `$ref`s reach, transitively. With no filter the whole spec
is in scope, unused components included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.problems import Problem, SpecError
from generator.spec import iter_operations, ref_pointer, unescape_token

_COMPONENT_REF = "#/components/"


@dataclass(frozen=True)
class Filters:
    tags: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tags or self.operations)


NO_FILTERS = Filters()


def operation_count(doc: dict[str, Any]) -> int:
    return sum(1 for _ in iter_operations(doc))


def select(doc: dict[str, Any], filters: Filters) -> dict[str, Any]:
    """The document limited to the filtered operations and what they reach."""
    if not filters:
        return doc
    chosen = _chosen(doc, filters)
    paths: dict[str, Any] = {}
    for path, method, _, item in iter_operations(doc):
        if (path, method) in chosen:
            kept = paths.setdefault(path, {k: v for k, v in item.items() if k not in _METHODS})
            kept[method] = item[method]
    pruned = {k: v for k, v in doc.items() if k not in ("paths", "components", "webhooks")}
    pruned["paths"] = paths
    pruned["components"] = _reachable_components(doc, paths)
    return pruned


_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def _chosen(doc: dict[str, Any], filters: Filters) -> set[tuple[str, str]]:
    chosen: set[tuple[str, str]] = set()
    seen_tags: set[str] = set()
    seen_ids: set[str] = set()
    for path, method, op, _ in iter_operations(doc):
        tags = set(op.get("tags") or ())
        seen_tags |= tags & set(filters.tags)
        if op.get("operationId") in filters.operations:
            seen_ids.add(op["operationId"])
        if tags & set(filters.tags) or op.get("operationId") in filters.operations:
            chosen.add((path, method))
    problems = [Problem("/paths", f"no operation has the tag {t!r}") for t in filters.tags if t not in seen_tags]
    problems += [Problem("/paths", f"no operation has the operationId {o!r}")
                 for o in filters.operations if o not in seen_ids]
    if problems:
        raise SpecError(problems)
    return chosen


def _reachable_components(doc: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    components: dict[str, Any] = doc.get("components") or {}
    kept: dict[str, dict[str, Any]] = {}
    if "securitySchemes" in components:
        kept["securitySchemes"] = components["securitySchemes"]
    stack: list[Any] = [paths]
    while stack:
        for ref in _refs(stack.pop()):
            section, _, name = ref_pointer(ref)[len(_COMPONENT_REF) - 1:].partition("/")
            name = unescape_token(name.split("/")[0])
            target = (components.get(section) or {}).get(name)
            if target is None or name in kept.get(section, {}):
                continue
            kept.setdefault(section, {})[name] = target
            stack.append(target)
    return {section: dict(sorted(entries.items())) if section != "securitySchemes" else entries
            for section, entries in kept.items()}


def _refs(node: Any) -> Iterator[str]:
    """Every component reference under a node (iteratively: deep specs cannot overflow the stack)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and ref.startswith(_COMPONENT_REF):
                yield ref
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))


