"""Stage 4b: operations -> OperationIR (arguments, bodies, responses, pages, streams).

Anything in scope that cannot be generated is recorded as a Problem with its
pointer; the pipeline turns those into errors unless partial output is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.ir import OperationIR, ParamIR
from generator.naming import assign_unique, class_name, function_name, parameter_name, pascal
from generator.problems import Problem, pointer
from generator.prose import describe, doc_literal, one_line, operation_doc
from generator.schema_types import (
    SchemaTyper,
    TypeExpr,
    component_key,
    component_pointer,
    deref,
    leaf_objects,
    merge_all_of,
)
from generator.validate import iter_operations, ref_pointer, resolved_parameters

_PATH_VAR = re.compile(r"{([^{}]+)}")
LOCATIONS = ("path", "query", "header", "cookie")
BODY_ENCODINGS = {"application/json": "json", "multipart/form-data": "multipart",
                  "application/x-www-form-urlencoded": "form"}
FILE_HINT = TypeExpr("FileTypes", frozenset({"FileTypes"}))

# Names the client methods take for per-call options; API arguments must not use them.
RESERVED_ARGUMENTS = frozenset({"self", "extra_headers", "extra_query", "extra_body", "timeout", "max_retries",
                                "request", "options"})


def is_json(media: str) -> bool:
    base = media.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


@dataclass
class Body:
    """A request body as keyword arguments."""

    # wire, hint, required, doc, deprecated
    props: list[tuple[str, TypeExpr, bool, str, bool]] = field(default_factory=list)
    model: str = ""  # component name of the body schema, for docs
    encoding: str = "json"
    whole: bool = False  # one `body` argument carries the whole body


@dataclass
class OperationBuilder:
    doc: dict[str, Any]
    typer: SchemaTyper
    component_names: dict[str, str]
    dropped: list[Problem] = field(default_factory=list)

    def operations(self) -> list[OperationIR]:
        found = [(function_name(op.get("operationId") or f"{method}_{path}"), path, method, op, item)
                 for path, method, op, item in iter_operations(self.doc)]
        # On a collision an operationId that is already its Python name keeps it; then document order.
        exact_first = sorted(found, key=lambda f: f[0] != f[3].get("operationId"))
        names = assign_unique((f"{m} {p}", n) for n, p, m, _, _ in exact_first)
        ops = [self.operation(names[f"{m} {p}"], p, m, op, item) for _, p, m, op, item in found]
        return sorted(ops, key=lambda o: o.python_name)

    def operation(self, name: str, path: str, method: str, op: dict[str, Any],
                  item: dict[str, Any]) -> OperationIR:
        ptr = pointer("paths", path, method)
        ctx = class_name(op.get("operationId") or name)
        body = self.body(op, ptr, name)
        args = self.arguments(path, op, item, ptr, ctx, body)
        kind, response = self.response(op, ptr, ctx)
        stream = self.streaming(op, ptr, ctx, args["body"])
        # A call that may answer with a stream returns the response or the stream, not a page.
        page = None if stream else self.pagination(args["query"], op)
        keyword = args["query"] + args["header"] + args["cookie"] + args["body"]
        styles = {str(q["name"]): style for q in resolved_parameters(self.doc, item, op)
                  if q.get("in") == "query" and (style := query_style(q))}
        return OperationIR(
            python_name=name, operation_id=op.get("operationId") or name, method=method.upper(),
            path=path, path_literal=repr(path), pointer=ptr, path_params=args["path"], query_params=args["query"],
            header_params=args["header"], cookie_params=args["cookie"],
            body_params=args["body"], body_model=body.model, body_required=bool(args["body"] and body.model),
            body_encoding=body.encoding, whole_body=body.whole, query_styles=repr(dict(sorted(styles.items()))) if styles else "",
            response_type=response.code, response_kind=kind, summary=one_line(op.get("summary") or ""),
            doc_literal=doc_literal(operation_doc(op)), deprecated=bool(op.get("deprecated")),
            builder_name=f"_{name}" if op.get("deprecated") else name,
            deprecation_literal=repr(f"{op.get('operationId') or name} is deprecated by the API")
            if op.get("deprecated") else "",
            has_body=bool(args["body"]), keyword_args=tuple(argument_text(p) for p in keyword),
            page_item=page[0] if page else "", page_info=page[1] if page else "",
            stream_type=stream[0].code if stream else "", stream_envelope=stream[1] if stream else False,
            stream_false_args=stream_variant(keyword, False) if stream else (),
            stream_true_args=stream_variant(keyword, True) if stream else (),
        )

    # ---- arguments ----------------------------------------------------------------------

    def arguments(self, path: str, op: dict[str, Any], item: dict[str, Any], ptr: str, ctx: str,
                  body: Body) -> dict[str, tuple[ParamIR, ...]]:
        """Arguments by location, named in one pass so that the same name in two places cannot collide."""
        params = resolved_parameters(self.doc, item, op)
        order = {n: i for i, n in enumerate(_PATH_VAR.findall(path))}
        raw = {where: [p for p in params if p.get("in") == where] for where in LOCATIONS}
        raw["path"].sort(key=lambda p: order.get(p.get("name"), len(order)))
        for p in params:
            if p.get("in") not in LOCATIONS:
                self.drop(ptr + "/parameters", f"parameter {p.get('name')!r} is in {p.get('in')!r}, "
                          "which no HTTP request can carry", "dropped-parameter")
        wires = [(w, str(p["name"])) for w in LOCATIONS for p in raw[w]] + [("body", w) for w, *_ in body.props]
        seen: set[str] = set()
        wanted = []
        for where, wire in wires:  # a name used again in a later location says where it goes
            base = parameter_name(wire)
            wanted.append((f"{where}:{wire}", base if base not in seen else f"{base.rstrip('_')}_{where}"))
            seen.add(base)
        py = assign_unique(wanted, taken=RESERVED_ARGUMENTS)
        out = {w: tuple(self.param(py[f"{w}:{p['name']}"], p, w, param_pointer(self.doc, path, ptr, item, op, p),
                                   ctx) for p in raw[w]) for w in LOCATIONS}
        out["body"] = tuple(make_param(py[f"body:{wire}"], wire, "body", hint, required, doc, deprecated)
                            for wire, hint, required, doc, deprecated in body.props)
        return out

    def param(self, py_name: str, p: dict[str, Any], where: str, ptr: str, ctx: str) -> ParamIR:
        schema = p.get("schema")
        if schema is None and isinstance(p.get("content"), dict) and p["content"]:
            schema = next(iter(p["content"].values())).get("schema")
        expr = self.typer.hint(schema or {}, ptr + "/schema", ctx + pascal_ctx(str(p["name"])))
        required = bool(p.get("required")) or where == "path"
        return make_param(py_name, str(p["name"]), where, expr, required, describe(p), bool(p.get("deprecated")))

    # ---- bodies --------------------------------------------------------------------------

    def body(self, op: dict[str, Any], ptr: str, name: str) -> Body:
        """The request body as keyword arguments: one per property of its object schema."""
        body = deref(self.doc, op.get("requestBody"))
        if not isinstance(body, dict):
            return Body()
        content = body.get("content") or {}
        media = next((m for m in content if is_json(m)), None) or next(
            (m for m in content if m.split(";")[0].strip() in BODY_ENCODINGS), None)
        if media is None:
            if content:
                self.drop(ptr + "/requestBody", f"no supported media type among {sorted(content)}", "dropped-body")
            return Body()
        encoding = "json" if is_json(media) else BODY_ENCODINGS[media.split(";")[0].strip()]
        raw = (content[media] or {}).get("schema") or {}
        schema = deref(self.doc, raw)
        ref = raw.get("$ref", "") if isinstance(raw, dict) else ""
        model = component_key(ref) or ""
        required_body = bool(body.get("required"))
        if isinstance(schema, dict) and schema.get("properties") and "allOf" in schema:
            schema = merge_all_of(self.doc, schema)  # the allOf parts' properties are arguments too
        if not (isinstance(schema, dict) and schema.get("properties")):
            if encoding != "json":
                self.drop(ptr + "/requestBody", f"a {media} body must be an object with properties", "dropped-body")
                return Body()
            hint = self.typer.hint(raw, ptr + "/requestBody", class_name(name) + "Body")
            return Body([("body", hint, required_body, "The request body.", False)], model, encoding, whole=True)
        required = set(schema.get("required") or ())
        owner = self.component_names.get(model) or class_name(name) + "Body"
        props = []
        for wire, prop in schema["properties"].items():
            sptr = (component_pointer(model) if model else ptr + "/requestBody/content/schema") + pointer(
                "properties", wire)
            file_hint = self.file_hint(prop) if encoding == "multipart" else None
            hint = file_hint or self.typer.hint(prop, sptr, owner + pascal_ctx(wire))
            deprecated = bool(prop.get("deprecated")) if isinstance(prop, dict) else False
            props.append((wire, hint, wire in required, describe(prop), deprecated))
        return Body(props, model, encoding)

    def file_hint(self, prop: Any) -> TypeExpr | None:
        """Binary parts of a multipart body take file-like values."""
        prop = deref(self.doc, prop)
        if not isinstance(prop, dict):
            return None
        if prop.get("format") == "binary" or prop.get("contentMediaType"):
            return FILE_HINT
        items = deref(self.doc, prop.get("items"))
        if prop.get("type") == "array" and isinstance(items, dict) and items.get("format") == "binary":
            return FILE_HINT.wrap("list[{}]")
        return None

    # ---- responses -----------------------------------------------------------------------

    def response(self, op: dict[str, Any], ptr: str, ctx: str) -> tuple[str, TypeExpr]:
        """(kind, type) of the success result: typed JSON, text, raw bytes, or nothing."""
        code, response = success_response(self.doc, op)
        content = (response or {}).get("content") or {}
        if not content:
            return "none", TypeExpr("None")
        media = next((m for m in content if is_json(m)), None)
        if media is not None:
            schema = (content[media] or {}).get("schema") or {}
            where = ptr + pointer("responses", code, "content", media, "schema")
            return "json", self.typer.hint(schema, where, ctx + "Response")
        if any(m.startswith("text/") and m != "text/event-stream" for m in content):
            return "text", TypeExpr("str")
        if set(content) == {"text/event-stream"}:
            return "none", TypeExpr("None")  # served by the stream variant
        return "bytes", TypeExpr("bytes")

    def pagination(self, query: tuple[ParamIR, ...], op: dict[str, Any]) -> tuple[str, str] | None:
        """(item type, PageInfo expression) when the operation pages with an `after` cursor."""
        cursor = next((p for p in query if p.wire_name == "after"), None)
        raw = self.success_schema(op, is_json)
        schema = deref(self.doc, raw)
        props = schema.get("properties") if isinstance(schema, dict) else None
        if cursor is None or not props or not {"data", "has_more", "last_id"} <= set(props):
            return None
        items = deref(self.doc, props["data"])
        if not isinstance(items, dict):
            return None  # `data: true` and the like: nothing says it is a list
        key = component_key(raw.get("$ref") if isinstance(raw, dict) else None) or ""
        ptr = component_pointer(key) + "/properties/data/items"
        owner = self.component_names.get(key, "Page")
        item = self.typer.hint(items.get("items"), ptr, owner + "DataItem")
        return item.code, f"PageInfo(cursor_param={cursor.wire_literal}, cursor_field='last_id')"

    def streaming(self, op: dict[str, Any], ptr: str, ctx: str,
                  body: tuple[ParamIR, ...]) -> tuple[TypeExpr, bool] | None:
        """(event type, envelope?) when a text/event-stream response and a `stream` flag exist."""
        schema = self.success_schema(op, lambda m: m == "text/event-stream")
        if schema is None or not any(p.wire_name == "stream" for p in body):
            return None
        code, _ = success_response(self.doc, op)
        where = ptr + pointer("responses", code, "content", "text/event-stream", "schema")
        expr = self.typer.hint(schema, where, ctx + "Event")
        leaves = leaf_objects(self.doc, schema)
        envelope = bool(leaves) and all({"event", "data"} <= set(o.get("properties") or {}) for o in leaves)
        return expr, envelope

    def success_schema(self, op: dict[str, Any], media_ok: Any) -> Any:
        """The schema of the success response's first media type that `media_ok` accepts, or None."""
        _, response = success_response(self.doc, op)
        content = (response or {}).get("content") or {}
        media = next((m for m in content if media_ok(m)), None)
        return None if media is None else (content[media] or {}).get("schema") or {}

    def drop(self, where: str, message: str, kind: str) -> None:
        self.dropped.append(Problem(where, message, "error", kind=kind))


def success_response(doc: dict[str, Any], op: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The lowest 2xx response, else `default`, else nothing."""
    responses = op.get("responses") or {}
    codes = sorted(str(c) for c in responses if str(c).startswith("2") and len(str(c)) == 3)
    code = codes[0] if codes else ("default" if "default" in responses else "")
    if not code:
        return "", None
    raw = responses.get(code, responses.get(int(code))) if code.isdigit() else responses[code]
    found = deref(doc, raw)
    return code, found if isinstance(found, dict) else None


def param_pointer(doc: dict[str, Any], path: str, op_ptr: str, item: dict[str, Any], op: dict[str, Any],
                  param: dict[str, Any]) -> str:
    """Where a (resolved) parameter is written: in the operation, the path item, or components."""
    for where, params in ((op_ptr, op.get("parameters") or []), (pointer("paths", path), item.get("parameters") or [])):
        for i, raw in enumerate(params):
            if raw is param:
                return where + pointer("parameters", i)
            ref = raw.get("$ref") if isinstance(raw, dict) else None
            if isinstance(ref, str) and deref(doc, raw) is param:
                return ref_pointer(ref)
    return op_ptr + "/parameters"


def query_style(raw: dict[str, Any]) -> str:
    """'json' for a parameter given by `content`, 'deepObject' for deepObject objects, 'csv' for
    `explode: false` (form) arrays and objects, else ''."""
    content = raw.get("content")
    if isinstance(content, dict) and any("json" in str(media) for media in content):
        return "json"
    if raw.get("style") == "deepObject":
        return "deepObject"
    if raw.get("explode") is False and raw.get("style", "form") == "form":
        return "csv"
    return ""


def pascal_ctx(wire: str) -> str:
    """A name fragment for an inline schema found under `wire`: 'tool_resources' -> 'ToolResources'."""
    return pascal(wire) or "Value"


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
        else:  # what the argument takes but True: None only where the schema admits null
            hint = "Literal[False]" + (" | None" if "None" in p.type_text.split(" | ") else "")
            out.append(f"{p.python_name}: {hint}" if p.required else f"{p.python_name}: {hint} | NotGiven = NOT_GIVEN")
    return tuple(out)


def make_param(py_name: str, wire: str, where: str, expr: TypeExpr, required: bool, doc: str,
               deprecated: bool = False) -> ParamIR:
    hint = expr.input_code
    annotation = hint if required else f"{hint} | NotGiven"
    return ParamIR(python_name=py_name, wire_name=wire, wire_literal=repr(wire), location=where,
                   annotation=annotation, required=required, default="" if required else "NOT_GIVEN",
                   type_text=expr.input_code, doc=one_line(doc), deprecated=deprecated)
