"""Arguments for one call of each operation of a generated client, synthesised from the spec.

Used by tests/live_check.py. For each parameter of an operation's `_surface.json` entry the
schema is found in the spec (path- and operation-level parameters by `in` and name, body
properties in the first media type of the request body, allOf merged, `$ref`s resolved), and
a value is made: the first of the parameter's, media type's or schema's `example`/`examples`,
`default`, `enum[0]` or `const` that is valid under the schema, else one made from the type
and format (arrays of one item, objects with their required properties, the first branch of
a oneOf/anyOf), meeting minimum/length/pattern where that is cheap. `SchemaCheck` validates a
value against a schema of the document with openapi-schema-validator (3.0 or 3.1 dialect).
"""

from __future__ import annotations

import copy
import datetime
import json
import re
import re._parser as sre_parse
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import (
    OAS30Validator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)

MAX_DEPTH = 12  # nested schemas followed before an object or array is left empty
BINARY = b"live-check-bytes"
FORMATS: dict[str, Any] = {
    "date-time": "2024-01-02T03:04:05Z",
    "date": "2024-01-02",
    "time": "03:04:05",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "someone@example.com",
    "idn-email": "someone@example.com",
    "uri": "https://example.com/item",
    "url": "https://example.com/item",
    "iri": "https://example.com/item",
    "uri-reference": "https://example.com/item",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "bGl2ZS1jaGVjaw==",
    "password": "live-check-pass",
}

# ---- the document -----------------------------------------------------------------------


def load_spec(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    loaded = (
        json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)
    )
    if not isinstance(loaded, dict):
        raise TypeError(f"{path.name} is not an OpenAPI document")
    return loaded


def pointer(doc: dict[str, Any], ref: str) -> Any:
    """The node a local `#/...` reference names, None when it names nothing."""
    node: Any = doc
    for token in ref[2:].split("/") if ref != "#" else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            node = node.get(token) if isinstance(node, dict) else None
    return node


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (a chain of them too); a remote or broken one gives {}."""
    for _ in range(32):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            return node
        target = pointer(doc, ref) if ref.startswith("#") else None
        node = target if target is not None else {}
    return {}


def operation_item(
    doc: dict[str, Any], method: str, path: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(path item, operation) of METHOD path in the document."""
    item = resolve(doc, (doc.get("paths") or {}).get(path)) or {}
    operation = resolve(doc, item.get(method.lower())) or {}
    return item, operation


def parameters(
    doc: dict[str, Any], item: dict[str, Any], operation: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Parameters by (in, name): the path item's, replaced by the operation's of the same key."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
        parameter = resolve(doc, raw)
        if isinstance(parameter, dict) and "name" in parameter:
            found[(str(parameter.get("in")), str(parameter["name"]))] = parameter
    return found


def parameter_schema(doc: dict[str, Any], parameter: dict[str, Any]) -> Any:
    """The schema of a parameter given by `schema`, or by `content` (its first media type)."""
    if "schema" in parameter:
        return parameter["schema"]
    content = parameter.get("content") or {}
    first = resolve(doc, next(iter(content.values()), None)) if content else None
    return (first or {}).get("schema", {}) if isinstance(first, dict) else {}


def request_media(
    doc: dict[str, Any], operation: dict[str, Any]
) -> tuple[str, dict[str, Any], bool]:
    """(first media type, its media type object, whether the body is required) of the body."""
    body = resolve(doc, operation.get("requestBody")) or {}
    content = body.get("content") or {}
    if not content:
        return "", {}, bool(body.get("required"))
    media = next(iter(content))
    return str(media), resolve(doc, content[media]) or {}, bool(body.get("required"))


def merged(doc: dict[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """The schema with its allOf folded in: properties and required joined, the rest kept
    from the first part that has it (the schema's own keywords first)."""
    schema = resolve(doc, schema)
    if not isinstance(schema, dict):
        return {}
    if "allOf" not in schema or depth > MAX_DEPTH:
        return schema
    result: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties = dict(result.get("properties") or {})
    required = list(result.get("required") or [])
    for part in schema["allOf"]:
        part = merged(doc, part, depth + 1)
        properties.update(
            {k: v for k, v in (part.get("properties") or {}).items() if k not in properties}
        )
        required += [name for name in part.get("required") or [] if name not in required]
        for key, value in part.items():
            result.setdefault(key, value)
    if properties:
        result["properties"] = properties
    if required:
        result["required"] = required
    return result


# ---- validation --------------------------------------------------------------------------


# Formats Prism's validator (ajv-formats) checks that openapi-schema-validator leaves alone
# without optional packages: a URI has a scheme, a URI reference or hostname no blank.
EXTRA_FORMATS = {
    "uri": re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$"),
    "url": re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s]+$"),
    "uri-reference": re.compile(r"^[^\s]*$"),
    "hostname": re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"),
}


def format_checker(oas31: bool) -> FormatChecker:
    base = oas31_format_checker if oas31 else oas30_format_checker
    checker = FormatChecker(formats=())
    checker.checkers = dict(base.checkers)
    for name, regex in EXTRA_FORMATS.items():
        checker.checkers[name] = (lambda v, r=regex: not isinstance(v, str) or bool(r.match(v)), ())
    return checker


class SchemaCheck:
    """Validates values against schemas of one document, its `$ref`s resolved in it."""

    def __init__(self, doc: dict[str, Any]) -> None:
        oas31 = str(doc.get("openapi", "")).startswith("3.1")
        cls = OAS31Validator if oas31 else OAS30Validator
        self._root = cls(doc, format_checker=format_checker(oas31))
        plain = Draft202012Validator if oas31 else Draft4Validator
        self._plain = plain(doc, format_checker=format_checker(oas31))

    def errors(self, schema: Any, value: Any) -> list[ValidationError]:
        """Every way the value breaks the schema ([] when it meets it or cannot be checked)."""
        if not isinstance(schema, dict | bool) or _has_bytes(value):
            return []
        try:
            return list(self._root.evolve(schema=schema).iter_errors(value))
        except Exception:  # noqa: BLE001 - an unresolvable or unusual schema: no verdict
            return []

    def problem(self, schema: Any, value: Any) -> str | None:
        """Why the value breaks the schema, or None when it meets it (or cannot be checked)."""
        error = best_match(self.errors(schema, value))
        if error is None:
            return None
        where = "/".join(str(part) for part in error.absolute_path)
        return f"{_cut(error.message)}" + (f" (at {where})" if where else "")

    def plain_problem(self, schema: Any, value: Any) -> str | None:
        """Why plain JSON Schema (no discriminator, no `nullable`) finds the value breaks the
        schema, when it is for a oneOf: Prism's validator reads schemas that way."""
        if not isinstance(schema, dict | bool) or _has_bytes(value):
            return None
        try:
            error = best_match(self._plain.evolve(schema=schema).iter_errors(value))
        except Exception:  # noqa: BLE001 - an unresolvable or unusual schema: no verdict
            return None
        return _cut(error.message) if error is not None and error.validator == "oneOf" else None


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _has_bytes(value: Any) -> bool:
    if isinstance(value, bytes):
        return True
    if isinstance(value, dict):
        return any(_has_bytes(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bytes(v) for v in value)
    return False


# ---- strings from a pattern -------------------------------------------------------------

_CATEGORY_CHAR = {
    sre_parse.CATEGORY_DIGIT: "0",
    sre_parse.CATEGORY_NOT_DIGIT: "a",
    sre_parse.CATEGORY_SPACE: " ",
    sre_parse.CATEGORY_NOT_SPACE: "a",
    sre_parse.CATEGORY_WORD: "a",
    sre_parse.CATEGORY_NOT_WORD: "-",
}


def _class_char(items: list[tuple[Any, Any]]) -> str:
    """A character of a [...] class (the first it names; 'a'..'z' or '0' when negated)."""
    if items and items[0][0] is sre_parse.NEGATE:
        excluded = "".join(chr(v) for op, v in items[1:] if op is sre_parse.LITERAL)
        return next(c for c in "a0x_Z" if c not in excluded)
    for op, value in items:
        if op is sre_parse.LITERAL:
            return chr(value)
        if op is sre_parse.RANGE:
            low, high = value
            return chr(low) if not (low <= ord("a") <= high) else "a"
        if op is sre_parse.CATEGORY:
            return _CATEGORY_CHAR.get(value, "a")
    return "a"


def _from_parsed(parsed: Any, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, value in parsed:
        if op is sre_parse.LITERAL:
            out.append(chr(value))
        elif op is sre_parse.NOT_LITERAL:
            out.append("a" if value != ord("a") else "b")
        elif op is sre_parse.ANY:
            out.append("a")
        elif op is sre_parse.IN:
            out.append(_class_char(value))
        elif op is sre_parse.CATEGORY:
            out.append(_CATEGORY_CHAR.get(value, "a"))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT):
            low, high, sub = value
            out.append(_from_parsed(sub, groups) * min(max(low, 1), high))
        elif op is sre_parse.SUBPATTERN:
            text = _from_parsed(value[-1], groups)
            if value[0] is not None:
                groups[value[0]] = text
            out.append(text)
        elif op is sre_parse.BRANCH:
            out.append(_from_parsed(value[1][0], groups))
        elif op is sre_parse.GROUPREF:
            out.append(groups.get(value, ""))
        # AT (anchors), lookarounds and the rest add nothing
    return "".join(out)


def from_pattern(pattern: str) -> str | None:
    """A string the (ECMA-ish) pattern matches, None when this small generator cannot make one."""
    try:
        compiled = re.compile(pattern)
        text = _from_parsed(sre_parse.parse(pattern), {})
    except (re.error, OverflowError, RecursionError, ValueError):
        return None
    return text if compiled.search(text) else None


# ---- values from schemas -----------------------------------------------------------------


@dataclass
class Synth:
    """Makes values for schemas of one document (see the module's docstring)."""

    doc: dict[str, Any]
    check: SchemaCheck
    _stack: list[str] = field(default_factory=list)

    def first_valid(self, schema: Any, candidates: list[Any]) -> tuple[bool, Any]:
        for candidate in candidates:
            if candidate is not None and not self.check.errors(schema, candidate):
                return True, copy.deepcopy(candidate)
        return False, None

    def value(self, schema: Any, depth: int = 0, full: bool = False) -> Any:
        """A value for the schema; `full`: an object gets all its properties, not only the
        required ones (to tell apart oneOf branches that differ in optional properties)."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str) and (ref in self._stack or depth > MAX_DEPTH):
            return None
        node = resolve(self.doc, schema)
        if not isinstance(node, dict):
            return "live-check"
        found, example = self.first_valid(node, list(schema_examples(node)))
        if found:
            return example
        if isinstance(ref, str):
            self._stack.append(ref)
        try:
            return self._made(node, depth, full)
        finally:
            if isinstance(ref, str):
                self._stack.pop()

    def _made(self, node: dict[str, Any], depth: int, full: bool) -> Any:
        if "allOf" in node:
            return self.value(merged(self.doc, node), depth + 1, full)
        branches = node.get("oneOf") or node.get("anyOf")
        if isinstance(branches, list) and branches:
            return self._branch(node, branches, depth)
        kind = schema_type(node)
        if kind == "object":
            return self._object(node, depth, full)
        if kind == "array":
            return self._array(node, depth)
        if kind in ("integer", "number"):
            return number(node, kind)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(node)

    def _branch(self, node: dict[str, Any], branches: list[Any], depth: int) -> Any:
        """The first branch (not null) whose value is valid under the whole schema, its
        required properties only or, failing that, all of them; else the first value made."""
        rest = {k: v for k, v in node.items() if k not in ("oneOf", "anyOf", "discriminator")}
        made: list[Any] = []
        nullable = False
        for branch in branches:
            if schema_type(resolve(self.doc, branch)) == "null":
                nullable = True
                continue
            for full in (False, True):
                value = self.value({"allOf": [rest, branch]} if rest else branch, depth + 1, full)
                value = self._discriminated(node, branch, value)
                if not self.check.errors(node, value):
                    return value
                made.append(value)
        return None if nullable or not made else made[0]  # null is the branch no other matches

    def _discriminated(self, node: dict[str, Any], branch: Any, value: Any) -> Any:
        """Sets the discriminator property to the branch's mapping key (or schema name)."""
        discriminator = node.get("discriminator")
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        if not (
            isinstance(discriminator, dict) and isinstance(value, dict) and isinstance(ref, str)
        ):
            return value
        name = discriminator.get("propertyName")
        keys = [k for k, target in (discriminator.get("mapping") or {}).items() if target == ref]
        if not isinstance(name, str):
            return value
        tagged = {**value, name: keys[0] if keys else ref.rsplit("/", 1)[-1]}
        return (
            tagged
            if not self.check.errors(branch, tagged) or self.check.errors(branch, value)
            else value
        )

    def _object(self, node: dict[str, Any], depth: int, full: bool) -> dict[str, Any]:
        properties = node.get("properties") or {}
        names = list(node.get("required") or [])
        if full:
            names += [name for name in properties if name not in names]
        result: dict[str, Any] = {}
        for name in names:
            schema = properties.get(name, node.get("additionalProperties", {}))
            schema = schema if isinstance(schema, dict) else {}
            if (resolve(self.doc, schema) or {}).get("readOnly"):
                continue
            value = self.value(schema, depth + 1)
            if value is None and self.check.errors(schema, None):
                value = {}  # a cycle cut short, where null will not do
            result[name] = value
        if not result and int(node.get("minProperties", 0) or 0) > 0 and properties:
            name, schema = next(iter(properties.items()))
            result[name] = self.value(schema, depth + 1)
        return result

    def _array(self, node: dict[str, Any], depth: int) -> list[Any]:
        item = self.value(node.get("items", {}), depth + 1)
        if item is None:
            return []
        count = max(1, int(node.get("minItems", 1) or 1))
        if not node.get("uniqueItems"):
            return [item] * count
        return [distinct(item, i) for i in range(count)]

    def _string(self, node: dict[str, Any]) -> Any:
        fmt = node.get("format")
        if fmt == "binary" or node.get("contentMediaType") and not node.get("contentEncoding"):
            return BINARY
        text = FORMATS.get(str(fmt)) if fmt else None
        if text is None and isinstance(node.get("pattern"), str):
            text = from_pattern(node["pattern"])
        if text is None:
            text = "live-check"
        low, high = int(node.get("minLength", 0) or 0), node.get("maxLength")
        if len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[: max(high, low)]
        return text


def distinct(value: Any, i: int) -> Any:
    """The i-th of a run of different values like `value` (for uniqueItems)."""
    if i == 0:
        return value
    if isinstance(value, bool):
        return not value if i == 1 else value
    if isinstance(value, int | float):
        return value + i
    if isinstance(value, str):
        digits = re.fullmatch(r"(.*?)(\d+)", value)
        if digits:  # keep the shape a pattern may ask for (a snowflake, an id)
            return digits[1] + str(int(digits[2]) + i).rjust(len(digits[2]), "0")
        return value + str(i)
    if isinstance(value, dict):
        return {**value, "_n": i} if not value else {k: distinct(v, i) for k, v in value.items()}
    return value


def schema_examples(node: dict[str, Any]) -> Iterator[Any]:
    """The values a schema names for itself: example, examples, default, enum[0], const."""
    if "example" in node:
        yield node["example"]
    examples = node.get("examples")
    if isinstance(examples, list):
        yield from examples
    if "default" in node:
        yield node["default"]
    if isinstance(node.get("enum"), list):
        yield from (v for v in node["enum"] if v is not None)
    if "const" in node:
        yield node["const"]


def schema_type(node: Any) -> str:
    """The schema's type (the first that is not null), or the one its keywords imply."""
    if not isinstance(node, dict):
        return "string"
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in node or "additionalProperties" in node or "required" in node:
        return "object"
    if "items" in node:
        return "array"
    if "minimum" in node or "maximum" in node:
        return "number"
    return "string"


def number(node: dict[str, Any], kind: str) -> int | float:
    low = node.get("minimum")
    exclusive = node.get("exclusiveMinimum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        low = exclusive + 1
    elif exclusive is True and isinstance(low, int | float):
        low = low + 1
    value: float = low if isinstance(low, int | float) else 1
    high = node.get("maximum")
    if isinstance(high, int | float) and value > high:
        value = high
    step = node.get("multipleOf")
    if isinstance(step, int | float) and step > 0 and value % step:
        value = (value // step + 1) * step
    return int(value) if kind == "integer" else float(value)


def media_examples(doc: dict[str, Any], holder: dict[str, Any]) -> list[Any]:
    """The example values of a parameter or media type object (`example`, `examples[*].value`)."""
    found = [holder["example"]] if "example" in holder else []
    for example in (holder.get("examples") or {}).values():
        example = resolve(doc, example)
        if isinstance(example, dict) and "value" in example:
            found.append(example["value"])
    return found


def as_python(value: Any, type_text: str) -> Any:
    """A JSON value as a user would pass it for the argument's type: datetimes and dates as
    objects, files and raw bodies as bytes; models stay plain dicts."""
    first = type_text.split("|")[0].strip()
    if isinstance(value, str):
        try:
            if first == "datetime.datetime":
                return datetime.datetime.fromisoformat(value)
            if first == "datetime.date":
                return datetime.date.fromisoformat(value)
        except ValueError:
            return value
        if first in ("bytes", "FileTypes", "BinaryContent"):
            return value.encode()
    if isinstance(value, list) and "FileTypes" in first:
        return [v.encode() if isinstance(v, str) else v for v in value]
    return value


def jsonable(value: Any) -> Any:
    """A Python argument as the client writes it in JSON (dates in ISO 8601)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# ---- the arguments of one call -----------------------------------------------------------

ALL_OPTIONAL = "all"  # build_arguments(..., extra=ALL_OPTIONAL): every optional parameter too


@dataclass
class Arguments:
    """What one call passes, and what each argument should be on the wire, for the verdict."""

    positional: list[Any] = field(default_factory=list)
    keywords: dict[str, Any] = field(default_factory=dict)
    wire: dict[tuple[str, str], Any] = field(default_factory=dict)  # (in, lower name) -> JSON
    schemas: dict[tuple[str, str], Any] = field(default_factory=dict)  # (in, lower name) -> schema
    body: Any = None  # the JSON body meant (None: no body)
    body_schema: dict[str, Any] = field(default_factory=dict)  # allOf merged
    media: str = ""  # the request body's first media type
    body_required: bool = False  # the spec's requestBody.required
    unplaced: list[str] = field(default_factory=list)  # body properties no argument takes


def _is_whole_body(param: dict[str, Any], body_schema: dict[str, Any]) -> bool:
    properties = body_schema.get("properties") or {}
    return param["name"] == "body" and param["wire"] == "body" and "body" not in properties


def _body_value(synth: Synth, media_object: dict[str, Any]) -> Any:
    """The body: made from its schema (required properties), else a valid media type example."""
    schema = media_object.get("schema", {})
    value = synth.value(schema)
    if synth.check.errors(schema, value):
        found, example = synth.first_valid(schema, media_examples(synth.doc, media_object))
        return example if found else value
    return value


def _parameter_value(synth: Synth, spec_param: dict[str, Any]) -> tuple[Any, Any]:
    """(value, schema) of a parameter: a valid example of it, else one made from its schema."""
    schema = parameter_schema(synth.doc, spec_param)
    found, value = synth.first_valid(schema, media_examples(synth.doc, spec_param))
    return (value if found else synth.value(schema)), schema


def build_arguments(
    synth: Synth, op: dict[str, Any], extra: AbstractSet[tuple[str, str]] | str = frozenset()
) -> Arguments:
    """The arguments of one call of a `_surface.json` operation: the required ones, the body
    properties the synthesised body holds, and the optional parameters named in `extra`
    ((in, lower-case name) pairs, or ALL_OPTIONAL)."""
    item, operation = operation_item(synth.doc, op["method"], op["path"])
    spec_params = {
        (where, name.lower()): p
        for (where, name), p in parameters(synth.doc, item, operation).items()
    }
    media, media_object, body_required = request_media(synth.doc, operation)
    args = Arguments(media=media, body_required=body_required)
    args.body_schema = merged(synth.doc, media_object.get("schema", {}))
    body_params = [p for p in op["params"] if p["location"] == "body"]
    full_body = _body_value(synth, media_object) if body_params else None
    path_values: list[tuple[int, Any]] = []
    for param in op["params"]:
        where, key = param["location"], (param["location"], param["wire"].lower())
        if where == "body":
            found, value = _body_argument(synth, param, args, full_body)
        else:
            spec_param = spec_params.get(key) or {"schema": {}}
            found = (
                param["required"]
                or bool(spec_param.get("required"))
                or extra == ALL_OPTIONAL
                or key in extra
            )
            if found:
                value, args.schemas[key] = _parameter_value(synth, spec_param)
        if not found:
            continue
        value = as_python(value, param["type"])
        _record(args, param, value)
        if where == "path":
            path_values.append((op["path"].find("{" + param["wire"] + "}"), value))
        else:
            args.keywords[param["name"]] = value
    args.positional = [value for _, value in sorted(path_values, key=lambda pair: pair[0])]
    if isinstance(full_body, dict) and not any(
        _is_whole_body(p, args.body_schema) for p in body_params
    ):
        taken = {p["wire"] for p in body_params}
        args.unplaced = [name for name in full_body if name not in taken]
    return args


def _body_argument(
    synth: Synth, param: dict[str, Any], args: Arguments, full_body: Any
) -> tuple[bool, Any]:
    """(pass it?, value) for a body argument: the whole body, or one property of it."""
    if _is_whole_body(param, args.body_schema):
        return bool(param["required"] or args.body_required), full_body
    if isinstance(full_body, dict) and param["wire"] in full_body:
        return True, full_body[param["wire"]]
    if param["required"]:
        return True, synth.value((args.body_schema.get("properties") or {}).get(param["wire"], {}))
    return False, None


def _record(args: Arguments, param: dict[str, Any], value: Any) -> None:
    """Keep what the argument should look like on the wire, for the verdict."""
    if param["location"] != "body":
        args.wire[(param["location"], param["wire"].lower())] = jsonable(value)
    elif _is_whole_body(param, args.body_schema):
        args.body = jsonable(value)
    else:
        args.body = {**(args.body or {}), param["wire"]: jsonable(value)}


def credentials(client_module: Any) -> dict[str, Any]:
    """A dummy value for every credential argument the client's SECURITY_SCHEMES names
    (long and odd, so the client's scrubbing of credentials changes no message)."""
    found: dict[str, Any] = {}
    for scheme in getattr(client_module, "SECURITY_SCHEMES", ()):
        for argument in scheme.arguments:
            found[argument] = f"live-check-{argument.replace('_', '-')}-value"
    return found
