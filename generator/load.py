"""Stage 1: read the spec file (YAML or JSON) into plain Python data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.problems import Problem, SpecError

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class LoadedSpec:
    path: Path
    raw: bytes
    doc: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def load_spec(path: Path) -> LoadedSpec:
    """Read and parse a spec; any failure becomes a SpecError naming the place."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem("", f"cannot read {path}: {exc.strerror or exc}")]) from None
    doc = parse_bytes(raw, path.suffix.lower() == ".json")
    return LoadedSpec(path=path, raw=raw, doc=doc)


def parse_bytes(raw: bytes, is_json: bool) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError([Problem("", f"the file is not UTF-8 text (byte {exc.start})")]) from None
    doc = _parse_json(text) if is_json else _parse_yaml(text)
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        raise SpecError([Problem("", f"the document must be a mapping, but it is {kind}")])
    return doc


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError([Problem("", f"invalid JSON: {exc.msg}", line=exc.lineno)]) from None


def _parse_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise SpecError([Problem("", message, line=line)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem("", f"invalid YAML: {exc}")]) from None


def yaml_lines(raw: bytes, pointers: list[str]) -> dict[str, int]:
    """1-based line numbers of the nodes at these JSON pointers in a YAML text (missing ones left out).

    Composing keeps positions, which plain loading drops; it is only done when there
    are problems to report, so the common path pays nothing for it.
    """
    if not pointers:
        return {}
    try:
        root = yaml.compose(raw.decode("utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    for ptr in pointers:
        node = _node_at(root, ptr)
        if node is not None:
            found[ptr] = node.start_mark.line + 1
    return found


def _node_at(root: Any, ptr: str) -> Any:
    """The node at a pointer, following local `$ref`s on the way (validators report paths through them)."""
    node = root
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in ptr.split("/")[1:]] if ptr else []
    for token in tokens:
        for _ in range(32):  # bounded: a reference cycle cannot hang the lookup
            child = _child(node, token)
            if child is not None:
                break
            target = _ref_target(node)
            if target is None or target == ptr:
                return None
            node = _node_at(root, target)
        else:
            return None
        if child is None:
            return None
        node = child
    return node


def _child(node: Any, token: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == token), None)
    if isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
        return node.value[int(token)]
    return None


def _ref_target(node: Any) -> str | None:
    ref = _child(node, "$ref")
    if isinstance(ref, yaml.ScalarNode) and ref.value.startswith("#"):
        return str(ref.value[1:])
    return None
