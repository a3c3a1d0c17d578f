"""Where an OpenAPI document writes its operations and its schemas.

The places are found from the document's structure, never by key name alone: a
property called `const` or `required`, or an `example` that holds a `title`, is
not a schema keyword or an operation field. `$ref`s are not followed: each node
is met where it is written (a YAML alias's node once at each place it is used).
Tokens are raw (dict keys, list indexes as ints), ready for `edit.Editor`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.validate import HTTP_METHODS

Tokens = tuple[Any, ...]
Found = tuple[Tokens, dict[str, Any]]

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_ONE = ("additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames",
               "unevaluatedItems", "unevaluatedProperties", "additionalItems", "contentSchema")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def iter_schemas(doc: dict[str, Any]) -> Iterator[tuple[Tokens, dict[str, Any], bool]]:
    """(tokens, schema, is a property) for every schema object, parents before their subschemas
    (in document order). "Is a property": reached through its parent's `properties`."""
    stack: list[tuple[Tokens, Any, bool]] = [(t, s, False) for t, s in reversed(list(_schema_roots(doc)))]
    while stack:
        tokens, node, is_property = stack.pop()
        if not isinstance(node, dict):
            continue
        yield tokens, node, is_property
        stack.extend(reversed(_subschemas(tokens, node)))


_SUBSCHEMA_KEYS = frozenset(_SCHEMA_MAPS + _SCHEMA_ONE + _SCHEMA_LISTS)


def _subschemas(tokens: Tokens, schema: dict[str, Any]) -> list[tuple[Tokens, Any, bool]]:
    present = _SUBSCHEMA_KEYS.intersection(schema)  # most schemas have none: a leaf costs one set operation
    found: list[tuple[Tokens, Any, bool]] = []
    for key in _SCHEMA_MAPS if present else ():
        members = schema.get(key)
        if isinstance(members, dict):
            found += [((*tokens, key, name), sub, key == "properties") for name, sub in members.items()]
    for key in _SCHEMA_ONE if present else ():
        if isinstance(schema.get(key), dict):
            found.append(((*tokens, key), schema[key], False))
    for key in _SCHEMA_LISTS if present else ():
        if isinstance(schema.get(key), list):
            found += [((*tokens, key, i), sub, False) for i, sub in enumerate(schema[key])]
    return found


def iter_operations_written(doc: dict[str, Any]) -> Iterator[Found]:
    """(tokens, operation) for every operation as written: in paths, webhooks, callbacks and
    components (path items and callbacks)."""
    for tokens, item in _path_items(doc):
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield (*tokens, method), item[method]


def _schema_roots(doc: dict[str, Any]) -> Iterator[Found]:
    """The outermost schemas: component schemas, and those of parameters, headers and media types."""
    yield from _members(doc, ("components", "schemas"))
    for tokens, param in _members(doc, ("components", "parameters")) + _members(doc, ("components", "headers")):
        yield from _parameter_schemas(tokens, param)
    for tokens, body in _members(doc, ("components", "requestBodies")):
        yield from _content_schemas(tokens, body)
    for tokens, response in _members(doc, ("components", "responses")):
        yield from _response_schemas(tokens, response)
    for tokens, item in _path_items(doc):
        yield from _path_item_schemas(tokens, item)


def _path_item_schemas(tokens: Tokens, item: dict[str, Any]) -> Iterator[Found]:
    yield from _list_schemas((*tokens, "parameters"), item.get("parameters"))
    for method in HTTP_METHODS:
        op = item.get(method)
        if not isinstance(op, dict):
            continue
        at = (*tokens, method)
        yield from _list_schemas((*at, "parameters"), op.get("parameters"))
        if isinstance(op.get("requestBody"), dict):
            yield from _content_schemas((*at, "requestBody"), op["requestBody"])
        for response_tokens, response in _members(op, ("responses",), at):
            yield from _response_schemas(response_tokens, response)


def _list_schemas(tokens: Tokens, params: Any) -> Iterator[Found]:
    for i, param in enumerate(params) if isinstance(params, list) else ():
        if isinstance(param, dict):
            yield from _parameter_schemas((*tokens, i), param)


def _parameter_schemas(tokens: Tokens, param: dict[str, Any]) -> Iterator[Found]:
    """A parameter's or a header's: its `schema`, or the schemas of its `content`."""
    if isinstance(param.get("schema"), dict):
        yield (*tokens, "schema"), param["schema"]
    yield from _content_schemas(tokens, param)


def _response_schemas(tokens: Tokens, response: dict[str, Any]) -> Iterator[Found]:
    for header_tokens, header in _members(response, ("headers",), tokens):
        yield from _parameter_schemas(header_tokens, header)
    yield from _content_schemas(tokens, response)


def _content_schemas(tokens: Tokens, holder: dict[str, Any]) -> Iterator[Found]:
    for media_tokens, media in _members(holder, ("content",), tokens):
        if isinstance(media.get("schema"), dict):
            yield (*media_tokens, "schema"), media["schema"]
        for enc_tokens, encoding in _members(media, ("encoding",), media_tokens):
            for header_tokens, header in _members(encoding, ("headers",), enc_tokens):
                yield from _parameter_schemas(header_tokens, header)


def _path_items(doc: dict[str, Any]) -> Iterator[Found]:
    """Every path item as written, callbacks' included (depth first, in document order)."""
    stack = [*_members(doc, ("paths",)), *_members(doc, ("webhooks",)), *_members(doc, ("components", "pathItems"))]
    for tokens, callback in _members(doc, ("components", "callbacks")):
        stack += _members(callback, (), tokens)
    stack.reverse()
    while stack:
        tokens, item = stack.pop()
        yield tokens, item
        nested: list[Found] = []
        for method in HTTP_METHODS:
            op = item.get(method)
            for cb_tokens, callback in _members(op, ("callbacks",), (*tokens, method)) if isinstance(op, dict) else ():
                nested += _members(callback, (), cb_tokens)
        stack.extend(reversed(nested))


def _members(node: Any, keys: Tokens, base: Tokens = ()) -> list[Found]:
    """(tokens, value) of each mapping value at node[keys...] (values that are mappings only)."""
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return []
    return [((*base, *keys, name), value) for name, value in node.items() if isinstance(value, dict)]
