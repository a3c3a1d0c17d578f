"""Stage 4: the validated spec becomes the IR (PackageIR)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from generator import TOOL_NAME, __version__
from generator.imports import import_block, sort_exports, type_members
from generator.ir import FieldIR, ModelIR, OperationIR, PackageIR, ParamIR
from generator.naming import (
    assign_unique,
    class_name,
    field_name,
    function_name,
    parameter_name,
    pascal,
)
from generator.problems import pointer
from generator.schema_types import (
    SchemaTyper,
    TypeExpr,
    component_pointer,
    deref,
    is_nullable,
    leaf_objects,
    merge_all_of,
    non_null_branches,
)
from generator.validate import iter_operations, resolved_parameters

_PATH_VAR = re.compile(r"{([^{}]+)}")
_JSON_TYPES = ("application/json",)
_SAFE_DEFAULT_TYPES = (str, int, float, bool, type(None), list, dict)


class Builder:
    """Holds the naming state for one build; `build_package` is the entry point."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        schemas = (doc.get("components") or {}).get("schemas") or {}
        self.schemas: dict[str, Any] = schemas
        keys = sorted(schemas)
        self.component_names = assign_unique((k, class_name(k)) for k in keys)
        self.used_names = {n.lower() for n in self.component_names.values()}
        classes = frozenset(k for k in keys if class_schema(doc, schemas[k]) is not None)
        nullable = frozenset(k for k in classes if is_nullable(schemas[k]))
        object_like = classes | frozenset(k for k in keys if leaf_objects(doc, schemas[k]))
        self.typer = SchemaTyper(doc, self.component_names, self.claim_name, nullable, object_like)
        self.deps: dict[str, frozenset[str]] = {}
        self.model_keys: set[str] = set()  # import keys the models module needs

    def claim_name(self, wanted: str) -> str:
        """A model name for an inline schema: unique against every other model name."""
        name = class_name(wanted)
        unique = assign_unique([("new", name)], taken=self.used_names)["new"]
        self.used_names.add(unique.lower())
        return unique

    # ---- models -------------------------------------------------------------

    def models(self) -> list[ModelIR]:
        built = [self.component_model(k) for k in sorted(self.schemas)]
        while self.typer.inline:  # inline models can name further inline models
            pending, self.typer.inline = self.typer.inline, []
            built += [self.class_model(m.name, m.schema, m.pointer) for m in pending]
        return order_models(built, self.deps)

    def component_model(self, key: str) -> ModelIR:
        name = self.component_names[key]
        ptr = component_pointer(key)
        schema = class_schema(self.doc, self.schemas[key])
        if schema is not None:  # a nullable object component is a class; its users add `| None`
            return self.class_model(name, schema, ptr)
        schema = self.schemas[key]
        expr = self.typer.hint(schema, ptr, name)
        self.deps[name] = expr.refs
        self.model_keys |= expr.imports | {"TypeAlias"}
        return ModelIR(name, ptr, False, doc_literal(describe(self.schemas[key])), alias_of=expr.code)

    def class_model(self, name: str, schema: dict[str, Any], ptr: str) -> ModelIR:
        if "allOf" in schema:
            schema = merge_all_of(self.doc, schema)
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        names = assign_unique((wire, field_name(wire)) for wire in props)
        fields: list[FieldIR] = []
        refs: set[str] = set()
        for wire, prop in props.items():
            expr = self.typer.hint(prop, ptr + pointer("properties", wire), name + pascal_ctx(wire))
            refs |= expr.refs
            fields.append(model_field(names[wire], wire, expr, prop, wire in required))
            self.model_keys |= expr.imports
        self.deps[name] = frozenset(refs)
        self.model_keys |= {"BaseModel"} | ({"Field"} if any("Field(" in f.assignment for f in fields) else set())
        return ModelIR(name, ptr, True, doc_literal(describe(schema)), tuple(fields))

    # ---- operations ---------------------------------------------------------

    def operations(self) -> list[OperationIR]:
        found = [(function_name(op.get("operationId") or f"{method}_{path}"), path, method, op, item)
                 for path, method, op, item in iter_operations(self.doc)]
        names = assign_unique((f"{m} {p}", n) for n, p, m, _, _ in found)
        ops = [self.operation(names[f"{m} {p}"], p, m, op, item) for _, p, m, op, item in found]
        return sorted(ops, key=lambda o: o.python_name)

    def operation(self, name: str, path: str, method: str, op: dict[str, Any],
                  item: dict[str, Any]) -> OperationIR:
        ptr = pointer("paths", path, method)
        ctx = class_name(op.get("operationId") or name)
        path_params, query_params, body_params, body_model = self.arguments(name, path, op, item, ptr, ctx)
        response = self.response_type(op, ptr, ctx)
        page = self.pagination(query_params, op)
        stream = self.streaming(op, ptr, ctx, body_params)
        keyword_args = tuple(argument_text(p) for p in query_params + body_params)
        return OperationIR(
            python_name=name, operation_id=op.get("operationId") or name, method=method.upper(),
            path=path, path_literal=repr(path), pointer=ptr, path_params=path_params, query_params=query_params,
            body_params=body_params, body_model=body_model, body_required=bool(body_params and body_model),
            response_type=response.code, summary=one_line(op.get("summary") or ""),
            doc_literal=doc_literal(operation_doc(op)), deprecated=bool(op.get("deprecated")),
            deprecation_literal=repr(f"{op.get('operationId') or name} is deprecated by the API")
            if op.get("deprecated") else "",
            has_body=bool(body_params), keyword_args=keyword_args,
            page_item=page[0] if page else "", page_info=page[1] if page else "",
            stream_type=stream[0].code if stream else "", stream_envelope=stream[1] if stream else False,
            stream_false_args=stream_variant(query_params + body_params, False) if stream else (),
            stream_true_args=stream_variant(query_params + body_params, True) if stream else (),
        )

    def arguments(self, name: str, path: str, op: dict[str, Any], item: dict[str, Any], ptr: str,
                  ctx: str) -> tuple[tuple[ParamIR, ...], tuple[ParamIR, ...], tuple[ParamIR, ...], str]:
        """Path, query and body arguments, named in one pass so they cannot collide."""
        params = resolved_parameters(self.doc, item, op)
        order = {n: i for i, n in enumerate(_PATH_VAR.findall(path))}
        path_raw = sorted((p for p in params if p.get("in") == "path"), key=lambda p: order.get(p["name"], 99))
        query_raw = [p for p in params if p.get("in") == "query"]
        body_props, body_model, _ = self.body_properties(op, ptr, name)
        wanted = [(f"path:{p['name']}", parameter_name(p["name"])) for p in path_raw]
        wanted += [(f"query:{p['name']}", parameter_name(p["name"])) for p in query_raw]
        wanted += [(f"body:{w}", parameter_name(w)) for w, _, _, _ in body_props]
        py = assign_unique(wanted, taken=RESERVED_ARGUMENTS)
        return (
            tuple(self.param(py[f"path:{p['name']}"], p, "path", ptr, ctx) for p in path_raw),
            tuple(self.param(py[f"query:{p['name']}"], p, "query", ptr, ctx) for p in query_raw),
            tuple(self.body_param(py[f"body:{w}"], w, s, req, d) for w, s, req, d in body_props),
            body_model,
        )

    def pagination(self, query: tuple[ParamIR, ...], op: dict[str, Any]) -> tuple[str, str] | None:
        """(item type, PageInfo expression) when the operation pages with an `after` cursor."""
        cursor = next((p for p in query if p.wire_name == "after"), None)
        schema = deref(self.doc, self.success_schema(op, _JSON_TYPES))
        props = schema.get("properties") if isinstance(schema, dict) else None
        if cursor is None or not props or not {"data", "has_more", "last_id"} <= set(props):
            return None
        items = deref(self.doc, props["data"])
        raw_ref = (self.success_schema(op, _JSON_TYPES) or {}).get("$ref", "")
        key = raw_ref.rsplit("/", 1)[-1]
        ptr = component_pointer(key) + "/properties/data/items"
        owner = self.component_names.get(key, "Page")
        item = self.typer.hint((items or {}).get("items"), ptr, owner + "DataItem")
        return item.code, f"PageInfo(cursor_param={cursor.wire_literal}, cursor_field='last_id')"

    def streaming(self, op: dict[str, Any], ptr: str, ctx: str,
                  body: tuple[ParamIR, ...]) -> tuple[TypeExpr, bool] | None:
        """(event type, envelope?) when a text/event-stream response and a `stream` flag exist."""
        schema = self.success_schema(op, ("text/event-stream",))
        if schema is None or not any(p.wire_name == "stream" for p in body):
            return None
        expr = self.typer.hint(schema, ptr + "/responses/stream", ctx + "Event")
        leaves = leaf_objects(self.doc, schema)
        envelope = bool(leaves) and all({"event", "data"} <= set(o.get("properties") or {}) for o in leaves)
        return expr, envelope

    def success_schema(self, op: dict[str, Any], media_types: tuple[str, ...]) -> Any:
        """The schema of the first 2xx response with one of `media_types`, or None."""
        responses = op.get("responses") or {}
        for code in sorted(str(c) for c in responses):
            if not (code.startswith("2") and len(code) == 3):
                continue
            response = deref(self.doc, responses.get(code) or responses.get(int(code)))
            content = (response or {}).get("content") or {}
            media = next((m for m in content if m in media_types), None)
            if media is not None:
                return (content[media] or {}).get("schema") or {}
        return None

    def param(self, py_name: str, p: dict[str, Any], where: str, ptr: str, ctx: str) -> ParamIR:
        expr = self.typer.hint(p.get("schema") or {}, ptr + "/parameters", ctx + pascal_ctx(p["name"]))
        required = bool(p.get("required")) or where == "path"
        return make_param(py_name, p["name"], where, expr, required, describe(p))

    def body_param(self, py_name: str, wire: str, expr: TypeExpr, required: bool, doc: str) -> ParamIR:
        return make_param(py_name, wire, "body", expr, required, doc)

    def body_properties(self, op: dict[str, Any], ptr: str,
                        name: str) -> tuple[list[tuple[str, TypeExpr, bool, str]], str, bool]:
        """The request body as keyword arguments: one per property of its object schema."""
        body = deref(self.doc, op.get("requestBody"))
        if not isinstance(body, dict):
            return [], "", False
        content = body.get("content") or {}
        media = next((m for m in content if m in _JSON_TYPES), None)
        if media is None:
            return [], "", False
        raw = content[media].get("schema") or {}
        schema = deref(self.doc, raw)
        ref = raw.get("$ref", "") if isinstance(raw, dict) else ""
        model = ref.rsplit("/", 1)[-1] if ref else ""
        if not (isinstance(schema, dict) and schema.get("properties")):
            expr = self.typer.hint(raw, ptr + "/requestBody", class_name(name) + "Body")
            return [("body", expr, bool(body.get("required")), "The request body.")], model, bool(body.get("required"))
        required = set(schema.get("required") or ())
        out = []
        for wire, prop in schema["properties"].items():
            sptr = (component_pointer(model) if model else ptr + "/requestBody") + pointer("properties", wire)
            expr = self.typer.hint(prop, sptr, (self.component_names.get(model) or class_name(name)) + pascal_ctx(wire))
            out.append((wire, expr, wire in required, describe(prop)))
        return out, model, bool(body.get("required"))

    def response_type(self, op: dict[str, Any], ptr: str, ctx: str) -> TypeExpr:
        schema = self.success_schema(op, _JSON_TYPES)
        if schema is None:
            return TypeExpr("None")
        expr = self.typer.hint(schema, ptr + "/responses", ctx + "Response")
        return expr


def pascal_ctx(wire: str) -> str:
    """A name fragment for an inline schema found under `wire`: 'tool_resources' -> 'ToolResources'."""
    return pascal(wire) or "Value"


# Names the client methods take for per-call options; API arguments must not use them.
RESERVED_ARGUMENTS = frozenset({"self", "extra_headers", "extra_query", "extra_body", "timeout", "max_retries",
                                "request", "options"})


def argument_text(p: ParamIR) -> str:
    return f"{p.python_name}: {p.annotation}" + (f" = {p.default}" if p.default else "")


def stream_variant(params: tuple[ParamIR, ...], streaming: bool) -> tuple[str, ...]:
    """Keyword arguments with `stream` narrowed for one overload of a streaming operation."""
    out = []
    for p in params:
        if p.wire_name != "stream" or p.location != "body":
            out.append(argument_text(p))
        elif streaming:
            out.append(f"{p.python_name}: Literal[True]")
        else:
            out.append(f"{p.python_name}: Literal[False] | None | NotGiven = NOT_GIVEN")
    return tuple(out)


def make_param(py_name: str, wire: str, where: str, expr: TypeExpr, required: bool, doc: str) -> ParamIR:
    hint = expr.input_code
    annotation = hint if required else f"{hint} | NotGiven"
    return ParamIR(python_name=py_name, wire_name=wire, wire_literal=repr(wire), location=where, annotation=annotation,
                   required=required, default="" if required else "NOT_GIVEN", type_text=expr.input_code,
                   doc=one_line(doc))


def model_field(py_name: str, wire: str, expr: TypeExpr, prop: Any, required: bool) -> FieldIR:
    """A field's hint and default: optional fields default to the spec's default, else None."""
    args: list[str] = []
    annotation = expr.code
    prop = prop if isinstance(prop, dict) else {}
    if not required:
        default = prop.get("default", None)
        if not isinstance(default, _SAFE_DEFAULT_TYPES):
            default = None
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
    return FieldIR(py_name, wire, annotation, assignment, doc_literal(describe(prop)))


def class_schema(doc: dict[str, Any], schema: Any) -> dict[str, Any] | None:
    """The object schema a component stands for, if it becomes a class (wrappers and allOf undone)."""
    schema = unwrap_single_branch(schema)
    if isinstance(schema, dict) and len(non_null_branches(schema.get("allOf"))) > 1:
        schema = merge_all_of(doc, schema)
    return schema if isinstance(schema, dict) and schema.get("properties") else None


def unwrap_single_branch(schema: Any) -> Any:
    """`{oneOf: [X]}` or `{anyOf: [X, null]}` with X an inline object is just X (nullability aside)."""
    if not isinstance(schema, dict):
        return schema
    for key in ("oneOf", "anyOf", "allOf"):
        branches = non_null_branches(schema.get(key))
        if len(branches) == 1 and not schema.get("properties"):
            only = branches[0][1]
            if isinstance(only, dict) and "$ref" not in only and only.get("properties"):
                return only
    return schema


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


def describe(node: Any) -> str:
    """The node's prose; for `anyOf: [X, null]` wrappers, X's prose when the wrapper has none."""
    if not isinstance(node, dict):
        return ""
    text = node.get("description") or node.get("summary") or node.get("title") or ""
    if not text:
        for key in ("anyOf", "oneOf", "allOf"):
            branches = non_null_branches(node.get(key))
            if len(branches) == 1:
                return describe(branches[0][1])
    return text if isinstance(text, str) else ""


def operation_doc(op: dict[str, Any]) -> str:
    summary, description = op.get("summary") or "", op.get("description") or ""
    parts = [p for p in (summary, description) if isinstance(p, str) and p.strip()]
    return "\n\n".join(dict.fromkeys(p.strip() for p in parts))


def one_line(text: str) -> str:
    return " ".join(text.split())


def doc_text(text: str) -> str:
    """Spec prose made safe inside a triple-quoted string: backslashes, quotes and control
    characters are escaped, so nothing the spec says can end the string or run as code."""
    text = text.strip().replace("\r\n", "\n")
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch != "\n" and ch != "\t" and (ord(ch) < 32 or ord(ch) == 127):
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def doc_literal(text: str) -> str:
    """A docstring literal for spec prose, or "" when there is none."""
    safe = doc_text(text)
    return f'"""{safe}"""' if safe else ""


RUNTIME_EXPORTS = (
    "NOT_GIVEN", "APIConnectionError", "APIError", "APIStatusError", "APITimeoutError", "AsyncPage",
    "AsyncStream", "AuthenticationError", "BadRequestError", "ConflictError", "InternalServerError",
    "NotFoundError", "NotGiven", "PermissionDeniedError", "RateLimitError", "Request", "RequestOptions",
    "ServerSentEvent", "Stream", "StreamError", "SyncPage", "UnknownVariant", "UnprocessableEntityError",
)


def models_imports(keys: set[str]) -> tuple[str, ...]:
    if "BaseModel" in keys:
        keys = keys | {"ConfigDict"}
    plain = ["datetime"] if "datetime" in keys else []
    return import_block(plain, type_members(keys))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def names_in(texts: Iterable[str]) -> set[str]:
    """Every identifier the given pieces of generated source mention."""
    return {name for text in texts for name in _IDENTIFIER.findall(text)}


def operations_imports(ops: list[OperationIR], models: set[str]) -> tuple[str, ...]:
    texts = [p.annotation for op in ops for p in op.path_params + op.query_params + op.body_params]
    texts += [f"{op.response_type} {op.stream_type} {op.page_info}" for op in ops]
    used = names_in(texts)
    members = type_members(used) + [(".models", m) for m in sorted(used & models)]
    members += [("._runtime", n) for n in ("NOT_GIVEN", "NotGiven", "Request", "format_path", "PageInfo")
                if n in used or n != "PageInfo"]
    members += [("typing_extensions", "deprecated")] if any(op.deprecated for op in ops) else []
    return import_block(["datetime"] if "datetime" in used else [], members)


def client_imports(ops: list[OperationIR], models: set[str]) -> tuple[str, ...]:
    texts = [p.annotation for op in ops for p in op.path_params]
    texts += [arg for op in ops for arg in op.keyword_args + op.stream_true_args + op.stream_false_args]
    texts += [op.stream_type if op.page_item == "" else op.page_item for op in ops]
    texts += [op.response_type for op in ops if not op.page_item]
    used = names_in(texts)
    paged, streams = any(op.page_item for op in ops), any(op.stream_type for op in ops)
    members = type_members(used) + [(".models", m) for m in sorted(used & models)]
    members += [("._runtime", n) for n in ("NOT_GIVEN", "AsyncTransport", "NotGiven", "RequestOptions",
                                            "SyncTransport", "resolve_api_key", "resolve_base_url")]
    members += [("._runtime", n) for n in ("AsyncPage", "SyncPage")] if paged else []
    members += [("._runtime", n) for n in ("AsyncStream", "Stream")] if streams else []
    members += [("typing", "overload")] if streams else []
    members += [("typing_extensions", "deprecated")] if any(op.deprecated for op in ops) else []
    members += [("typing_extensions", "Self"), (".", "operations"), ("collections.abc", "Mapping"),
                ("types", "TracebackType")]
    return import_block(["httpx"] + (["datetime"] if "datetime" in used else []), members)


CLIENT_EXTENSION = "x-oapi-pygen-client"
CONSTRUCTOR_ARGUMENTS = frozenset({"self", "api_key", "base_url", "max_retries", "timeout", "default_headers",
                                   "http_client"})


def client_headers(doc: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Headers declared with the `x-oapi-pygen-client` extension: (always sent, optional by argument)."""
    ext = doc.get(CLIENT_EXTENSION) or {}
    defaults = ext.get("default-headers") or {}
    optional = ext.get("optional-headers") or {}
    always = tuple((repr(str(k)), repr(str(v))) for k, v in sorted(defaults.items()))
    names = assign_unique(((str(k), parameter_name(str(k))) for k in sorted(optional)), taken=CONSTRUCTOR_ARGUMENTS)
    by_argument = tuple((names[str(k)], repr(str(v))) for k, v in sorted(optional.items()))
    return always, by_argument


def build_package(doc: dict[str, Any], package_name: str, client_name: str, env_prefix: str,
                  spec_sha256: str) -> PackageIR:
    builder = Builder(doc)
    operations = builder.operations()
    models = builder.models()
    model_keys = builder.model_keys
    info = doc.get("info") or {}
    servers = doc.get("servers") or [{}]
    model_names = {m.python_name for m in models}
    default_headers, optional_headers = client_headers(doc)
    return PackageIR(
        package_name=package_name,
        client_name=client_name,
        env_prefix=env_prefix,
        title=one_line(str(info.get("title") or package_name)),
        title_doc=doc_text(one_line(str(info.get("title") or package_name))),
        api_version=one_line(str(info.get("version") or "")),
        server_url=str((servers[0] or {}).get("url") or "http://localhost"),
        header_comment=f"Generated by {TOOL_NAME} {__version__} from spec sha256:{spec_sha256}. DO NOT EDIT.",
        models=tuple(models),
        model_imports=models_imports(model_keys),
        operations=tuple(operations),
        operation_imports=operations_imports(operations, model_names),
        client_imports=client_imports(operations, model_names),
        init_exports=sort_exports(RUNTIME_EXPORTS + (client_name, "Async" + client_name)),
        default_headers=default_headers,
        optional_headers=optional_headers,
    )
