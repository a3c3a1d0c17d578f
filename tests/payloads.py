"""Minimal valid JSON instances of OpenAPI schemas, for answering test requests.

`example(spec, schema)` fills every required property and nothing else, takes the
first enum value or const, the first non-null branch of oneOf/anyOf, one item per
array, and the smallest "obvious" scalar that satisfies the numeric and length
bounds. `success_schema(spec, operation_id)` finds an operation's 2xx JSON schema.
"""

from __future__ import annotations

from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
STRING_FORMATS = {
    "uri": "https://example.com/x",
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "email": "x@example.com",
}


def resolve(spec: dict, node: Any) -> Any:
    """Follow local `#/...` $refs until reaching a node that is not a reference."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            raise ValueError(f"cannot resolve $ref {ref!r}")
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def example(spec: dict, schema: dict, _active: frozenset[str] = frozenset()) -> Any:
    """A minimal instance of `schema`; a $ref already being expanded yields None."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in _active:
            return None  # recursion: stop rather than expand forever
        return example(spec, resolve(spec, schema), _active | {ref})
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "allOf" in schema:
        return _all_of(spec, schema["allOf"], _active)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return example(spec, _first_non_null(spec, schema[key]), _active)
    return _typed(spec, schema, _schema_type(schema), _active)


def _all_of(spec: dict, branches: list[dict], active: frozenset[str]) -> Any:
    """Merge the branches' examples: objects are combined, otherwise the first value wins."""
    values = [example(spec, branch, active) for branch in branches]
    values = [v for v in values if v is not None]
    if values and all(isinstance(v, dict) for v in values):
        merged: dict = {}
        for value in values:
            merged.update(value)
        return merged
    return values[0] if values else None


def _is_null_only(spec: dict, schema: dict) -> bool:
    node = resolve(spec, schema)
    return (
        node.get("type") == "null" or node.get("type") == ["null"] or node.get("const", 0) is None
    )


def _first_non_null(spec: dict, branches: list[dict]) -> dict:
    return next((b for b in branches if not _is_null_only(spec, b)), branches[0])


def _schema_type(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # OpenAPI 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and ("properties" in schema or "additionalProperties" in schema):
        kind = "object"
    if kind is None and "items" in schema:
        kind = "array"
    return kind


def _typed(spec: dict, schema: dict, kind: str | None, active: frozenset[str]) -> Any:
    if kind == "object":
        return _object(spec, schema, active)
    if kind == "array":
        item = example(spec, schema.get("items", {}), active)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return int(_bounded(schema, 1))
    if kind == "number":
        return float(_bounded(schema, 1.0))
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema)
    return None  # "null", or a schema with no type at all (anything goes)


def _object(spec: dict, schema: dict, active: frozenset[str]) -> dict:
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    out = {}
    for name in schema.get("required", []):
        sub = properties.get(name, extra if isinstance(extra, dict) else {"type": "string"})
        out[name] = example(spec, sub, active)
    return out


def _bounded(schema: dict, value: float) -> float:
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + 1
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - 1
    return value


def _string(schema: dict) -> str:
    text = STRING_FORMATS.get(schema.get("format", ""), "x")
    text = text.ljust(schema.get("minLength", 0), "x")
    return text[: schema["maxLength"]] if "maxLength" in schema else text


# ---- operations ----------------------------------------------------------------------


def find_operation(spec: dict, operation_id: str) -> tuple[str, str, dict]:
    """(METHOD, path, operation object) of the operation with this operationId."""
    for path, item in spec.get("paths", {}).items():
        item = resolve(spec, item)
        for method in HTTP_METHODS:
            op = item.get(method)
            if op is not None and op.get("operationId") == operation_id:
                return method.upper(), path, op
    raise KeyError(f"no operation {operation_id!r}")


def success_schema(spec: dict, operation_id: str) -> dict | None:
    """The JSON schema of the operation's first 2xx response; None if it has no JSON body."""
    _, _, op = find_operation(spec, operation_id)
    codes = sorted(c for c in op.get("responses", {}) if str(c).startswith("2"))
    if not codes:
        return None
    response = resolve(spec, op["responses"][codes[0]])
    media = response.get("content", {}).get("application/json")
    return None if media is None else media.get("schema")


def success_example(spec: dict, operation_id: str) -> Any:
    """A minimal valid success body for the operation."""
    schema = success_schema(spec, operation_id)
    return None if schema is None else example(spec, schema)


def schema_name(schema: dict | None) -> str | None:
    """`RunObject` for `{"$ref": "#/components/schemas/RunObject"}`; None for inline schemas."""
    ref = (schema or {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None
