"""OpenAPI Overlay 1.0: fix a published spec without forking it.

An overlay is a list of actions; each selects nodes with an RFC 9535 JSONPath
`target` and either merges `update` into them or removes them (`remove: true`).
Merging is recursive for objects; an array target gets `update` appended; any
other value is replaced. A target that matches nothing is an error here: a
silent no-op would hide a spec change that broke the overlay.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from generator.load import parse_bytes
from generator.problems import Problem, SpecError
from generator.spec import pointer


def apply_overlays(doc: dict[str, Any], overlays: list[tuple[Path, bytes]]) -> dict[str, Any]:
    """A new document with every overlay applied in order; the input is not changed."""
    if not overlays:
        return doc
    result = copy.deepcopy(doc)
    for path, raw in overlays:
        try:
            overlay = parse_bytes(raw, path.suffix.lower() == ".json")
        except SpecError as exc:  # the overlay's own syntax: say which file (the line is the overlay's)
            raise SpecError([dataclasses.replace(p, pointer=f"{path.as_posix()}#{p.pointer}")
                             for p in exc.problems]) from None
        problems = check_overlay(path, overlay)
        if problems:
            raise SpecError(problems)
        for i, action in enumerate(overlay["actions"]):
            _apply_action(result, action, f"{path.as_posix()}#{pointer('actions', i)}")
    return result


def check_overlay(path: Path, overlay: dict[str, Any]) -> list[Problem]:
    where = path.as_posix() + "#"
    problems = []
    if not str(overlay.get("overlay", "")).startswith("1."):
        problems.append(Problem(where + "/overlay", "not an Overlay 1.x document (expected overlay: 1.0.0)"))
    actions = overlay.get("actions")
    if not isinstance(actions, list) or not actions:
        problems.append(Problem(where + "/actions", "an overlay needs a non-empty list of actions"))
        return problems
    for i, action in enumerate(actions):
        at = where + pointer("actions", i)
        if not isinstance(action, dict) or not isinstance(action.get("target"), str):
            problems.append(Problem(at, "each action needs a JSONPath `target`"))
        elif "update" not in action and action.get("remove") is not True:
            problems.append(Problem(at, "an action needs `update` or `remove: true`"))
    return problems


def _apply_action(doc: dict[str, Any], action: dict[str, Any], where: str) -> None:
    import jsonpath_rfc9535 as jsonpath  # imported on first use: a run that is up to date applies nothing

    try:
        nodes = list(jsonpath.find(action["target"], doc))
    except jsonpath.JSONPathError as exc:
        raise SpecError([Problem(where + "/target", f"invalid JSONPath: {exc}")]) from None
    if not nodes:
        raise SpecError([Problem(where + "/target", f"{action['target']!r} matches nothing in the spec")])
    if action.get("remove") is True:
        _remove(doc, [list(node.location) for node in nodes], where)
        return
    # deepest first, so replacing one node cannot invalidate the location of another
    for node in sorted(nodes, key=lambda n: len(n.location), reverse=True):
        _update(doc, list(node.location), action["update"], where)


def _parent(doc: Any, location: list[Any]) -> Any:
    parent = doc
    for key in location[:-1]:
        parent = parent[key]
    return parent


def _remove(doc: dict[str, Any], locations: list[list[Any]], where: str) -> None:
    """Remove every node matched, each once (a JSONPath result may name a node twice).

    Every parent is found before anything is removed, and a list loses its items from the
    last one down: removing item 0 first would make the item meant as 1 the one at 2.
    A node inside another one removed goes with it.
    """
    if any(not location for location in locations):
        raise SpecError([Problem(where + "/target", "the whole document cannot be removed")])
    parents: dict[int, tuple[Any, set[Any]]] = {}  # by id: the same list or object may be reached twice
    for location in locations:
        parent = _parent(doc, location)
        parents.setdefault(id(parent), (parent, set()))[1].add(location[-1])
    for parent, keys in parents.values():
        for key in sorted(keys, reverse=True) if isinstance(parent, list) else keys:
            del parent[key]


def _update(doc: dict[str, Any], location: list[Any], update: Any, where: str) -> None:
    target = _parent(doc, location)[location[-1]] if location else doc
    if isinstance(target, list):
        target.append(copy.deepcopy(update))
    elif isinstance(target, dict) and isinstance(update, dict):
        merge(target, update)
    elif location:
        _parent(doc, location)[location[-1]] = copy.deepcopy(update)
    else:
        raise SpecError([Problem(where + "/update", "the document root can only be merged with an object")])


def merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Recursive merge: objects merge key by key, everything else is replaced."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
