"""--allow-partial, step two: what is still invalid after the repairs costs its corner, not the spec.

Each validation error is placed by its pointer, and the smallest part of the document
that holds it is taken out (on a copy, see `edit.Editor`), with a warning at the error:

- in an operation (`/paths/{path}/{method}/...`): the operation is dropped ("dropped-operation");
- in a path item, outside its operations (its `parameters`, say): the path item's operations;
- in a component schema (`/components/schemas/X/...`): X becomes a schema that accepts any JSON
  value (typed Any), whose description says why ("replaced-schema");
- in another component (a parameter, request body, response, header, ...): the component is
  dropped ("dropped-component"), with every operation that uses it, directly or through other
  components;
- in an optional part of the document that generates no code (a server, a tag, a webhook,
  `externalDocs`, the info's contact, license, description or terms): that part ("dropped").

Anything else (`/info/title`, `/openapi`, the document's own shape) stays an error. The pruned
document is validated again; what that finds is isolated the same way, for a few rounds at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from generator.edit import Editor
from generator.problems import Problem, SpecError
from generator.spec import (
    HTTP_METHODS,
    iter_operations,
    iter_refs,
    path_item,
    pointer,
    ref_pointer,
    unescape_token,
)

Check = Callable[[dict[str, Any]], list[Problem]]  # validation: the warnings, or SpecError with the errors
MAX_ROUNDS = 6
COMPONENT_KINDS = frozenset({"parameters", "requestBodies", "responses", "headers", "examples", "links",
                             "callbacks", "pathItems", "securitySchemes"})
_OPTIONAL_INFO = frozenset({"description", "termsOfService", "contact", "license", "summary"})
Errors = list[Problem]


def isolate(doc: dict[str, Any], errors: list[Problem], check: Check) -> tuple[dict[str, Any], Errors, Errors]:
    """(the document without what the errors are in, validation's warnings on it, a warning per part
    taken out); raises SpecError with the errors that nothing sensible can be taken out for."""
    notes: list[Problem] = []
    for _ in range(MAX_ROUNDS):
        doc, found, left = isolate_once(doc, errors)
        if left:
            raise SpecError(left)
        notes += found
        try:
            return doc, check(doc), notes
        except SpecError as exc:
            errors = [p for p in exc.problems if p.level == "error"]
    raise SpecError(errors)


def isolate_once(doc: dict[str, Any], errors: list[Problem]) -> tuple[dict[str, Any], Errors, Errors]:
    """(the pruned document, a warning per part taken out, the errors that have no part to take out:
    when there are any, nothing is taken out)."""
    plan = _Plan()
    left = [error for error in errors if not plan.place(doc, error)]
    if left:
        return doc, [], left
    editor = Editor(doc)
    plan.apply(editor)
    return editor.doc, plan.notes, []


def _tokens(ptr: str) -> list[str]:
    return [unescape_token(t) for t in ptr.split("/")[1:]] if ptr else []


def _at(doc: Any, *tokens: Any) -> Any:
    for token in tokens:
        if isinstance(doc, dict):
            doc = doc.get(token)
        elif isinstance(doc, list) and isinstance(token, int) and 0 <= token < len(doc):
            doc = doc[token]
        else:
            return None
    return doc


@dataclass
class _Plan:
    """What one round takes out, each part with the errors that are in it (in the order met)."""

    operations: dict[tuple[str, str], Errors] = field(default_factory=dict)
    path_items: dict[str, Errors] = field(default_factory=dict)
    schemas: dict[str, Errors] = field(default_factory=dict)
    components: dict[tuple[str, str], Errors] = field(default_factory=dict)
    others: dict[tuple[Any, ...], Errors] = field(default_factory=dict)
    notes: Errors = field(default_factory=list)
    dropped: set[tuple[str, str]] = field(default_factory=set)  # the operations taken out so far

    def place(self, doc: dict[str, Any], error: Problem) -> bool:
        """Note the part the error is in; False when there is none to take out."""
        t = _tokens(error.pointer)
        if t[:1] == ["paths"] and len(t) >= 2 and isinstance(_at(doc, "paths", t[1]), dict):
            if len(t) >= 3 and t[2] in HTTP_METHODS and isinstance(_at(doc, "paths", t[1], t[2]), dict):
                self.operations.setdefault((t[1], t[2]), []).append(error)
            else:
                self.path_items.setdefault(t[1], []).append(error)
            return True
        if t[:1] == ["components"] and len(t) >= 3 and _at(doc, *t[:3]) is not None:
            if t[1] == "schemas":
                self.schemas.setdefault(t[2], []).append(error)
                return True
            if t[1] in COMPONENT_KINDS:
                self.components.setdefault((t[1], t[2]), []).append(error)
                return True
            return False
        part = _optional_part(doc, t)
        if part is not None:
            self.others.setdefault(part, []).append(error)
        return part is not None

    def apply(self, editor: Editor) -> None:
        doc = editor.original
        for (kind, name), errors in self.components.items():
            self._component(doc, editor, kind, name, errors)
        for name, errors in self.schemas.items():
            self._schema(editor, name, errors)
        for path, errors in self.path_items.items():
            self._path_item(doc, editor, path, errors)
        for (path, method), errors in self.operations.items():
            self._operation(doc, editor, path, method, errors)
        for part, errors in sorted(self.others.items(), key=lambda kv: _order(kv[0]), reverse=True):
            _drop(editor, part)
            self.notes.append(_note(errors, f"{_named(part)} dropped", "dropped"))

    def _schema(self, editor: Editor, name: str, errors: Errors) -> None:
        why = f"{errors[0].message} (at {errors[0].pointer})"
        editor.node(("components", "schemas"))[name] = {
            "description": f"Any JSON value: the spec's schema {name!r} was replaced, as it is invalid: {why}"}
        self.notes.append(_note(errors, f"schema {name!r} replaced by a schema that accepts any JSON value "
                                "(typed Any)", "replaced-schema"))

    def _path_item(self, doc: dict[str, Any], editor: Editor, path: str, errors: Errors) -> None:
        item = path_item(doc, doc["paths"][path])
        methods = [m for m in HTTP_METHODS if isinstance(item.get(m), dict)] if isinstance(item, dict) else []
        del editor.node(("paths",))[path]
        for method in methods:
            self.notes.append(_note(errors, f"operation {_label(path, method, item[method])} dropped with its "
                                    "path item", "dropped-operation"))
        if not methods:
            self.notes.append(_note(errors, f"path item {path} dropped", "dropped"))

    def _operation(self, doc: dict[str, Any], editor: Editor, path: str, method: str, errors: Errors,
                   what: str = "dropped") -> None:
        if (path, method) in self.dropped or path in self.path_items:
            return
        self.dropped.add((path, method))
        op = _at(doc, "paths", path, method) or path_item(doc, doc["paths"][path]).get(method) or {}
        _drop_operation(editor, path, method, written=_at(doc, "paths", path, method) is not None)
        self.notes.append(_note(errors, f"operation {_label(path, method, op)} {what}", "dropped-operation"))

    def _component(self, doc: dict[str, Any], editor: Editor, kind: str, name: str, errors: Errors) -> None:
        bad = pointer("components", kind, name)
        reached = _reaching(doc, bad)
        why = f"it uses {bad}, which is invalid"
        for other in sorted(reached - {bad}):
            other_kind, other_name = _tokens(other)[1:3]
            if other_name in (_at(editor.doc, "components", other_kind) or {}):
                del editor.node(("components", other_kind))[other_name]
                self.notes.append(Problem(other, f"component {other} dropped: {why} ({errors[0].pointer}: "
                                          f"{errors[0].message})", "warning", kind="dropped-component"))
        if name in (_at(editor.doc, "components", kind) or {}):
            del editor.node(("components", kind))[name]
            self.notes.append(_note(errors, f"component {bad} dropped", "dropped-component"))
        for path, method in _users(doc, reached):
            if (path, method) not in self.operations:  # dropped for its own errors, and said so
                self._operation(doc, editor, path, method, errors, f"dropped: {why}")


def _note(errors: Errors, what: str, kind: str) -> Problem:
    first = errors[0]
    more = f" (and {len(errors) - 1} more problem(s) there)" if len(errors) > 1 else ""
    return Problem(first.pointer, f"{what}: {first.message}{more}", "warning", kind=kind)


def _label(path: str, method: str, op: Any) -> str:
    op_id = op.get("operationId") if isinstance(op, dict) else None
    return f"{method.upper()} {path}" + (f" ({op_id})" if isinstance(op_id, str) else "")


def _drop_operation(editor: Editor, path: str, method: str, written: bool) -> None:
    """Take the operation out of its path item; one `written` in a referenced path item (OpenAPI 3.1
    `$ref` to components/pathItems) goes with the reference. A path item left with no operation goes."""
    paths = editor.node(("paths",))
    if path not in paths:
        return
    item = editor.node(("paths", path))
    if written:
        item.pop(method, None)
    if not written or (not any(m in item for m in HTTP_METHODS) and "$ref" not in item):
        del paths[path]


def _optional_part(doc: dict[str, Any], t: list[str]) -> tuple[Any, ...] | None:
    """The part of the document outside paths and components that an error is in, when it can go."""
    if len(t) >= 2 and t[0] == "webhooks" and _at(doc, *t[:2]) is not None:
        return ("webhooks", t[1])
    if len(t) >= 2 and t[0] in ("servers", "tags") and t[1].isdigit() and _at(doc, t[0], int(t[1])) is not None:
        return (t[0], int(t[1]))
    if len(t) >= 1 and t[0] == "externalDocs" and "externalDocs" in doc:
        return ("externalDocs",)
    if len(t) >= 2 and t[0] == "info" and t[1] in _OPTIONAL_INFO and _at(doc, "info", t[1]) is not None:
        return ("info", t[1])
    return None


def _order(part: tuple[Any, ...]) -> tuple[str, int]:
    """List items are taken out from the last: the indexes of the others stay as they were."""
    return (str(part[0]), part[1] if isinstance(part[-1], int) else -1)


def _drop(editor: Editor, part: tuple[Any, ...]) -> None:
    parent = editor.node(part[:-1])
    del parent[part[-1]]
    if not parent and part[0] in ("servers", "tags", "webhooks"):
        del editor.node(())[part[0]]


def _named(part: tuple[Any, ...]) -> str:
    if part[0] in ("servers", "tags"):
        return f"{part[0][:-1]} {part[1]}"
    return {"webhooks": f"webhook {part[-1]!r}", "externalDocs": "externalDocs"}.get(part[0], f"info {part[-1]}")


def _reaching(doc: dict[str, Any], bad: str) -> set[str]:
    """`bad` and every component (but schemas) that leads to it through `$ref`s."""
    components = doc.get("components")
    if not isinstance(components, dict):
        return {bad}
    refs = {pointer("components", kind, name): _component_refs(node)
            for kind, section in components.items() if kind in COMPONENT_KINDS and isinstance(section, dict)
            for name, node in section.items()}
    reached = {bad}
    while True:
        more = {ptr for ptr, targets in refs.items() if ptr not in reached and targets & reached}
        if not more:
            return reached
        reached |= more


def _users(doc: dict[str, Any], reached: set[str]) -> list[tuple[str, str]]:
    """The operations (path, method) that use any of these components."""
    found = []
    for path, method, op, item in iter_operations(doc):
        written = doc["paths"][path]
        targets = _component_refs(op) | _component_refs(item.get("parameters"))
        if isinstance(written, dict):
            targets |= _component_refs({"$ref": written.get("$ref")})
        if targets & reached:
            found.append((path, method))
    return found


def _component_refs(node: Any) -> set[str]:
    """The components (as pointers `/components/kind/name`) that the `$ref`s under node name."""
    found = set()
    for _, ref in iter_refs(node):
        t = _tokens(ref_pointer(ref)) if ref.startswith("#/components/") else []
        if len(t) >= 3:
            found.add(pointer(*t[:3]))
    return found
