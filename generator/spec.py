"""The spec as data: JSON pointers, references, and where a document writes its parts.

One module for what the loader, the validator, the typer, the repairs and the isolation all
need to walk a document: pointer escaping (RFC 6901), following local `$ref`s (bounded, so a
cycle cannot hang), the operations and the schemas a document writes, and which branches of a
union are only `null` or prose.

Walks by structure never take a key name alone for a keyword: a property called `const` or
`required`, or an `example` that holds a `title`, is not a schema keyword or an operation
field. `iter_schemas` does not follow `$ref`s: each node is met where it is written (a YAML
alias's node once at each place it is used); its tokens are raw (dict keys, list indexes as
ints), ready for `edit.Editor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


# ---- JSON pointers -------------------------------------------------------------------------


def escape_token(token: object) -> str:
    """Escape one JSON pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    """Build a JSON pointer from raw tokens: pointer("paths", "/a") == "/paths/~1a"."""
    return "".join("/" + escape_token(t) for t in tokens)


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def on_the_way(pointers: Iterable[str]) -> set[str]:
    """Every pointer on the way to these ones, themselves and the document's root ("") included."""
    found = {""}
    for ptr in pointers:
        cut = ptr.find("/", 1)
        while cut != -1:
            found.add(ptr[:cut])
            cut = ptr.find("/", cut + 1)
        found.add(ptr)
    return found


# ---- references ----------------------------------------------------------------------------


def iter_refs(doc: Any) -> Iterator[tuple[str, str]]:
    """Yield (pointer of the $ref, target) for every reference, iteratively (no recursion limit)."""
    for where, node in ref_holders(doc):
        yield where + "/$ref", node["$ref"]


def ref_holders(doc: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, node) of every mapping with a string `$ref`, in document order."""
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield where, node
            stack.extend((where + pointer(k), v) for k, v in reversed(node.items()) if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((where + pointer(i), v) for i, v in reversed(list(enumerate(node)))
                         if isinstance(v, (dict, list)))


class _Missing:
    pass


MISSING: Any = _Missing()


def ref_pointer(ref: str) -> str:
    """The JSON pointer a local `$ref` ("#/...") names: its URI fragment, percent-decoded
    (`#/paths/~1items~1%7Bid%7D` is `/paths/~1items~1{id}`, as bundlers write it)."""
    return unquote(ref[1:]) if "%" in ref else ref[1:]


def resolve_pointer(doc: Any, ptr: str) -> Any:
    """Follow a JSON pointer ("" is the whole document); return MISSING when it leads nowhere."""
    if ptr == "":
        return doc
    if not ptr.startswith("/"):
        return MISSING
    node = doc
    for raw in ptr[1:].split("/"):
        token = unescape_token(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


def iter_operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Yield (path, method, operation, path item) in document order."""
    paths = doc.get("paths") or {}
    if not isinstance(paths, dict):
        return  # the validator says what is wrong with it
    for path, item in paths.items():
        item = path_item(doc, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield path, method, op, item


def path_item(doc: dict[str, Any], item: Any) -> Any:
    """A Path Item with its `$ref` followed (OpenAPI 3.1: to `components/pathItems`); the
    fields written beside the `$ref` win. A `$ref` that points at nothing is left to check_refs."""
    for _ in range(16):  # a chain of refs; a cycle ends here
        ref = item.get("$ref") if isinstance(item, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            break
        target = resolve_pointer(doc, ref_pointer(ref))
        if not isinstance(target, dict):
            break
        item = {**target, **{k: v for k, v in item.items() if k != "$ref"}}
    return item


def deref(doc: dict[str, Any], node: Any) -> Any:
    """Follow local $ref chains (bounded, so a cycle cannot hang)."""
    for _ in range(64):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return node
        target = resolve_pointer(doc, ref_pointer(node["$ref"]))
        if target is MISSING:
            return node
        node = target
    return node


# ---- unions: branches that only say `null`, or only prose -----------------------------------


PROSE_KEYS = {"description", "title", "example", "examples"}


def is_null_branch(branch: Any) -> bool:
    """`{type: "null"}`, `{enum: [null]}`, or the 3.0 idiom `allOf: [X, {nullable: true}]`'s marker."""
    if not isinstance(branch, dict):
        return False
    if branch.get("type") == "null" or branch.get("enum") == [None]:
        return True
    return branch.get("nullable") is True and set(branch) - PROSE_KEYS == {"nullable"}


def non_null_branches(branches: Any) -> list[tuple[int, Any]]:
    if not isinstance(branches, list):
        return []
    return [(i, b) for i, b in enumerate(branches) if not is_null_branch(b) and not prose_only(b)]


def prose_only(branch: Any) -> bool:
    return isinstance(branch, dict) and set(branch) <= PROSE_KEYS


# ---- where a document writes its operations and schemas -------------------------------------

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
