"""Resources: a big API's operations grouped the way its spec groups them.

`client.files.list()` rather than `client.list_files()`: each operation goes to the resource
of its first tag (or, with `x-oapi-pygen-grouping: paths` at the document's root, of its first
path segment), nested one level where the paths under a tag split into collections
(`fine_tuning.jobs`). Inside a resource a method drops the words its resource already says
(`list_files` -> `files.list`) when the shorter name stays unique and safe.

A spec whose operations share one tag (or none) keeps a flat client, as does
`x-oapi-pygen-grouping: flat`, unless it has more than FLAT_LIMIT operations: then, unless a
grouping is chosen, they are grouped by path (a flat client of 242 methods is a wall). An operation's `x-oapi-pygen-resource` ("fine_tuning.jobs", or
"" for the client itself) places it by hand, and a tag's renames the tag's resource ("" puts
the tag's operations on the client).

The project's settings (`Layout`: `grouping` and `resources` in `[tool.oapi-pygen]`, or
`--grouping`) come last: their grouping wins over the spec's, and their renames move a resource
of the client as it would otherwise be (spec extensions and nesting included) to another place.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.ir import OperationIR, ResourceIR
from generator.naming import GENERATED_MODULE_NAMES, KEYWORDS, pascal, snake
from generator.problems import Problem
from generator.spec import iter_operations, iter_operations_written, pointer

GROUPING_EXTENSION = "x-oapi-pygen-grouping"  # at the root: "tags" (the default), "paths" or "flat"
RESOURCE_EXTENSION = "x-oapi-pygen-resource"  # on an operation (its dotted place) or a tag (its name)
GROUPINGS = ("tags", "paths", "flat")
# What a client or resource class has besides its operations and sub-resources.
MEMBERS = frozenset({"close", "base_url"})
# Builtins a method of a resource may be called (its module then qualifies them in type hints).
_SHADOWABLE = frozenset({"list"})
# A resource's attributes and methods are class attributes: they may not be a name that the
# type hints in its class body mean otherwise (a builtin type, a module the generated code imports).
_HINT_NAMES = frozenset({"bool", "bytes", "dict", "float", "frozenset", "int", "list", "object", "set", "str",
                         "tuple", "type", "builtins", "cached_property"})
_NAME_RESERVED = (KEYWORDS | _HINT_NAMES | {n for n in GENERATED_MODULE_NAMES if n.islower()} | MEMBERS
                  ) - _SHADOWABLE - {"models", "runtime"}
_MIN_NESTED = 2  # a collection under a tag becomes a sub-resource when it has this many operations
# A spec whose tags make no two resources keeps a flat client up to this many operations (the
# Assistants subset has 23); beyond, unless a grouping is chosen, its operations go by path.
FLAT_LIMIT = 40


@dataclass(frozen=True)
class Layout:
    """The project's say on resources (`[tool.oapi-pygen]` grouping and resources, or --grouping).

    `grouping`: one of GROUPINGS, over the spec's `x-oapi-pygen-grouping`; None leaves it to the
    spec. `resources`: (resource, new place) pairs, sorted: a resource of the client as it would
    be without them (dotted, "fine_tuning.jobs") moves, with what it holds, to the new place
    (dotted; "" for the client itself). The longest resource that holds an operation decides.
    """

    grouping: str | None = None
    resources: tuple[tuple[str, str], ...] = ()


NO_LAYOUT = Layout()


@dataclass(frozen=True)
class Grouped:
    """Where every operation went: those left on the client, and the resource tree."""

    client_operations: tuple[OperationIR, ...]
    resources: tuple[ResourceIR, ...]
    calls: tuple[OperationIR, ...]  # every operation as placed (method_name, call_path), in the spec's order
    problems: tuple[Problem, ...] = ()  # renames of resources the client does not have (warnings)


def resource_path_problem(text: str, client: bool = True, dotted: bool = True) -> str | None:
    """Why `text` is not a resource's place: Python identifiers (dotted, if `dotted`), or (if
    `client`) "" for the client itself. None when it is one."""
    if text == "" and client:
        return None
    what = "resource path" if dotted else "resource name"
    example = "dotted Python identifiers such as fine_tuning.jobs" if dotted else "a Python identifier such as files"
    for part in text.split(".") if dotted else [text]:
        if part.isidentifier() and keyword.iskeyword(part):
            return f"{text!r} is not a {what}: {part!r} is a Python keyword"
        if not part.isidentifier():
            return f"{text!r} is not a {what}: write {example}" + (' (or "" for the client itself)' if client else "")
    return None


def check_extensions(doc: dict[str, Any]) -> Iterator[Problem]:
    """`x-oapi-pygen-grouping` at the root is one of GROUPINGS, an operation's `x-oapi-pygen-resource`
    a resource path and a tag's a resource name ("" for the client itself, either); null counts as
    not written."""
    grouping = doc.get(GROUPING_EXTENSION)
    if grouping is not None and (not isinstance(grouping, str) or grouping not in GROUPINGS):
        yield Problem(pointer(GROUPING_EXTENSION), f"must be one of {', '.join(GROUPINGS)}, not {grouping!r}")
    places = [((*tokens, RESOURCE_EXTENSION), op.get(RESOURCE_EXTENSION), True)
              for tokens, op in iter_operations_written(doc)]
    tags = doc.get("tags")
    places += [(("tags", i, RESOURCE_EXTENSION), tag.get(RESOURCE_EXTENSION), False)
               for i, tag in enumerate(tags if isinstance(tags, list) else []) if isinstance(tag, dict)]
    for tokens, value, dotted in places:
        if value is None:
            continue
        example = "a resource path such as fine_tuning.jobs" if dotted else "a resource name such as files"
        why = resource_path_problem(value, dotted=dotted) if isinstance(value, str) else (
            f'must be {example} (or "" for the client itself), not {value!r}')
        if why:
            yield Problem(pointer(*tokens), why)


def group(doc: dict[str, Any], operations: list[OperationIR], taken: set[str],
          layout: Layout = NO_LAYOUT) -> Grouped:
    """The operations grouped into resources (see the module docstring); `taken` are the names
    module-level code may not reuse for a class (the models and the clients)."""
    places = _places(doc, operations, _grouping(doc, layout))
    if _roots(places) < 2 and _chosen_grouping(doc, layout) is None and len(operations) > FLAT_LIMIT:
        places = _places(doc, operations, "paths")  # too many for a flat client, no tags to group by
    if _roots(places) < 2 and not _placed_by_hand(doc, operations):
        places = {op.pointer: () for op in operations}  # a flat client: renames find no resource
    problems = tuple(_unused_renames(places, layout))
    places = _renamed(places, layout)
    if not any(places.values()):
        return Grouped(tuple(operations), (), tuple(operations), problems)
    flat = tuple(op for op in operations if not places[op.pointer])
    tree: dict[tuple[str, ...], list[OperationIR]] = {}
    for op in operations:
        if places[op.pointer]:
            tree.setdefault(places[op.pointer], []).append(op)
    names = {op.method_name for op in flat} | MEMBERS
    roots = sorted({place[0] for place in tree})
    resources = tuple(_resource((root,), tree, taken, names) for root in roots)
    placed = {op.pointer: op for r in flatten(resources) for op in r.operations}
    return Grouped(flat, resources, tuple(placed.get(op.pointer, op) for op in operations), problems)


def _grouping(doc: dict[str, Any], layout: Layout) -> str:
    """The project's grouping, else the spec's, else tags."""
    return _chosen_grouping(doc, layout) or "tags"


def _chosen_grouping(doc: dict[str, Any], layout: Layout) -> str | None:
    """The project's grouping, else the spec's (validation refuses a value not in GROUPINGS); None
    when neither chose one."""
    written = doc.get(GROUPING_EXTENSION)
    return layout.grouping or (written if isinstance(written, str) and written in GROUPINGS else None)


def _roots(places: dict[str, tuple[str, ...]]) -> int:
    """How many top-level resources the places make."""
    return len({place[0] for place in places.values() if place})


def _split_place(text: str) -> tuple[str, ...]:
    return tuple(_attribute(part) for part in text.split(".") if part.strip())


def _unused_renames(places: dict[str, tuple[str, ...]], layout: Layout) -> Iterator[Problem]:
    """A warning for each rename of a resource the client does not have (a changed spec, a filter)."""
    have = {place[:i] for place in places.values() for i in range(1, len(place) + 1)}
    listed = ", ".join(sorted(".".join(p) for p in have)) or "none, its operations are all on the client"
    for old, new in layout.resources:
        if tuple(old.split(".")) not in have:
            yield Problem("", f"[tool.oapi-pygen.resources] renames {old!r} (to {new!r}), but the client has "
                              f"no resource {old!r}; its resources: {listed}", "warning", kind="unused-rename")


def _renamed(places: dict[str, tuple[str, ...]], layout: Layout) -> dict[str, tuple[str, ...]]:
    """Each place with the longest renamed resource that holds it moved to its new place."""
    if not layout.resources:
        return places
    renames = {tuple(old.split(".")): _split_place(new) for old, new in layout.resources}
    moved = {}
    for ptr, place in places.items():
        held = next((place[:i] for i in range(len(place), 0, -1) if place[:i] in renames), None)
        moved[ptr] = place if held is None else renames[held] + place[len(held):]
    return moved


def _placed_by_hand(doc: dict[str, Any], operations: list[OperationIR]) -> bool:
    """Whether the spec places an operation in a resource by hand."""
    found = _operation_objects(doc)
    return any(isinstance(found.get(op.pointer, {}).get(RESOURCE_EXTENSION), str) for op in operations)


def _operation_objects(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {pointer("paths", path, method): op for path, method, op, _ in iter_operations(doc)}


def _places(doc: dict[str, Any], operations: list[OperationIR], grouping: str) -> dict[str, tuple[str, ...]]:
    """Each operation's resource path (() for the client itself), before the project's renames."""
    if grouping == "flat":
        return {op.pointer: () for op in operations}
    found = _operation_objects(doc)
    renamed = _tag_names(doc)
    any_tags = any(found.get(op.pointer, {}).get("tags") for op in operations)
    keys: dict[str, str] = {}
    for op in operations:
        written = found.get(op.pointer, {})
        tags = [t for t in written.get("tags") or [] if isinstance(t, str)]
        if grouping == "paths" or (not tags and any_tags):  # untagged among tagged: by its path
            keys[op.pointer] = _path_root(op.path, [o.path for o in operations])
        else:
            keys[op.pointer] = renamed.get(tags[0], _attribute(tags[0])) if tags else ""
    places: dict[str, tuple[str, ...]] = {}
    by_root: dict[str, list[OperationIR]] = {}
    for op in operations:
        if keys[op.pointer]:
            by_root.setdefault(keys[op.pointer], []).append(op)
        else:
            places[op.pointer] = ()
    for root, members in by_root.items():
        places.update(_nested(root, members))
    for op in operations:  # placed by hand
        chosen = found.get(op.pointer, {}).get(RESOURCE_EXTENSION)
        if isinstance(chosen, str):
            places[op.pointer] = _split_place(chosen)
    return places


def _tag_names(doc: dict[str, Any]) -> dict[str, str]:
    """Tag -> resource name, where a tag object renames its resource ("": the client itself)."""
    found = {}
    tags = doc.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str) and isinstance(tag.get(RESOURCE_EXTENSION), str):
            written = tag[RESOURCE_EXTENSION]
            found[tag["name"]] = _attribute(written) if written.strip() else ""
    return found


def _static(path: str) -> list[str]:
    """A path's segments that are not parameters: `/v1/files/{id}/content` -> v1, files, content."""
    return [s for s in path.strip("/").split("/") if s and "{" not in s]


def _common(lists: Iterable[list[str]]) -> list[str]:
    lists = list(lists)
    prefix: list[str] = []
    for parts in zip(*lists, strict=False):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return prefix if lists else []


def _path_root(path: str, every: list[str]) -> str:
    """The first segment after the prefix every path shares (`/v1`), as a resource name."""
    base = len(_common(_static(p) for p in every))
    rest = _static(path)[base:]
    return _attribute(rest[0]) if rest else ""


def _nested(root: str, members: list[OperationIR]) -> dict[str, tuple[str, ...]]:
    """Each operation's place under `root`: a sub-resource where the operations' paths, past the
    prefix they share, split into collections of at least _MIN_NESTED operations."""
    base = len(_common(_static(op.path) for op in members))
    first = {op.pointer: (_static(op.path)[base:] or [""])[0] for op in members}
    counts = Counter(first.values())
    places: dict[str, tuple[str, ...]] = {}
    for op in members:
        child = _attribute(first[op.pointer]) if first[op.pointer] else ""
        nest = len(counts) > 1 and counts[first[op.pointer]] >= _MIN_NESTED and child and child != root
        places[op.pointer] = (root, child) if nest else (root,)
    return places


def _attribute(text: str) -> str:
    """A resource's attribute name: snake_case, never a keyword, builtin or member."""
    name = snake(text) or "default"
    if name[0].isdigit():
        name = "r_" + name
    return name + "_" if name in _NAME_RESERVED or name in _SHADOWABLE else name


def _variants(word: str) -> set[str]:
    """A word and the words that may be its singular or plural: files/file, entries/entry,
    batches/batch, responses/response (a stray candidate such as `respons` matches nothing)."""
    found = {word, word + "s", word + "es"}
    if word.endswith("ies"):
        found.add(word[:-3] + "y")
    if word.endswith("es"):
        found.add(word[:-2])
    if word.endswith("s") and len(word) > 3:
        found.add(word[:-1])
    if word.endswith("y"):
        found.add(word[:-1] + "ies")
    return found


def _short(name: str, place: tuple[str, ...]) -> str:
    """An operation's name without the words its resource path says (`list_files` in files: list)."""
    said = {v for part in place for w in part.rstrip("_").split("_") for v in _variants(w)}
    parts = name.rstrip("_").split("_")
    own = {w for part in place for w in part.rstrip("_").split("_")}
    if parts[0] in said and parts[0] not in own:  # a verb like the resource (`invite_user` in invites)
        return name
    return "_".join(w for w in parts if w not in said)


def _method_names(ops: list[OperationIR], place: tuple[str, ...], children: set[str]) -> dict[str, str]:
    """pointer -> method name inside the resource: the short name where it is unique and safe."""
    full = {op.pointer: op.method_name for op in ops}
    short = {op.pointer: _short(op.method_name, place) for op in ops}
    counts = Counter(short.values())
    chosen = {}
    for op in ops:
        name = short[op.pointer]
        usable = (re.fullmatch(r"[a-z_][a-z0-9_]*", name) is not None and counts[name] == 1
                  and name not in _NAME_RESERVED and name not in children)
        chosen[op.pointer] = name if usable else full[op.pointer]
    while True:  # a full name kept may equal another's short name: that one keeps its full name too
        repeated = {n for n, c in Counter(chosen.values()).items() if c > 1}
        if not repeated:  # the full names are distinct, so this ends
            return chosen
        chosen = {p: full[p] if n in repeated else n for p, n in chosen.items()}


def _resource(place: tuple[str, ...], tree: dict[tuple[str, ...], list[OperationIR]], taken: set[str],
              parent_names: set[str]) -> ResourceIR:
    children_places = sorted({p[:len(place) + 1] for p in tree if len(p) > len(place) and p[:len(place)] == place})
    ops = tree.get(place, [])
    child_names = {p[-1] for p in children_places}
    methods = _method_names(ops, place, child_names)
    uses_list = "list" in methods.values()
    used = set(methods.values()) | child_names
    placed = tuple(dataclasses.replace(_qualified(op) if uses_list else op, method_name=methods[op.pointer],
                                       call_path=".".join((*place, methods[op.pointer])),
                                       twin_name=_twin(op, methods[op.pointer], used))
                   for op in ops)
    children = tuple(_resource(p, tree, taken, set(methods.values())) for p in children_places)
    attribute = place[-1]
    while attribute in parent_names:
        attribute += "_"
    return ResourceIR(
        attribute=attribute,
        path=".".join(place),
        class_name=_class_name(place, taken),
        module=place[0],
        operations=placed,
        children=children,
        qualifies_builtins=uses_list,
    )


def _twin(op: OperationIR, method: str, used: set[str]) -> str:
    """The streaming twin's name beside the method's: `<method>_stream` where that is free."""
    if not op.twin_kind:
        return op.twin_name
    name = f"{method}_stream"
    return name if name not in used else op.twin_name


def _class_name(place: tuple[str, ...], taken: set[str]) -> str:
    name = "".join(pascal(part) for part in place) + "Resource"
    while name in taken or "Async" + name in taken:
        name += "_"
    return name


_LIST_HINT = re.compile(r"(?<![\w.])list\[")


def _qualified(op: OperationIR) -> OperationIR:
    """The operation with `list[...]` in its hints written `builtins.list[...]`: inside a class
    that has a method called `list`, the bare name would mean the method to a type checker."""

    def q(text: str) -> str:
        return _LIST_HINT.sub("builtins.list[", text)

    return dataclasses.replace(
        op,
        path_params=tuple(dataclasses.replace(p, annotation=q(p.annotation)) for p in op.path_params),
        keyword_args=tuple(q(a) for a in op.keyword_args),
        stream_true_args=tuple(q(a) for a in op.stream_true_args),
        stream_false_args=tuple(q(a) for a in op.stream_false_args),
        response_type=q(op.response_type),
        page_item=q(op.page_item),
        stream_type=q(op.stream_type),
        response_item=q(op.response_item),
    )


def flatten(resources: Iterable[ResourceIR]) -> list[ResourceIR]:
    """Every resource of the tree, parents before their children."""
    found = []
    for resource in resources:
        found.append(resource)
        found += flatten(resource.children)
    return found
