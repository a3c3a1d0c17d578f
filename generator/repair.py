"""--allow-partial, step one: deviations with one obvious meaning, repaired before validation.

Each repair is made exactly where openapi-spec-validator (or our own checks) would
refuse the document, on a copy (see `edit.Editor`), and each gives a warning of
kind "repaired" at the place the deviation is written:

- a lowercase response range (`4xx`) is read as `4XX`;
- `required: true`/`false` on a schema (Swagger 2 style) is dropped; on a property, `true`
  puts the property's name in its object's `required` list;
- a `title` on an operation (not an operation field) moves to `x-title`;
- a path parameter used in the path but not declared is added as a required string;
- a `$ref` that points at nothing, where a schema belongs, becomes a schema that accepts any
  JSON value, whose description says so;
- in an OpenAPI 3.0 document only (3.1 has these keywords): `const: v` becomes `enum: [v]`,
  an empty `enum` (no value would be valid) is removed, `type: 'null'` becomes
  `nullable: true, enum: [null]` (the form typed `None`; `nullable` alone would be `Any`),
  and `patternProperties` becomes `additionalProperties` (see `_pattern_values`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.edit import Editor
from generator.problems import Problem
from generator.spec import (
    MISSING,
    Tokens,
    iter_operations,
    iter_operations_written,
    iter_schemas,
    pointer,
    ref_pointer,
    resolve_pointer,
)
from generator.validate import _PATH_VAR, resolved_parameters

KIND = "repaired"
_LOWER_RANGE = re.compile(r"[1-5][xX][xX]")


@dataclass(frozen=True)
class Fix:
    """One repair: where it is written, what it does to the document, and what the warning says."""

    tokens: Tokens
    apply: Callable[[Editor], None]
    message: str
    late: bool = False  # made after every other repair, innermost first (it moves what it repairs)


def repair(doc: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The document with every such deviation repaired (`doc` itself is left as it was), and a
    warning for each repair."""
    fixes = list(find_fixes(doc))
    ordered = [f for f in fixes if not f.late] + [f for f in reversed(fixes) if f.late]
    editor = Editor(doc)
    notes = []
    for fix in ordered:
        try:
            fix.apply(editor)
        except LookupError:
            continue  # its node went with an earlier repair (a dangling $ref's siblings, say)
        notes.append(Problem(pointer(*fix.tokens), fix.message, "warning", kind=KIND))
    return editor.doc, notes


def find_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    is_30 = str(doc.get("openapi", "")).startswith("3.0")
    for tokens, schema, is_property in iter_schemas(doc):
        yield from _schema_fixes(doc, tokens, schema, is_property, is_30)
    for tokens, op in iter_operations_written(doc):
        yield from _operation_fixes(tokens, op)
    yield from _path_parameter_fixes(doc)


def _schema_fixes(doc: dict[str, Any], tokens: Tokens, schema: dict[str, Any], is_property: bool,
                  is_30: bool) -> Iterator[Fix]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#") and resolve_pointer(doc, ref_pointer(ref)) is MISSING:
        yield _dangling(tokens, ref)
        return
    if isinstance(schema.get("required"), bool):
        yield _required_flag(tokens, schema["required"], is_property)
    if not is_30:
        return
    if "const" in schema:
        yield _const(tokens, schema["const"])
    if schema.get("enum") == []:
        yield Fix((*tokens, "enum"), lambda e: _pop(e, tokens, "enum"),
                  "an empty `enum` allows no value at all: removed (the schema's type stays)")
    if schema.get("type") == "null":
        yield _null_type(tokens)
    if isinstance(schema.get("patternProperties"), dict):
        yield _pattern_properties(tokens, schema)


def _pop(editor: Editor, tokens: Tokens, key: str) -> None:
    editor.node(tokens).pop(key)


def _dangling(tokens: Tokens, ref: str) -> Fix:
    description = f"Any JSON value: the spec's $ref {ref!r} here points at nothing."

    def apply(editor: Editor) -> None:
        editor.node(tokens[:-1])[tokens[-1]] = {"description": description}

    return Fix((*tokens, "$ref"), apply, f"$ref {ref!r} points at nothing: replaced by a schema that accepts "
               "any JSON value (typed Any), described as dangling")


def _required_flag(tokens: Tokens, flag: bool, is_property: bool) -> Fix:
    name = tokens[-1]

    def apply(editor: Editor) -> None:
        editor.node(tokens).pop("required")
        if flag and is_property:
            parent = editor.node(tokens[:-2])
            listed = parent.get("required")
            listed = list(listed) if isinstance(listed, list) else []
            parent["required"] = listed if name in listed else [*listed, name]

    if is_property and flag:
        said = f"dropped, and {name!r} added to its object's `required` list"
    else:
        said = "dropped" + (" (the property stays optional)" if is_property else " (it is not on a property)")
    return Fix((*tokens, "required"), apply, f"`required: {str(flag).lower()}` on a schema is Swagger 2 style: {said}")


def _const(tokens: Tokens, value: Any) -> Fix:
    def apply(editor: Editor) -> None:
        schema = editor.node(tokens)
        schema["enum"] = [schema.pop("const")]
        if value is None:
            schema["nullable"] = True

    shown = json.dumps(value, default=str)
    return Fix((*tokens, "const"), apply, f"`const` is OpenAPI 3.1; in a 3.0 document it is read as `enum: [{shown}]`")


def _null_type(tokens: Tokens) -> Fix:
    def apply(editor: Editor) -> None:
        schema = editor.node(tokens)
        del schema["type"]
        schema["nullable"] = True
        schema["enum"] = [None]

    return Fix((*tokens, "type"), apply, "`type: 'null'` is OpenAPI 3.1; in a 3.0 document it is read as "
               "`nullable: true` with `enum: [null]` (typed None)")


def _pattern_properties(tokens: Tokens, schema: dict[str, Any]) -> Fix:
    said = _pattern_values(schema)[1]

    def apply(editor: Editor) -> None:
        node = editor.node(tokens)
        node["additionalProperties"] = _pattern_values(node)[0]
        del node["patternProperties"]

    return Fix((*tokens, "patternProperties"), apply,
               f"`patternProperties` is not OpenAPI 3.0: read as `additionalProperties` {said}", late=True)


def _pattern_values(schema: dict[str, Any]) -> tuple[Any, str]:
    """What `additionalProperties` becomes: the one pattern's schema; several patterns' schemas as
    an anyOf (identical ones once); `true` when any value was already allowed. An existing
    `additionalProperties` schema joins the anyOf."""
    values: list[Any] = []
    for sub in [*schema["patternProperties"].values(), schema.get("additionalProperties", False)]:
        if sub is True or sub == {}:
            return True, "true (any value)"
        if isinstance(sub, dict) and sub not in values:
            values.append(sub)
    if len(values) == 1:
        return values[0], "with the pattern's schema"
    if not values:
        return True, "true (any value)"
    return {"anyOf": values}, f"with an anyOf of the {len(values)} patterns' schemas"


def _operation_fixes(tokens: Tokens, op: dict[str, Any]) -> Iterator[Fix]:
    responses = op.get("responses")
    if isinstance(responses, dict):
        for code in responses:
            if isinstance(code, str) and _LOWER_RANGE.fullmatch(code) and code != code.upper() \
                    and code.upper() not in responses:
                yield _response_range((*tokens, "responses"), code)
    if "title" in op:
        yield _title(tokens, "x-title" in op)


def _response_range(tokens: Tokens, code: str) -> Fix:
    def apply(editor: Editor) -> None:
        responses = editor.node(tokens)
        renamed = {(code.upper() if key == code else key): value for key, value in responses.items()}
        responses.clear()
        responses.update(renamed)

    return Fix((*tokens, code), apply, f"a response range is written in upper case: {code!r} is read as {code.upper()!r}")


def _title(tokens: Tokens, taken: bool) -> Fix:
    def apply(editor: Editor) -> None:
        op = editor.node(tokens)
        title = op.pop("title")
        if not taken:
            op["x-title"] = title

    where = "dropped (the operation already has an `x-title`)" if taken else "moved to `x-title`"
    return Fix((*tokens, "title"), apply, f"`title` is not an operation field: {where}")


def _path_parameter_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    paths = doc.get("paths")
    for path, method, op, item in iter_operations(doc):
        written = paths.get(path) if isinstance(paths, dict) else None
        if not (isinstance(written, dict) and written.get(method) is op) or \
                not isinstance(op.get("parameters", []), list):
            continue  # written elsewhere (a path item $ref), or parameters the validator will refuse
        declared = {p.get("name") for p in resolved_parameters(doc, item, op) if p.get("in") == "path"}
        for name in dict.fromkeys(_PATH_VAR.findall(path)):
            if name not in declared:
                yield _path_parameter(("paths", path, method), name)


def _path_parameter(tokens: Tokens, name: str) -> Fix:
    def apply(editor: Editor) -> None:
        op = editor.node(tokens)
        op["parameters"] = [*op.get("parameters", []),
                            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]

    return Fix(tokens, apply, f"path parameter {{{name}}} is used in the path but not declared: "
               "added to the operation as a required string")
