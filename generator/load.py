"""Stage 1: read the spec file (YAML or JSON) into plain Python data.

Hostile input is refused here, each time with a JSON pointer and the line: text
that is not UTF-8, nesting deeper than MAX_DEPTH, a repeated key, YAML alias
bombs and recursive aliases (see `compose`), JSON strings that are not text.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from generator.compose import MAX_DEPTH, Composer
from generator.json_lines import json_lines
from generator.problems import Problem, SpecError
from generator.spec import escape_token, on_the_way, pointer

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
    text = _decode(raw)
    doc = _parse_json(text) if is_json else _parse_yaml(text)
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        line = text[: len(text) - len(text.lstrip())].count("\n") + 1  # where the document starts
        raise SpecError([Problem("", f"the document must be a mapping, but it is {kind}", line=line)])
    return doc


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = f"the file is not UTF-8 text (byte {exc.start} is {raw[exc.start:exc.start + 1]!r})"
        raise SpecError([Problem("", message, line=line)]) from None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing makes many objects and no reference cycles: collecting meanwhile only costs time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_json(text: str) -> Any:
    repeated: dict[int, str] = {}  # id of an object -> a key it had twice

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    repeated[id(obj)] = key
                    break
                seen.add(key)
        return obj

    try:
        with _gc_paused():
            doc = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise SpecError([Problem("", f"invalid JSON: {exc.msg}", line=exc.lineno)]) from None
    except RecursionError:  # nesting far past MAX_DEPTH: find where it starts without the parser
        raise SpecError([too_deep_in_json_text(text)]) from None
    problem = check_tree(doc, repeated)
    if problem is not None:
        line = json_lines(text.encode("utf-8", "surrogatepass"), [problem.pointer]).get(problem.pointer)
        raise SpecError([dataclasses.replace(problem, line=line)])
    return doc


def _parse_yaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        with _gc_paused():
            node = Composer(loader).compose()
            return None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise SpecError([Problem("", message, line=line)]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem("", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels, the most this generator accepts"
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_tree(doc: Any, repeated: dict[int, str]) -> Problem | None:
    """The first problem in parsed JSON (or a document overlays changed): too deep, a repeated key, a lone surrogate.

    `repeated` maps the id of an object to a key it had twice (the JSON parser keeps only the last).
    """
    stack: list[tuple[Any, int, Any]] = [(doc, 1, None)]  # (value, depth, path as (parent path, token))
    while stack:
        node, depth, path = stack.pop()
        if isinstance(node, dict):
            if id(node) in repeated:
                return Problem(_json_pointer((path, repeated[id(node)])), f"duplicate key {repeated[id(node)]!r}")
            items: Any = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            if isinstance(node, str) and not node.isascii() and _SURROGATE.search(node):
                return Problem(_json_pointer(path), "a string holds a lone UTF-16 surrogate, which is not text")
            continue
        if depth > MAX_DEPTH:
            return Problem(_json_pointer(path), TOO_DEEP)
        for key, value in items:
            if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                return Problem(_json_pointer((path, key)), "a key holds a lone UTF-16 surrogate, which is not text")
            if isinstance(value, (dict, list, str)):
                stack.append((value, depth + 1, (path, key)))
    return None


def _json_pointer(path: Any) -> str:
    tokens = []
    while path is not None:
        path, token = path
        tokens.append(token)
    return pointer(*reversed(tokens))


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def too_deep_in_json_text(text: str) -> Problem:
    """Where JSON text first nests past MAX_DEPTH, read from its brackets (the text is too deep to parse)."""
    stack: list[list[Any]] = []  # per open container: [is an object, the current child's key or index]
    last = ""
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            if len(stack) >= MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                return Problem(pointer(*(frame[1] for frame in stack)), TOO_DEEP, line=line)
            stack.append([token == "{", "" if token == "{" else 0])
        elif token in "]}":
            if stack:
                stack.pop()
        elif token == ",":
            if stack and not stack[-1][0]:
                stack[-1][1] += 1
        elif token == ":":
            if stack:
                stack[-1][1] = json.loads(last)
        else:
            last = token
    return Problem("", TOO_DEEP)


def yaml_lines(raw: bytes, pointers: list[str]) -> dict[str, int]:
    """1-based line numbers of the nodes at these JSON pointers in a YAML text.

    A pointer to something missing (a required field, say) gets the line of its
    nearest ancestor that exists: where the missing thing belongs. It is only done
    when there are problems to report, so the common path pays nothing for it.
    Most pointers are placed from libyaml's events alone (a quarter of the cost of
    composing the document); one whose way passes through a `$ref`, an alias or a
    merge key is placed on the composed document, which follows them.
    """
    if not pointers:
        return {}
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        found, unsure = _lines_from_events(text, pointers)
        if unsure:
            found.update(_lines_from_nodes(text, unsure))
    except (yaml.YAMLError, UnicodeDecodeError, SpecError):
        return {}
    return found


_NOT_A_KEY = "\x00"  # stands for a key that is not plain text (an alias): matches no pointer token


@dataclass
class _Seen:
    """What one pass over the parser's events found on the way to the wanted pointers."""

    lines: dict[str, int] = field(default_factory=dict)  # the nodes on the way, and their lines
    indirect: set[str] = field(default_factory=set)  # mappings with a `$ref`, a merge or an alias as key
    aliases: set[str] = field(default_factory=set)  # composed, an alias is the node it names (its line)
    sequences: set[str] = field(default_factory=set)

    def settle(self, pointers: list[str]) -> tuple[dict[str, int], list[str]]:
        """The pointers' lines where the way to them is direct, and the pointers where it is not."""
        found: dict[str, int] = {}
        unsure: list[str] = []
        for ptr in pointers:
            at = ptr
            while at and at not in self.lines:
                at = at.rpartition("/")[0]
            if (at not in self.lines or at in self.aliases
                    or (at != ptr and (at in self.indirect or at in self.sequences))):
                unsure.append(ptr)  # the way goes on through a $ref, an alias or a merge (or an index like "01")
            else:
                found[ptr] = self.lines[at]
        return found, unsure


def _lines_from_events(text: str, pointers: list[str]) -> tuple[dict[str, int], list[str]]:
    """The lines of the pointers whose nodes are reached without indirection, and the other pointers.

    One pass over the parser's events, keeping the path only inside the nodes on the
    way to a wanted pointer; every other subtree is skipped by counting its brackets.
    """
    on_way = on_the_way(pointers)
    seen = _Seen()
    lines, indirect = seen.lines, seen.indirect  # local names: this loop is hot
    stack: list[list[Any]] = []  # per open node on the way: [pointer, is a mapping, its pending key or None, next index]
    skip = 0  # depth inside a subtree off the way
    loader = _Loader(text)
    try:
        get = loader.get_event
        while True:
            event = get()
            kind = type(event)
            opens = kind is MappingStartEvent or kind is SequenceStartEvent
            if skip:
                if opens:
                    skip += 1
                elif kind is MappingEndEvent or kind is SequenceEndEvent:
                    skip -= 1
                continue
            if kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
                continue
            if not (opens or kind is ScalarEvent or kind is AliasEvent):
                if kind is DocumentEndEvent or kind is StreamEndEvent:
                    break
                continue  # the stream or document starts
            if stack:
                frame = stack[-1]
                if frame[1]:
                    if frame[2] is None:  # this node is a key
                        frame[2] = event.value if kind is ScalarEvent else _NOT_A_KEY
                        if frame[2] in ("$ref", "<<", _NOT_A_KEY):
                            indirect.add(frame[0])
                        skip = 1 if opens else 0
                        continue
                    token, frame[2] = frame[2], None
                else:
                    token = str(frame[3])
                    frame[3] += 1
                at = frame[0] + "/" + escape_token(token)
            else:
                at = ""
            if at not in on_way:
                skip = 1 if opens else 0
                continue
            lines[at] = event.start_mark.line + 1
            if kind is AliasEvent:
                seen.aliases.add(at)
            elif opens:
                stack.append([at, kind is MappingStartEvent, None, 0])
                if kind is SequenceStartEvent:
                    seen.sequences.add(at)
    finally:
        loader.dispose()
    return seen.settle(pointers)


def _lines_from_nodes(text: str, pointers: list[str]) -> dict[str, int]:
    """The lines of these pointers on the composed document, following `$ref`s, aliases and merges."""
    root = Composer(_Loader(text)).compose()
    found: dict[str, int] = {}
    for ptr in pointers:
        node, at = None, ptr
        while node is None and at:
            node = _node_at(root, at)
            at = at.rpartition("/")[0]
        node = node if node is not None else root
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
        return unquote(str(ref.value[1:]))  # the fragment percent-decoded, as validate.ref_pointer
    return None
