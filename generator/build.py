"""Stage 4: the validated spec becomes the IR (PackageIR)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from generator import HEADER
from generator.build_operations import OperationBuilder, pascal_ctx
from generator.chunk import components
from generator.examples import example_call
from generator.imports import import_block, names_in, sort_exports, type_members
from generator.ir import (
    FieldIR,
    ModelIR,
    ModuleIR,
    OperationIR,
    PackageIR,
    ResourceIR,
    ResourceModuleIR,
    SchemeIR,
    ServerVariableIR,
)
from generator.naming import (
    Claim,
    assign_unique,
    claim,
    class_name,
    field_name,
    inline_model_names,
    parameter_name,
    verbatim_class_name,
)
from generator.problems import Problem
from generator.progress import NO_PROGRESS, Progress
from generator.prose import describe, doc_literal, doc_text, one_line
from generator.resources import NO_LAYOUT, Grouped, Layout, flatten, group
from generator.runtime_files import exports as runtime_exports
from generator.schema_types import (
    SchemaTyper,
    TypeExpr,
    admits_anything,
    component_pointer,
    default_fits,
    has_object_branch,
    is_nullable,
    merge_all_of,
)
from generator.security import security_of
from generator.spec import iter_operations, non_null_branches, pointer
from generator.split import CLIENT_OPERATIONS, Split, init_names, split
from generator.split import init_imports as split_init_imports
from generator.validate import CLIENT_EXTENSION

_SCALARS = (str, int, bool, type(None))
# Hints whose Python values a JSON string is not: a string default would be kept as a string.
_PARSED_FROM_TEXT = re.compile(r"\b(datetime\.datetime|datetime\.date|bytes)\b")


class Builder:
    """Holds the naming state for one build; `build_package` is the entry point."""

    def __init__(self, doc: dict[str, Any], reserved: Iterable[str] = (),
                 decided: Mapping[str, str] | None = None, progress: Progress = NO_PROGRESS) -> None:
        self.doc = doc
        self.reserved = frozenset(reserved)  # names the package defines besides models (the clients)
        schemas = (doc.get("components") or {}).get("schemas") or {}
        self.schemas: dict[str, Any] = schemas
        keys = sorted(schemas)
        self.component_names = assign_unique(self.wanted_component_names(keys))
        self.used_names = {n.lower() for n in self.component_names.values()}
        # The inline models' names from the naming pass over an earlier build (see build_package),
        # and what this build handed out, asked for and named its fields against.
        self.decided: Mapping[str, str] = decided or {}
        self.claims: list[Claim] = []
        self.handed_out: dict[str, str] = {}
        self.model_names = set(self.component_names.values()) | set(self.decided.values())
        self.capital_fields: dict[str, bool] = {}  # a field name that could hide a model -> did it avoid one
        classes = frozenset(k for k in keys if class_schema(doc, schemas[k]) is not None)
        nullable = frozenset(k for k in classes if is_nullable(schemas[k]))
        object_like = classes | frozenset(k for k in keys if has_object_branch(doc, schemas[k]))
        self.typer = SchemaTyper(doc, self.component_names, self.claim_name, nullable, object_like)
        self.operation_builder = OperationBuilder(doc, self.typer, self.component_names, progress=progress)
        self.deps: dict[str, frozenset[str]] = {}
        self.model_keys: set[str] = set()  # import keys the models module needs

    def wanted_component_names(self, keys: list[str]) -> list[tuple[str, str]]:
        """(key, wanted name) for each component schema: PascalCase; but keys that would share a
        name (`foo-bar`, `foo_bar`) keep their own spelling where it is a Python name (`Foo_bar`),
        so that only keys that are the same but for punctuation or case take a number."""
        wanted = {k: self.model_name(k) for k in keys}
        shared = Counter(name.lower() for name in wanted.values())
        for k in keys:
            if shared[wanted[k].lower()] > 1 and k.isidentifier() and k.isascii() and not k.startswith("_"):
                name = verbatim_class_name(k)
                wanted[k] = name + "Model" if name in self.reserved else name
        return [(k, wanted[k]) for k in keys]

    def model_name(self, wanted: str) -> str:
        name = class_name(wanted)
        return name + "Model" if name in self.reserved else name

    def claim_name(self, ptr: str, wanted: str, preferred: str = "") -> str:
        """A model name for the inline schema at `ptr`: the naming pass's when there was one, else
        the name it would most likely give (`naming.inline_model_names` has the rules)."""
        request = Claim(ptr, self.model_name(wanted), self.model_name(preferred) if preferred else "")
        self.claims.append(request)
        name = self.decided.get(ptr, "")
        if not name or name.lower() in self.used_names:
            if request.title and request.in_components and request.title.lower() not in self.used_names:
                name = request.title
            elif request.wanted.lower() not in self.used_names:
                name = request.wanted
            else:
                name = claim(request.wanted + "Inline", self.used_names)
        self.used_names.add(name.lower())
        self.model_names.add(name)
        self.handed_out[ptr] = name
        return name

    def settled(self) -> dict[str, str] | None:
        """None when the naming pass over this build's claims agrees with every name it handed out
        and every field was named against the final model names; else the pass's names."""
        final = inline_model_names(self.claims, set(self.component_names.values()) | self.reserved)
        names = set(final.values()) | set(self.component_names.values())
        if final == self.handed_out and all((base in names) == avoided for base, avoided in self.capital_fields.items()):
            return None
        return final

    # ---- models -------------------------------------------------------------

    def models(self) -> list[ModelIR]:
        built = [self.component_model(k) for k in sorted(self.schemas)]
        while self.typer.inline:  # inline models can name further inline models
            pending, self.typer.inline = self.typer.inline, []
            built += [self.class_model(m.name, m.schema, m.pointer) for m in pending]
        # An alias on a cycle cannot be evaluated when its module loads: it names itself, or a
        # class that names it. It becomes a TypeAliasType whose value is read on first use.
        cyclic = on_cycles(self.deps)
        built = [dataclasses.replace(m, alias_of=repr(m.alias_of), lazy_alias=True)
                 if not m.is_class and m.python_name in cyclic else m for m in built]
        self.model_keys.discard("TypeAlias")
        self.model_keys |= {"TypeAliasType" if m.lazy_alias else "TypeAlias" for m in built if not m.is_class}
        return mark_forward(order_models(built, self.deps), self.model_names)

    def component_model(self, key: str) -> ModelIR:
        name = self.component_names[key]
        ptr = component_pointer(key)
        schema = class_schema(self.doc, self.schemas[key])
        if schema is not None:  # a nullable object component is a class; its users add `| None`
            return self.class_model(name, schema, ptr)
        schema = self.schemas[key]
        expr = self.typer.hint(schema, ptr, name)
        self.deps[name] = expr.refs
        self.model_keys |= expr.imports
        return ModelIR(name, ptr, False, doc_literal(describe(self.schemas[key])), alias_of=expr.code)

    def class_model(self, name: str, schema: dict[str, Any], ptr: str) -> ModelIR:
        if "allOf" in schema:
            schema = merge_all_of(self.doc, schema)
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        # A field named like a model would hide the model from the other fields' annotations.
        names = assign_unique((wire, self.field_name(wire)) for wire in props)
        fields: list[FieldIR] = []
        refs: set[str] = set()
        for wire, prop in props.items():
            expr = self.typer.hint(prop, ptr + pointer("properties", wire), name + pascal_ctx(wire))
            refs |= expr.refs
            fields.append(model_field(names[wire], wire, expr, prop, wire in required, self.doc))
            self.model_keys |= expr.imports
        self.deps[name] = frozenset(refs)
        self.model_keys |= {"APIModel"} | ({"Field"} if any("Field(" in f.assignment for f in fields) else set())
        return ModelIR(name, ptr, True, doc_literal(describe(schema)), tuple(fields))

    def field_name(self, wire: str) -> str:
        base = field_name(wire)
        if base[:1].isupper():
            self.capital_fields[base] = base in self.model_names
        return base + "_" if base in self.model_names else base

    # ---- operations ---------------------------------------------------------

    def operations(self) -> list[OperationIR]:
        return self.operation_builder.operations()


def model_field(py_name: str, wire: str, expr: TypeExpr, prop: Any, required: bool,
                doc: dict[str, Any]) -> FieldIR:
    """A field's hint and default: optional fields default to the spec's default, else None.

    A default of the wrong type for the hint (openapi-spec-validator warns of it), or one
    for a model, is left out: the field then defaults to None like any optional field.
    """
    args: list[str] = []
    annotation = expr.code
    prop = prop if isinstance(prop, dict) else {}
    if not required:
        default = prop.get("default", None)
        if not is_literal_value(default) or (_PARSED_FROM_TEXT.search(expr.code) and _has_text(default)):
            default = None
        if default is not None and not default_fits(doc, prop, default):
            default = None
        # JSON's 3.0 is an integer; Python's is a float. Where the schema takes no fraction (an
        # integer, an int enum, a list of them), integral floats are written as ints.
        nudged = _map_integral(default, lambda v: v + 0.5)
        if nudged != default and not default_fits(doc, prop, nudged):
            default = _map_integral(default, int)
        if default is None:
            annotation = expr.or_none().code
        args.append(f"default={default!r}")
    if py_name != wire:
        args.append(f"alias={wire!r}")
    if prop.get("deprecated"):
        args.append("deprecated=True")
    if not args:
        assignment = ""
    elif args == ["default=None"]:
        assignment = "None"
    else:
        assignment = f"Field({', '.join(args)})"
    return FieldIR(py_name, wire, annotation, assignment, doc_literal(describe(prop)), bool(prop.get("deprecated")),
                   required)


def is_literal_value(value: Any) -> bool:
    """JSON data whose repr() is a Python literal: no infinity or NaN, no dates, sets or bytes from YAML tags."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend(item.values())
        elif not isinstance(item, _SCALARS):
            return False
    return True


def _map_integral(value: Any, change: Callable[[float], Any]) -> Any:
    """`value` with `change` applied to every integral float in it (lists and maps included)."""
    if isinstance(value, float) and value.is_integer():
        return change(value)
    if isinstance(value, list):
        return [_map_integral(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_integral(v, change) for k, v in value.items()}
    return value


def _has_text(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return isinstance(value, dict) and any(_has_text(v) for v in value.values())


def class_schema(doc: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """The object schema a component stands for, if it becomes a class (wrappers and allOf undone)."""
    schema = unwrap_single_branch(schema)
    if isinstance(schema, dict) and len(non_null_branches(schema.get("allOf"))) > 1:
        schema = merge_all_of(doc, schema)
    return schema if isinstance(schema, dict) and schema.get("properties") else None


def unwrap_single_branch(schema: Any) -> Any:
    """`{oneOf: [X]}` or `{anyOf: [X, null]}` with X an inline object is just X (nullability aside)."""
    if not isinstance(schema, dict) or admits_anything(schema):
        return schema
    for key in ("oneOf", "anyOf", "allOf"):
        branches = non_null_branches(schema.get(key))
        if len(branches) == 1 and not schema.get("properties"):
            only = branches[0][1]
            if isinstance(only, dict) and "$ref" not in only and only.get("properties"):
                return only
    return schema


def on_cycles(deps: dict[str, frozenset[str]]) -> set[str]:
    """The names that can reach themselves through `deps` (in a strongly connected component of
    more than one name, or naming itself)."""
    return {name for component in components(sorted(deps), deps) for name in component
            if len(component) > 1 or name in deps.get(name, ())}


def order_models(models: list[ModelIR], deps: dict[str, frozenset[str]]) -> list[ModelIR]:
    """Dependencies first (aliases are evaluated eagerly); ties broken by name."""
    by_name = {m.python_name: m for m in models}
    done: set[str] = set()
    out: list[ModelIR] = []
    for root in sorted(by_name):
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(deps.get(root, ()))))]
        active = {root}
        if root in done:
            continue
        while stack:
            name, children = stack[-1]
            child = next((c for c in children if c in by_name and c not in done and c not in active), None)
            if child is None:
                stack.pop()
                active.discard(name)
                done.add(name)
                out.append(by_name[name])
            else:
                active.add(child)
                stack.append((child, iter(sorted(deps.get(child, ())))))
    return out


def mark_forward(models: list[ModelIR], names: set[str]) -> list[ModelIR]:
    """Mark the fields whose hints name a model not yet defined where the class body runs.

    The models module evaluates hints as its classes are defined (no `from __future__
    import annotations`): pydantic then finds real types instead of compiling and
    evaluating hundreds of strings at import. Models come dependencies first, so only
    a hint on a cycle (or naming its own class) looks forward and is written as a string.
    """
    defined: set[str] = set()
    out = []
    for model in models:
        if model.is_class:
            fields = tuple(dataclasses.replace(f, forward=True) if (names_in([f.annotation]) & names) - defined
                           else f for f in model.fields)
            model = dataclasses.replace(model, fields=fields)
        defined.add(model.python_name)
        out.append(model)
    return out


RUNTIME_EXPORTS = (
    "NOT_GIVEN", "APIConnectionError", "APIError", "APIModel", "APIResponseValidationError", "APIStatusError",
    "APITimeoutError", "AuthenticationError", "BadRequestError",
    "ConflictError", "CredentialsError", "InternalServerError", "NotFoundError", "NotGiven", "PathParameterError",
    "PermissionDeniedError", "RateLimitError", "Request", "RequestOptions",
    "StreamError", "UnknownVariant", "UnprocessableEntityError",
)
PAGE_EXPORTS = ("AsyncPage", "SyncPage")  # only where the pagination module is carried
STREAM_EXPORTS = ("AsyncStream", "ServerSentEvent", "Stream")  # only where an operation streams events


def init_exports(ops: list[OperationIR], client_name: str) -> tuple[str, ...]:
    """What the package's __init__ re-exports: the clients, the errors and the call types, and
    the page and stream types where the package has list or streaming operations."""
    names: tuple[str, ...] = RUNTIME_EXPORTS + (client_name, "Async" + client_name)
    names += PAGE_EXPORTS if any(op.page_item for op in ops) else ()
    names += STREAM_EXPORTS if any(op.stream_type for op in ops) else ()
    return sort_exports(names)


def split_modules(operations: list[OperationIR], models: list[ModelIR], deps: Mapping[str, frozenset[str]],
                  grouped: Grouped, model_names: set[str]) -> Split:
    """Where a grouped package's models and builders go (see `split`)."""
    mentioned = {op.pointer: names_in(operation_texts(op)) & model_names for op in operations}
    return split(models, deps, grouped.client_operations, grouped.resources, mentioned)


def operation_modules(operations: list[OperationIR], split_: Split, models: set[str]) -> tuple[ModuleIR, ...]:
    """The operations/ modules: each one's builders, in the spec's order, and its imports."""
    modules = []
    for module in sorted(set(split_.operation_home.values())):
        ops = [op for op in operations if split_.operation_home[op.pointer] == module]
        modules.append(ModuleIR(module, operations_imports(ops, models, split_.model_home, depth=1),
                                operations=tuple(ops)))
    return tuple(modules)


def _split_fields(parts: Split, operations: list[OperationIR], model_names: set[str]) -> dict[str, Any]:
    """The PackageIR fields of a split package: its models/ and operations/ modules and indexes."""
    model_index = tuple(sorted(parts.model_home.items()))
    operation_index = tuple(sorted((op.python_name, parts.operation_home[op.pointer]) for op in operations))
    return {"model_modules": parts.model_modules,
            "operation_modules": operation_modules(operations, parts, model_names),
            "model_init_imports": split_init_imports(model_index),
            "operation_init_imports": split_init_imports(operation_index),
            "model_init_names": init_names(model_index), "operation_init_names": init_names(operation_index)}


def example_imports(calls: tuple[OperationIR, ...], package: str, models: set[str]) -> tuple[str, ...]:
    """The README examples' imports besides the client: `datetime`, and the models they build."""
    used = names_in(op.example for op in calls)
    lines = ["import datetime"] if "datetime" in used else []
    return tuple(lines + [f"from {package}.models import {name}" for name in sorted(used & models)])


LAZY_RUNTIME = ("model", "pagination", "streaming")  # what building a client does not need: loaded on first use


def init_imports(exports: tuple[str, ...]) -> tuple[str, ...]:
    """The __init__'s imports of the runtime names it re-exports, but those it loads on first use."""
    return import_block([], [("._runtime", name) for name in exports
                             if name in runtime_exports() and runtime_exports()[name] not in LAZY_RUNTIME])


def init_lazy(exports: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(name, module) of the runtime names the __init__ loads on first use (model bases, pages, streams)."""
    return tuple((name, f"._runtime.{runtime_exports()[name]}") for name in exports
                 if name in runtime_exports() and runtime_exports()[name] in LAZY_RUNTIME)


def models_imports(keys: set[str]) -> tuple[str, ...]:
    plain = ["datetime"] if "datetime" in keys else []
    return import_block(plain, type_members(keys))


def operation_texts(op: OperationIR) -> list[str]:
    """The type hints and expressions an operation's builder and methods write."""
    texts = [f"{p.annotation} {p.default}" for p in op.path_params + op.query_params + op.header_params
             + op.cookie_params + op.body_params + op.media_params]
    texts += list(op.keyword_args + op.stream_true_args + op.stream_false_args)
    return texts + [f"{op.response_type} {op.response_item} {op.stream_type} {op.page_item} {op.page_info}"]


def operations_imports(ops: list[OperationIR], models: set[str], homes: Mapping[str, str] | None = None,
                       depth: int = 0) -> tuple[str, ...]:
    texts = [f"{p.annotation} {p.default}" for op in ops for p in op.path_params + op.query_params
             + op.header_params + op.cookie_params + op.body_params + op.media_params]
    texts += [f"{op.response_type} {op.response_item} {op.stream_type} {op.page_info}" for op in ops]
    used = names_in(texts)
    members = type_members(used) + [(".models", m) for m in sorted(used & models)]
    used |= {"Request"} | ({"format_path"} if any(op.path_params for op in ops) else set())
    members += [("._runtime", n) for n in ("NOT_GIVEN", "NotGiven", "Request", "format_path", "PageInfo",
                                            "FileTypes", "BinaryContent", "ServerSentEvent") if n in used]
    members += [("._runtime", "deprecated")] if any(op.deprecated for op in ops) else []
    return import_block(["datetime"] if "datetime" in used else [], members, depth, homes)


def _method_members(ops: Iterable[OperationIR], models: set[str], builders: tuple[str, str] = (".", "operations"),
                    ) -> tuple[list[tuple[str, str]], list[str]]:
    """(members, plain imports) that the methods calling `ops` need, in a client or resource class;
    `builders` imports the module of their request builders as `operations`."""
    ops = list(ops)
    texts = [p.annotation for op in ops for p in op.path_params]
    texts += [arg for op in ops for arg in op.keyword_args + op.stream_true_args + op.stream_false_args]
    texts += [op.stream_type if op.page_item == "" else op.page_item for op in ops]
    texts += [f"{op.response_type} {op.response_item}" for op in ops]
    used = names_in(texts)
    streams = any(op.stream_type and not op.stream_always for op in ops)
    members = type_members(used) + [(".models", m) for m in sorted(used & models)]
    members += [("._runtime", n) for n in ("AsyncPage", "SyncPage")] if any(op.page_item for op in ops) else []
    members += [("._runtime", n) for n in ("AsyncStream", "Stream")] if streams or any(
        op.stream_always for op in ops) else []
    members += [("typing", "overload")] if streams else []
    members += [("._runtime", n) for n in ("AsyncBinaryStream", "BinaryStream")] if any(
        op.twin_kind == "download" for op in ops) else []
    members += [("._runtime", n) for n in ("AsyncJSONLines", "JSONLines")] if any(
        op.twin_kind == "lines" for op in ops) else []
    members += [("._runtime", n) for n in ("BinaryContent", "ServerSentEvent") if n in used]
    members += [("._runtime", "deprecated")] if any(op.deprecated for op in ops) else []
    members += [("._runtime", "FileTypes")] if "FileTypes" in used else []
    if ops:
        members += [("._runtime", n) for n in ("NOT_GIVEN", "NotGiven", "RequestOptions")]
        members += [builders, ("collections.abc", "Mapping")]
    return members, (["httpx"] if ops else []) + (["datetime"] if "datetime" in used else [])


def client_imports(ops: list[OperationIR], models: set[str], schemes: tuple[SchemeIR, ...],
                   resources: tuple[ResourceIR, ...], homes: Mapping[str, str] | None = None
                   ) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(imports, TYPE_CHECKING imports, the module of its request builders) of the client module.

    Models and request builders are for type checkers only: at run time the builders' module
    (and with it the models) loads with the first call, so building a client creates no model."""
    builders = (".operations", f"{CLIENT_OPERATIONS} as operations") if homes is not None else (".", "operations")
    members, plain = _method_members(ops, models, builders)
    typed = [m for m in members if m == builders or m[0] == ".models"]
    members = [m for m in members if m not in typed]
    members += [("._runtime", n) for n in ("NOT_GIVEN", "AsyncTransport", "NotGiven", "SyncTransport",
                                            "resolve_base_url")]
    members += [("._runtime", "auth as _auth")] + ([("collections.abc", "Callable")] if any(s.accepts_callable for s in schemes)
                                                  else [])
    members += [("typing", "Self"), ("collections.abc", "Mapping"), ("types", "TracebackType")]
    members += [("functools", "cached_property")] if resources else []
    members += [("typing", "TYPE_CHECKING")] if resources or typed else []
    members += [("._runtime", "LazyModule")] if builders in typed else []
    typed += [(f".resources.{r.module}", name) for r in resources for name in (r.class_name, "Async" + r.class_name)]
    lazy = (".operations." + CLIENT_OPERATIONS if homes is not None else ".operations") if builders in typed else ""
    return import_block(["httpx"] + plain, members, homes=homes), import_block([], typed, homes=homes), lazy


def _resource_parts(parts: Split | None, resources: tuple[ResourceIR, ...]
                    ) -> tuple[tuple[str, tuple[ResourceIR, ...]], ...]:
    """The modules under resources/ and their classes: a split package's parts, else one module per
    top-level resource."""
    if parts is not None:
        return parts.resource_parts
    return tuple((r.module, tuple(flatten([r]))) for r in resources)


def _builders_module(parts: Split | None, classes: tuple[ResourceIR, ...]) -> str:
    """The module under operations/ with the request builders of a resource module's classes ("" when
    not split, or when its classes have no operations)."""
    if parts is None:
        return ""
    return next((parts.operation_home[op.pointer] for r in classes for op in r.operations), "")


def resource_module_imports(module: str, classes: tuple[ResourceIR, ...], models: set[str],
                            homes: Mapping[str, str] | None = None, builders_module: str = ""
                            ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(imports, TYPE_CHECKING imports) of a module under resources/ (one level down: `..models`,
    `.._runtime...`). A nested resource in another part of the module is for type checkers only: its
    parent's attribute imports it on first use."""
    builders = (".operations", f"{builders_module} as operations") if builders_module else (".", "operations")
    members, plain = _method_members((op for r in classes for op in r.operations), models, builders)
    members += [("._runtime", n) for n in ("AsyncTransport", "SyncTransport")]
    members += [("functools", "cached_property")] if any(r.children for r in classes) else []
    plain += ["builtins"] if "builtins" in names_in(
        text for r in classes for op in r.operations for text in operation_texts(op)) else []
    elsewhere = [(f".resources.{c.module}", name) for r in classes for c in r.children if c.module != module
                 for name in (c.class_name, "Async" + c.class_name)]
    members += [("typing", "TYPE_CHECKING")] if elsewhere else []
    return import_block(plain, members, depth=1, homes=homes), import_block([], elsewhere, depth=1, homes=homes)


CONSTRUCTOR_ARGUMENTS = frozenset({"self", "base_url", "max_retries", "timeout", "default_headers", "http_client"})


def client_headers(doc: dict[str, Any], taken: Iterable[str]) -> tuple[tuple[tuple[str, str], ...],
                                                                     tuple[tuple[str, str], ...]]:
    """Headers declared with the `x-oapi-pygen-client` extension: (always sent, optional by an argument
    named unlike those in `taken`)."""
    ext = doc.get(CLIENT_EXTENSION) or {}
    defaults = ext.get("default-headers") or {}
    optional = ext.get("optional-headers") or {}
    always = tuple((repr(str(k)), repr(str(v))) for k, v in sorted(defaults.items()))
    names = assign_unique(((str(k), parameter_name(str(k))) for k in sorted(optional)), taken=taken)
    by_argument = tuple((names[str(k)], repr(str(v))) for k, v in sorted(optional.items()))
    return always, by_argument


_SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")


def server_of(doc: dict[str, Any], taken: Iterable[str]) -> tuple[str, tuple[ServerVariableIR, ...]]:
    """The first server's URL (`/` when there is none, which demands a base_url) with its
    `{variable}`s, and each variable as a constructor argument named unlike those in `taken`."""
    servers = doc.get("servers")
    server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    url = str(server.get("url") or "/")
    found = server.get("variables")
    declared: dict[str, Any] = found if isinstance(found, dict) else {}
    used = [n for n in dict.fromkeys(_SERVER_VARIABLE.findall(url))
            if isinstance(declared.get(n), dict) and "default" in declared[n]]
    names = assign_unique(((n, parameter_name(n)) for n in used), taken=taken)
    variables = []
    for name in used:
        raw = declared[name]
        values = tuple(str(v) for v in raw.get("enum") or () if v is not None)
        text = one_line(str(raw.get("description") or ""))
        choice = f"one of {', '.join(values)}; " if values else ""
        variables.append(ServerVariableIR(name, names[name], str(raw["default"]), values,
                                          doc_text(f"{choice}default {raw['default']}" + (f": {text}" if text else ""))))
    return url, tuple(variables)


# A parent's new name renames its inline children, so a build can bring new claims; each round
# settles one more level. Real specs settle in the first (no clash at all) or the second.
_NAMING_ROUNDS = 6


def build_package(doc: dict[str, Any], package_name: str, client_name: str, env_prefix: str,
                  progress: Progress = NO_PROGRESS, layout: Layout = NO_LAYOUT) -> tuple[PackageIR, list[Problem]]:
    """The IR, and what in the spec could not be generated (as problems with pointers).
    `layout`: the project's grouping and resource renames (see `resources`).
    `progress` counts the operations built in the first round (a later naming round builds them
    again; the count stays at its total rather than start over)."""
    builder, operations, models = _named(doc, client_name, progress)
    info = doc.get("info") or {}
    model_names = {m.python_name for m in models}
    security = security_of(doc, env_prefix, CONSTRUCTOR_ARGUMENTS)
    operations = [dataclasses.replace(op, security=security.per_operation.get(op.pointer), method_name=op.python_name,
                                      call_path=op.python_name) for op in operations]
    credentials = {a for s in security.schemes for a in s.arguments}
    default_headers, optional_headers = client_headers(doc, CONSTRUCTOR_ARGUMENTS | credentials)
    server = server_of(doc, CONSTRUCTOR_ARGUMENTS | credentials | {a for a, _ in optional_headers})
    grouped = group(doc, operations, model_names | {client_name, "Async" + client_name}, layout)
    parts = split_modules(operations, models, builder.deps, grouped, model_names) if grouped.resources else None
    homes = parts.model_home if parts is not None else None
    exported = init_exports(operations, client_name)
    client = client_imports(list(grouped.client_operations), model_names, security.schemes, grouped.resources, homes)
    pkg = PackageIR(
        package_name=package_name,
        client_name=client_name,
        env_prefix=env_prefix,
        title=one_line(str(info.get("title") or package_name)),
        title_doc=doc_text(one_line(str(info.get("title") or package_name))),
        api_version=one_line(str(info.get("version") or "")),
        api_version_doc=doc_text(one_line(str(info.get("version") or ""))),
        server_url=server[0],
        header_comment=HEADER,
        models=tuple(models),
        model_imports=models_imports(builder.model_keys),
        operations=tuple(operations),
        operation_imports=operations_imports(operations, model_names),
        client_imports=client[0],
        client_type_imports=client[1],
        client_builders=client[2],
        init_exports=exported,
        init_imports=init_imports(exported),
        init_lazy=init_lazy(exported),
        init_lazy_imports=import_block([], [("._runtime", name) for name, _ in init_lazy(exported)]),
        default_headers=default_headers,
        optional_headers=optional_headers,
        security_schemes=security.schemes,
        default_security=security.default,
        server_variables=server[1],
        server_url_doc=doc_text(server[0]),
        **_resource_fields(grouped, parts, models, package_name),
        **(_split_fields(parts, operations, model_names) if parts is not None else {}),
    )
    return pkg, (builder.operation_builder.dropped + builder.typer.warnings + list(security.warnings)
                 + builder.operation_builder.notes + list(grouped.problems))


def _named(doc: dict[str, Any], client_name: str, progress: Progress
           ) -> tuple[Builder, list[OperationIR], list[ModelIR]]:
    """The operations and models, built, named, and built again with the names if they differ."""
    progress.stage("building", sum(1 for _ in iter_operations(doc)), "operations")
    decided: dict[str, str] | None = {}
    for round_ in range(_NAMING_ROUNDS):
        builder = Builder(doc, (client_name, "Async" + client_name), decided,
                          progress if round_ == 0 else NO_PROGRESS)
        operations = builder.operations()
        models = builder.models()
        decided = builder.settled()
        if decided is None:
            break
    return builder, operations, models


def _resource_fields(grouped: Grouped, parts: Split | None, models: list[ModelIR], package_name: str
                     ) -> dict[str, Any]:
    """The PackageIR fields of where the operations are called: the client's own, the resources and
    their modules, every call with its README example."""
    model_names = {m.python_name for m in models}
    homes = parts.model_home if parts is not None else None
    resources = parts.resources if parts is not None else grouped.resources
    modules = tuple(ResourceModuleIR(module, *resource_module_imports(module, classes, model_names, homes,
                                                                      _builders_module(parts, classes)), classes)
                    for module, classes in _resource_parts(parts, resources))
    by_name = {m.python_name: m for m in models}
    calls = tuple(dataclasses.replace(op, example=example_call(op, by_name)) for op in grouped.calls)
    examples = tuple((r.path, next((op.example for op in calls if op.call_path.startswith(r.path + ".") and op.example),
                                   "")) for r in grouped.resources)
    return {"client_operations": grouped.client_operations, "resources": resources, "resource_modules": modules,
            "calls": calls, "example_imports": example_imports(calls, package_name, model_names),
            "resource_examples": examples}
