"""Stage 2: check the spec before anything is built from it.

openapi-spec-validator is the validator of record. Around it we add the checks
it cannot make safely: every local `$ref` must resolve (the validator raises on a
dangling one), references may not leave the document, operationIds are unique,
every `{name}` in a path is declared as a path parameter, and the generator's own
extensions have values it understands.

Its first pass, the document against the OpenAPI meta-schema, runs on its
jsonschema-rs backend when that is installed (see `schema_backend`): the same
verdicts, and the same problems in the same words, only sooner.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from generator.problems import Level, Problem, SpecError
from generator.resources import check_extensions
from generator.spec import (
    HTTP_METHODS,
    MISSING,
    deref,
    iter_operations,
    non_null_branches,
    pointer,
    ref_holders,
    ref_pointer,
    resolve_pointer,
    unescape_token,
)

# The packages whose code decides a validation verdict: openapi-spec-validator and what it
# validates with. A cached verdict is keyed on all of their versions (see `concurrent`).
VALIDATOR_STACK = ("openapi-spec-validator", "openapi-schema-validator", "jsonschema", "jsonschema-specifications",
                   "referencing", "jsonschema-path", "rfc3339-validator", "jsonschema-rs")

_PATH_VAR = re.compile(r"{([^{}]+)}")


def validate(doc: dict[str, Any], strict: bool = False) -> list[Problem]:
    """Raise SpecError listing every error; return the warnings (fatal too when `strict`).

    Errors make the generated code ambiguous or impossible. Warnings are problems
    the generated code does not depend on: a default or example that breaks its
    own schema, a repeated `required` or enum entry, 3.0 spellings in a 3.1 document.
    """
    problems = list(check_version(doc))
    if problems:
        raise SpecError(problems)
    problems = list(check_refs(doc))
    problems = problems or list(check_self_definitions(doc))
    if problems:  # the validator cannot run over broken references (or recurses without end)
        raise SpecError(problems)
    problems = list(check_parameters(doc)) + list(check_client_extension(doc))
    if problems:  # the validator's own message for these is an opaque dump of the parameter
        raise SpecError(problems)
    problems = list(run_validator(doc))
    problems += check_operation_ids(doc)
    problems += check_path_params(doc)
    problems += check_extensions(doc)
    errors = [p for p in problems if p.level == "error"]
    if errors or (strict and problems):
        raise SpecError(errors if not strict else [as_error(p) for p in problems])
    return problems


def as_error(problem: Problem) -> Problem:
    """A warning made fatal (by --strict) reads as the error it now is."""
    return dataclasses.replace(problem, level="error")


def check_version(doc: dict[str, Any]) -> Iterator[Problem]:
    if "swagger" in doc:
        yield Problem("/swagger", "Swagger 2.0 is not supported; convert the spec to OpenAPI 3")
        return
    version = doc.get("openapi")
    if version is None:
        yield Problem("/openapi", "missing: the document does not say which OpenAPI version it uses")
    elif isinstance(version, (int, float)) and not isinstance(version, bool):
        yield Problem("/openapi", f"the version must be a string such as \"3.1.0\", not the number {version!r}; "
                      "quote it in YAML")
    elif not isinstance(version, str) or not re.fullmatch(r"3\.[01]\.\d+", version):
        yield Problem("/openapi", f"unsupported OpenAPI version {version!r}; expected 3.0.x or 3.1.x")


def run_validator(doc: dict[str, Any]) -> Iterator[Problem]:
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
    from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError

    version = "3.1" if doc["openapi"].startswith("3.1") else "3.0"
    cls = _validator_classes()[version == "3.1"]
    try:
        validator = cls(doc)
        # The keyword pass assumes the document has the right shape: run it only on one that does.
        errors = [best_match([e]) for e in shape_errors(validator.schema, version)]
        if not errors:
            errors = list(validator.root_validator(validator.schema_path))
        for err in errors:
            if isinstance(err, DuplicateOperationIDError):
                continue  # check_operation_ids reports it with both locations
            parts = tuple(getattr(err, _WHERE, ())) + tuple(getattr(err, "absolute_path", None) or ())
            kind = classify(err, parts, doc)
            level: Level = "warning" if kind in WARNING_KINDS else "error"
            yield Problem(written_at(doc, parts), describe_error(err, kind), level, kind=kind)
    except RecursionError:
        yield Problem("", "the spec nests too deeply for openapi-spec-validator (a chain of hundreds of $refs?)")
    except Exception as exc:  # noqa: BLE001 -- the validator's own failures must not become tracebacks
        yield Problem("", f"the validator failed: {type(exc).__name__}: {_first_line(str(exc))}")


def shape_errors(doc: dict[str, Any], version: str) -> Iterator[Any]:
    """The document's errors against the OpenAPI `version` meta-schema, as the pure-Python backend
    (jsonschema) reports them.

    The jsonschema-rs backend, when in use, answers first, and only whether there are any: most
    documents have none, and it tells so in 0.05 s where jsonschema takes 1.2 s (the 2026 OpenAI
    spec). When it finds some, or cannot read a value (a YAML date where a string must be), the
    pure-Python backend says which and where: the problems, their pointers and their words are the
    same whichever backend is in use. A document holding a tuple (an item of a YAML `!!pairs` or
    `!!omap` list) skips it: jsonschema-rs takes a tuple for an array, jsonschema does not.
    """
    python, fast = _meta_validators(version)
    if fast is not None and not _has_tuple(doc) and _valid_for(fast, doc):
        return iter(())
    return iter(python.iter_errors(doc))


def _valid_for(fast: Any, doc: dict[str, Any]) -> bool:
    try:
        return bool(fast.is_valid(doc))
    except Exception:  # noqa: BLE001 -- a value it cannot read: not known, the pure-Python backend decides
        return False


def _has_tuple(doc: Any) -> bool:
    stack = [doc]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
        elif kind is tuple:
            return True
    return False


@dataclass(frozen=True)
class SchemaBackend:
    """The backend openapi-spec-validator checks the document's shape with, and why not the fast one."""

    name: str  # "jsonschema-rs" or "jsonschema" (pure Python)
    why_not_rs: str = ""  # when name is "jsonschema": what is missing

    def describe(self) -> str:
        """One line for --verbose."""
        said = f"openapi-spec-validator {_version('openapi-spec-validator')} checks the document's shape with"
        if self.name == "jsonschema-rs":
            return f"{said} its jsonschema-rs backend (jsonschema-rs {_version('jsonschema-rs')})"
        return (f"{said} its pure-Python backend (jsonschema {_version('jsonschema')}): {self.why_not_rs}; "
                "the problems found are the same, only slower to find")


def _version(distribution: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(version unknown)"


@cache
def schema_backend() -> SchemaBackend:
    """jsonschema-rs when it can be imported, else the pure-Python jsonschema: what
    openapi-spec-validator's "auto" setting chooses, but decided here, whatever
    OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND says: the validators are made with the
    backend's own factories (see `_meta_validators`). Imports jsonschema-rs, not the validator."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("jsonschema_rs") is None:
        return SchemaBackend("jsonschema", "jsonschema-rs is not installed (pip installs it with the generator "
                                           "only on the platforms it has wheels for)")
    try:
        importlib.import_module("jsonschema_rs")
    except Exception as exc:  # noqa: BLE001 -- whatever stops the extension from loading
        return SchemaBackend("jsonschema", f"jsonschema-rs cannot be imported ({type(exc).__name__}: "
                                           f"{_first_line(str(exc))})")
    return SchemaBackend("jsonschema-rs")


@cache
def _meta_validators(version: str) -> tuple[Any, Any]:
    """The `version` meta-schema's validators: (pure-Python, jsonschema-rs or None), both made by
    openapi-spec-validator's backend factories.

    The pure-Python one has its registry crawled once up front: jsonschema adds the meta-schema
    to its registry uncrawled, so every `$dynamicRef` in the OpenAPI 3.1 meta-schema crawled it
    again to find its anchor; crawled once, the pass over the Assistants spec takes 0.05 s
    instead of 0.22 s. Anything unexpected keeps the validator as the factory made it.
    """
    from openapi_spec_validator.schemas import schema_v30, schema_v31
    from openapi_spec_validator.schemas.backend import jsonschema as pure_python
    from openapi_spec_validator.schemas.backend import jsonschema_rs as rs_backend

    schema = schema_v31 if version == "3.1" else schema_v30
    python = _crawled(pure_python.create_validator(schema))
    fast = rs_backend.create_validator(dict(schema)) if schema_backend().name == "jsonschema-rs" else None
    return python, fast


def _crawled(validator: Any) -> Any:
    from referencing import Resource

    try:
        resource = Resource.from_contents(validator.schema)
        registry = validator._registry.with_resource(resource.id() or "", resource).crawl()
        return type(validator)(validator.schema, registry=registry, format_checker=validator.format_checker)
    except Exception:  # noqa: BLE001 -- an optimisation only
        return validator


_WHERE = "_oapi_pygen_where"
_IN_DEFAULT = "_oapi_pygen_in_default"

# Validator findings that do not change the generated code.
WARNING_KINDS = frozenset({"default-mismatch", "duplicate-required", "duplicate-enum", "exclusive-bound-3.0",
                           "example-mismatch", "meta-keyword"})


def classify(err: Any, parts: tuple[Any, ...], doc: dict[str, Any]) -> str:
    """What kind of validator finding this is; see WARNING_KINDS for the harmless ones."""
    if getattr(err, _IN_DEFAULT, False):
        return "default-mismatch"
    tokens = [str(t) for t in parts]
    if any(t in ("example", "examples") for t in tokens) or any(t.startswith("x-") for t in tokens):
        return "example-mismatch"
    last = tokens[-1] if tokens else ""
    if getattr(err, "validator", None) == "uniqueItems" and last in ("required", "enum"):
        return "duplicate-required" if last == "required" else "duplicate-enum"
    if last in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(getattr(err, "instance", None), bool):
        return "exclusive-bound-3.0"
    if last in ("$recursiveAnchor", "$recursiveRef", "$dynamicAnchor"):
        return "meta-keyword"
    return "invalid"


def _located(cls: Any, keyword: str) -> Any:
    """Subclass a keyword validator so its errors remember where in the spec they arose.

    openapi-spec-validator's keyword validators report errors relative to the node
    they were handed; the innermost wrapper records that node's location. Errors of
    the `default` validator (a default value that breaks its schema) are marked too.
    """

    from jsonschema_path import SchemaPath

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        node = next((a for a in args if isinstance(a, SchemaPath)), None)
        try:
            for err in cls.__call__(self, *args, **kwargs):
                if node is not None and not hasattr(err, _WHERE):
                    setattr(err, _WHERE, (*node.parts, "default") if keyword == "default" else node.parts)
                    setattr(err, _IN_DEFAULT, keyword == "default")
                yield err
        except RecursionError:
            raise
        except Exception as exc:  # the validator broke on this node: say where
            if node is None:
                raise
            yield _crashed(exc, node.parts, keyword)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        cls.__init__(self, *args, **kwargs)
        for attr in _DEDUPE_LISTS:  # the schema validator's "seen" lists: O(1) membership instead of O(n)
            if isinstance(getattr(self, attr, None), list):
                setattr(self, attr, _SeenIds(getattr(self, attr)))

    return type(cls.__name__, (cls,), {"__call__": __call__, "__init__": __init__})


def _crashed(exc: Exception, parts: tuple[Any, ...], keyword: str) -> Any:
    """An error standing for a validator that raised instead of reporting, located at its node.

    E.g. OpenAPI 3.0's `format: byte` checker encodes the value as ASCII, so a non-ASCII
    default raised UnicodeEncodeError and the whole spec was refused at "/".
    """
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    what = "the value" if keyword == "default" else "this node"
    err = OpenAPIValidationError(f"the validator could not check {what} ({type(exc).__name__}: "
                                 f"{_first_line(str(exc))})")
    setattr(err, _WHERE, (*parts, "default") if keyword == "default" else parts)
    setattr(err, _IN_DEFAULT, keyword == "default")
    return err


# openapi-spec-validator's SchemaValidator remembers the schemas it has visited and meta-checked
# in lists it searches with `in`: quadratic in the number of schemas (4,000 schemas: 13.6 s of
# its 19 s). A set with the list's `append` keeps its logic and makes each lookup O(1).
_DEDUPE_LISTS = ("visited_schema_ids", "meta_checked_schema_ids")


class _SeenIds(set[int]):
    def append(self, item: int) -> None:
        self.add(item)


def _with_locations(base: Any, version: str) -> Any:
    """`base` with located errors, and with the pure-Python meta-schema validator as its own: the
    class's default is chosen by OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND when first used."""
    wrapped = {key: _located(kv, key) for key, kv in base.keyword_validators.items()}
    return type(base.__name__, (base,), {"keyword_validators": wrapped,
                                         "schema_validator": _meta_validators(version)[0]})


def validator_versions() -> str:
    """The installed version of every package in VALIDATOR_STACK ("-" for one that is absent)."""
    from generator.cache import versions

    return versions(VALIDATOR_STACK)


def preload_validator() -> None:
    """Import the validator now (before forking a process that will use it)."""
    _validator_classes()
    import jsonschema.exceptions  # type: ignore[import-untyped]  # noqa: F401
    import openapi_spec_validator.validation.exceptions  # noqa: F401


@cache
def _validator_classes() -> tuple[Any, Any]:
    """The 3.0 and 3.1 validators with located errors (imported on first use: they are slow to load)."""
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    return _with_locations(OpenAPIV30SpecValidator, "3.0"), _with_locations(OpenAPIV31SpecValidator, "3.1")


def describe_error(err: Any, kind: str) -> str:
    """A plain message: repeated entries are named rather than the whole list printed."""
    instance = getattr(err, "instance", None)
    if kind in ("duplicate-required", "duplicate-enum") and isinstance(instance, list):
        counts = Counter(map(repr, instance))
        repeated = [v for v, n in counts.items() if n > 1]
        what = "required entry" if kind == "duplicate-required" else "enum value"
        return f"repeated {what} {', '.join(dict.fromkeys(repeated))}"
    if kind == "exclusive-bound-3.0":
        return "a boolean exclusiveMinimum/exclusiveMaximum is OpenAPI 3.0 style; 3.1 expects the bound itself"
    if kind == "default-mismatch":
        return f"the default does not fit the schema: {_first_line(getattr(err, 'message', str(err)))}"
    return _first_line(getattr(err, "message", str(err)))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 300 else line[:297] + "..."


def check_refs(doc: dict[str, Any]) -> Iterator[Problem]:
    """Every `$ref` must point inside this document, at something that exists, and not only at other `$ref`s.

    Nothing is ever fetched or opened: a remote or file reference is refused, not followed.
    """
    holders = list(ref_holders(doc))
    broken = False
    for where, node in holders:
        message = _ref_problem(doc, node["$ref"])
        if message:
            broken = True
            yield Problem(where + "/$ref", message)
    if not broken:
        yield from _ref_cycles(doc, holders)


def _ref_problem(doc: dict[str, Any], ref: str) -> str:
    scheme = urlsplit(ref).scheme.lower() if "://" in ref else ""
    if scheme in ("http", "https"):
        return (f"remote reference {ref!r} refused: the generator never fetches anything; "
                "copy the schema into this document")
    if not ref.startswith("#"):
        return (f"reference {ref!r} leaves the document; references to other files are not supported, "
                "only local '#/...' references")
    if ref != "#" and not ref.startswith("#/"):
        return f"reference {ref!r} is not a JSON pointer: after '#' it must start with '/'"
    if resolve_pointer(doc, ref_pointer(ref)) is MISSING:
        return f"reference {ref!r} points at nothing"
    return ""


def _ref_cycles(doc: dict[str, Any], holders: list[tuple[str, dict[str, Any]]]) -> Iterator[Problem]:
    """`$ref`s that lead, through `$ref`s only, back to themselves: they never reach a definition."""
    done: set[int] = set()
    for _, start in holders:
        chain: list[tuple[dict[str, Any], str]] = []  # (node holding a $ref, the pointer it names)
        on_chain: dict[int, int] = {}
        node: Any = start
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and id(node) not in done:
            if id(node) in on_chain:
                yield _cycle_problem(chain[on_chain[id(node)]:])
                break
            on_chain[id(node)] = len(chain)
            chain.append((node, ref_pointer(node["$ref"])))
            node = resolve_pointer(doc, ref_pointer(node["$ref"]))
        done.update(on_chain)


def _cycle_problem(cycle: list[tuple[dict[str, Any], str]]) -> Problem:
    """Reported at the member whose pointer sorts first, so every run names the same one."""
    # each member is the target of the one before it
    members = [cycle[i - 1][1] for i in range(len(cycle))]
    first = min(range(len(members)), key=lambda i: members[i])
    order = members[first:] + members[:first]
    path = " -> ".join("#" + m for m in order + order[:1])
    return Problem(order[0] + "/$ref", f"reference cycle {path}: these $refs only point at each other "
                   "and never reach a definition")


# Keywords that give a schema content of its own, besides combining others.
_OWN_CONTENT = frozenset({"type", "properties", "items", "prefixItems", "additionalProperties", "enum", "const",
                          "not", "patternProperties", "if", "format"})


def check_self_definitions(doc: dict[str, Any]) -> Iterator[Problem]:
    """A component schema defined only through itself: `S: anyOf [S, null]` or `oneOf [S]` (every
    branch but null leads back to S), or `allOf [S, ...]` (S is a part of itself). There is nothing
    to generate (the alias would be `S = S | None`), and the validator recurses without end on the
    allOf form."""
    components = doc.get("components")
    schemas = components.get("schemas") if isinstance(components, dict) else None
    for key, schema in schemas.items() if isinstance(schemas, dict) else ():
        home = pointer("components", "schemas", str(key))
        if _leads_back(doc, schema, home, set()):
            yield Problem(home, f"schema {key!r} is defined only through itself (each of its branches, or a "
                          "part of its allOf, leads back to it by $ref): there is no type to generate")


def _leads_back(doc: dict[str, Any], node: Any, home: str, seen: set[str]) -> bool:
    if not isinstance(node, dict):
        return False
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        at = ref_pointer(ref)
        if at == home:
            return True
        if at in seen or len(seen) > 32:
            return False
        seen.add(at)
        return _leads_back(doc, resolve_pointer(doc, at), home, seen)
    if _OWN_CONTENT & node.keys():
        return False
    parts = node.get("allOf")
    if isinstance(parts, list) and any(_leads_back(doc, part, home, set(seen)) for part in parts):
        return True
    for combiner in ("anyOf", "oneOf"):
        branches = non_null_branches(node.get(combiner))
        if branches and all(_leads_back(doc, b, home, set(seen)) for _, b in branches):
            return True
    return False


def written_at(doc: Any, parts: tuple[Any, ...]) -> str:
    """The pointer to where the node `parts` reach is written: openapi-spec-validator reports
    the path it walked, through `$ref`s (`/paths/~1x/get/.../schema/properties/a`); each local
    `$ref` on the way is followed, so a component's problem is named in the component."""
    node, at = doc, []
    for i, part in enumerate(parts):
        for _ in range(32):  # bounded: a reference cycle cannot hang the walk
            ref = node.get("$ref") if isinstance(node, dict) and part not in node else None
            if not (isinstance(ref, str) and ref.startswith("#/")):
                break
            target = resolve_pointer(doc, ref_pointer(ref))
            if target is MISSING:
                break
            node, at = target, [unescape_token(t) for t in ref[2:].split("/")]
        inside = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not inside:  # a missing field: named where it belongs
            return pointer(*at, *parts[i:])
        node = node[part]
        at.append(part)
    return pointer(*at)


def check_parameters(doc: dict[str, Any]) -> Iterator[Problem]:
    """Every parameter says what its value is, with `schema` or `content`."""
    for where, param in _parameters(doc):
        if isinstance(param, dict) and "$ref" not in param and "schema" not in param and "content" not in param:
            yield Problem(where, f"parameter {param.get('name')!r} has neither `schema` nor `content`; "
                          "one of them must say what its value is")


def _parameters(doc: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(pointer, parameter) for every parameter written in paths, operations and components."""
    lists: list[tuple[str, Any]] = []
    components = doc.get("components")
    path_items = components.get("pathItems") if isinstance(components, dict) else None
    for where, items in (("paths",), doc.get("paths")), (("components", "pathItems"), path_items):
        for path, item in items.items() if isinstance(items, dict) else ():
            if isinstance(item, dict):
                lists.append((pointer(*where, path, "parameters"), item.get("parameters")))
                lists += [(pointer(*where, path, m, "parameters"), item[m].get("parameters"))
                          for m in HTTP_METHODS if isinstance(item.get(m), dict)]
    for where_list, params in lists:
        yield from ((f"{where_list}/{i}", p) for i, p in enumerate(params)) if isinstance(params, list) else ()
    shared = components.get("parameters") if isinstance(components, dict) else None
    yield from ((pointer("components", "parameters", k), p) for k, p in shared.items()) if isinstance(
        shared, dict) else ()


CLIENT_EXTENSION = "x-oapi-pygen-client"
_CLIENT_EXTENSION_KEYS = {"default-headers": "header names", "optional-headers": "constructor argument names"}


def check_client_extension(doc: dict[str, Any]) -> Iterator[Problem]:
    """`x-oapi-pygen-client`, which the generator reads (the validator ignores `x-` keys), has its shape:
    `default-headers` maps header names, `optional-headers` argument names, to header values/names."""
    ext = doc.get(CLIENT_EXTENSION)
    if ext is None:
        return
    if not isinstance(ext, dict):
        yield Problem(pointer(CLIENT_EXTENSION), f"must be a mapping with {' and/or '.join(_CLIENT_EXTENSION_KEYS)}, "
                      f"not {_json_type(ext)}")
        return
    for key, value in ext.items():
        where = pointer(CLIENT_EXTENSION, str(key))
        if key not in _CLIENT_EXTENSION_KEYS:
            yield Problem(where, f"unknown key {key!r}: the extension takes {' and '.join(_CLIENT_EXTENSION_KEYS)}")
        elif value is not None and not isinstance(value, dict):
            yield Problem(where, f"must be a mapping of {_CLIENT_EXTENSION_KEYS[key]} to strings, not {_json_type(value)}")
        else:
            for name, text in (value or {}).items():
                if not isinstance(name, str) or not isinstance(text, (str, int, float)) or isinstance(text, bool):
                    yield Problem(pointer(CLIENT_EXTENSION, key, str(name)),
                                  f"must map {_CLIENT_EXTENSION_KEYS[key][:-1]} {name!r} to a string, not {_json_type(text)}")


def _json_type(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}")


def check_operation_ids(doc: dict[str, Any]) -> list[Problem]:
    first: dict[str, str] = {}
    problems = []
    for path, method, op, _ in iter_operations(doc):
        op_id = op.get("operationId")
        where = pointer("paths", path, method, "operationId")
        if not isinstance(op_id, str):
            continue
        if op_id in first:
            problems.append(Problem(where, f"duplicate operationId {op_id!r} (first used at {first[op_id]})"))
        else:
            first[op_id] = where
    return problems


def check_path_params(doc: dict[str, Any]) -> list[Problem]:
    problems = []
    for path, method, op, item in iter_operations(doc):
        declared = {
            p.get("name")
            for p in resolved_parameters(doc, item, op)
            if p.get("in") == "path"
        }
        for name in _PATH_VAR.findall(path):
            if name not in declared:
                where = pointer("paths", path, method)
                problems.append(Problem(where, f"path parameter {{{name}}} is used in the path but not declared"))
    return problems


def resolved_parameters(doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any]) -> list[dict[str, Any]]:
    """Path-level then operation-level parameters, with $refs followed; the operation wins on clashes."""
    merged: dict[tuple[Any, Any], dict[str, Any]] = {}
    for raw in _list(item.get("parameters")) + _list(op.get("parameters")):
        param = deref(doc, raw)
        if isinstance(param, dict) and isinstance(param.get("name"), str) and isinstance(param.get("in"), str):
            merged[(param["in"], param["name"])] = param
    return list(merged.values())


def _list(value: Any) -> list[Any]:
    """A list as written; anything else (the validator reports it) as no items."""
    return value if isinstance(value, list) else []


