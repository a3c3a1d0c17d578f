"""Stage 4b: operations -> OperationIR (arguments, bodies, responses, pages, streams).

Anything in scope that cannot be generated is recorded as a Problem with its
pointer; the pipeline turns those into errors unless partial output is allowed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from generator import media, pagination
from generator.ir import OperationIR, ParamIR
from generator.naming import assign_unique, claim, class_name, function_name, parameter_name, pascal
from generator.problems import Problem
from generator.progress import NO_PROGRESS, Progress
from generator.prose import describe, doc_literal, one_line, operation_doc
from generator.schema_types import (
    ANY,
    SchemaTyper,
    TypeExpr,
    branch_literal,
    component_key,
    component_pointer,
    leaf_objects,
    merge_all_of,
    required_by_every_branch,
    union,
)
from generator.spec import deref, iter_operations, pointer, ref_pointer
from generator.validate import resolved_parameters

_PATH_VAR = re.compile(r"{([^{}]+)}")
LOCATIONS = ("path", "query", "header", "cookie")
FILE_HINT = TypeExpr("FileTypes", frozenset({"FileTypes"}))

# Names the client methods take for per-call options; API arguments must not use them.
RESERVED_ARGUMENTS = frozenset({"self", "extra_headers", "extra_query", "extra_body", "timeout", "max_retries",
                                "request", "options"})


@dataclass
class Body:
    """A request body as keyword arguments, and how it goes on the wire."""

    # wire, hint, required, doc, deprecated
    props: list[tuple[str, TypeExpr, bool, str, bool]] = field(default_factory=list)
    model: str = ""  # component name of the body schema, for docs
    encoding: str = "json"  # see media.body_encoding
    whole: bool = False  # one `body` argument carries the whole body
    media: str = ""  # the media type sent unless the caller chooses another ("" for no body)
    choices: tuple[str, ...] = ()  # every media type the caller may choose, the default first
    any_media: bool = False  # a wildcard (`*/*`, `image/*`): the caller may name any content type
    encodings: dict[str, str] = field(default_factory=dict)  # a choice's encoding, where not `encoding`'s
    part_types: dict[str, str] = field(default_factory=dict)  # multipart: property -> part content type
    form_styles: dict[str, str] = field(default_factory=dict)  # form: property -> query style code, where declared


BINARY_HINT = TypeExpr("BinaryContent", frozenset({"BinaryContent"}))
FREE_FORM_HINT = TypeExpr("Mapping[str, Any]", frozenset({"Mapping", "Any"}))


@dataclass
class OperationBuilder:
    doc: dict[str, Any]
    typer: SchemaTyper
    component_names: dict[str, str]
    dropped: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # info lines (an ambiguous paging style)
    progress: Progress = NO_PROGRESS  # advanced by one for each operation built

    def operations(self) -> list[OperationIR]:
        found = [(function_name(op.get("operationId") or f"{method}_{path}"), path, method, op, item)
                 for path, method, op, item in iter_operations(self.doc)]
        # On a collision an operationId that is already its Python name keeps it; then document order.
        exact_first = sorted(found, key=lambda f: f[0] != f[3].get("operationId"))
        names = assign_unique((f"{m} {p}", n) for n, p, m, _, _ in exact_first)
        ops: list[OperationIR] = []
        for _, p, m, op, item in found:
            ops.append(self.operation(names[f"{m} {p}"], p, m, op, item))
            self.progress.advance()
        return name_twins(sorted(ops, key=lambda o: o.python_name))

    def operation(self, name: str, path: str, method: str, op: dict[str, Any],
                  item: dict[str, Any]) -> OperationIR:
        ptr = pointer("paths", path, method)
        ctx = class_name(op.get("operationId") or name)
        body = self.body(op, ptr, name)
        args = self.arguments(path, op, item, ptr, ctx, body)
        result = self.response(op, ptr, ctx)
        stream = self.streaming(op, ptr, ctx, args["body"])
        # A call that may answer with a stream returns the response or the stream, not a page.
        page = None if stream else self.pagination(args["query"], op, ptr, ctx, item)
        keyword = args["query"] + args["header"] + args["cookie"] + args["body"] + args["media"]
        declared = [q for q in resolved_parameters(self.doc, item, op) if not client_set(q)]
        styles = {str(q["name"]): style for q in declared if q.get("in") == "query" and (style := query_style(q))}
        path_styles = {str(q["name"]): style for q in declared if q.get("in") == "path" and (
            style := located_style(q, "simple", False)) != "simple"}
        header_styles = {str(q["name"]): style for q in declared if q.get("in") == "header" and (
            style := located_style(q, "simple", False)) != "simple"}
        reserved = tuple(sorted(str(q["name"]) for q in declared if q.get("in") == "query" and q.get("allowReserved")))
        return OperationIR(
            python_name=name, operation_id=op.get("operationId") or name, method=method.upper(),
            path=path, path_literal=repr(path), pointer=ptr, path_params=args["path"], query_params=args["query"],
            header_params=args["header"], cookie_params=args["cookie"],
            body_params=args["body"], body_model=body.model, body_required=bool(args["body"] and body.model),
            body_encoding=body.encoding, whole_body=body.whole,
            query_styles=repr(dict(sorted(styles.items()))) if styles else "",
            path_styles=tuple(sorted(path_styles.items())), header_styles=tuple(sorted(header_styles.items())),
            query_reserved=reserved,
            response_type=result.expr.code, response_kind="sse" if stream and stream[2] else result.kind,
            summary=one_line(op.get("summary") or ""),
            doc_literal=doc_literal(operation_doc(op)), deprecated=bool(op.get("deprecated")),
            builder_name=deprecated_builder(name) if op.get("deprecated") else name,
            deprecation_literal=repr(f"{op.get('operationId') or name} is deprecated by the API")
            if op.get("deprecated") else "",
            has_body=bool(body.media), keyword_args=tuple(argument_text(p) for p in keyword),
            page_item=page[0] if page else "", page_info=page[1] if page else "",
            stream_type=stream[0].code if stream else "", stream_envelope=stream[1] if stream else False,
            stream_always=bool(stream and stream[2]),
            stream_false_args=stream_variant(keyword, False) if stream and not stream[2] else (),
            stream_true_args=stream_variant(keyword, True) if stream and not stream[2] else (),
            **wire_fields(body, result, args["media"]),
            accept=accept if (accept := media.accept(*self.response_media(op))) != media.DEFAULT_ACCEPT else "",
        )

    def response_media(self, op: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The media types the operation declares for its successes (2xx, 2XX) and for its other
        responses, in the spec's order."""
        responses = op.get("responses")
        success: list[str] = []
        others: list[str] = []
        for code, response in (responses.items() if isinstance(responses, dict) else ()):
            found = deref(self.doc, response)
            content = found.get("content") if isinstance(found, dict) else None
            (success if str(code).startswith("2") else others).extend(
                str(m) for m in (content if isinstance(content, dict) else ()))
        return success, others

    # ---- arguments ----------------------------------------------------------------------

    def arguments(self, path: str, op: dict[str, Any], item: dict[str, Any], ptr: str, ctx: str,
                  body: Body) -> dict[str, tuple[ParamIR, ...]]:
        """Arguments by location, named in one pass so that the same name in two places cannot collide."""
        params = resolved_parameters(self.doc, item, op)
        order = {n: i for i, n in enumerate(_PATH_VAR.findall(path))}
        raw = {where: [p for p in params if p.get("in") == where and not client_set(p)] for where in LOCATIONS}
        raw["path"].sort(key=lambda p: order.get(p.get("name"), len(order)))
        for p in params:
            if p.get("in") not in LOCATIONS:
                self.drop(ptr + "/parameters", f"parameter {p.get('name')!r} is in {p.get('in')!r}, "
                          "which no HTTP request can carry", "dropped-parameter")
        wires = [(w, str(p["name"])) for w in LOCATIONS for p in raw[w]] + [("body", w) for w, *_ in body.props]
        wires += [("media", "content_type")] if len(body.choices) > 1 or body.any_media else []
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
        out["media"] = (media_param(py["media:content_type"], body),) if "media:content_type" in py else ()
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
        """The request body: in the first media type the spec lists, with the others that take the
        same arguments as choices; an empty object schema (`properties: {}`) is no body, unless
        the body is required and JSON: then it takes no arguments and `{}` is sent."""
        raw_body = op.get("requestBody")
        body = deref(self.doc, raw_body)
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            return Body()
        where = ref_pointer(raw_body["$ref"]) if isinstance(raw_body, dict) and isinstance(
            raw_body.get("$ref"), str) else ptr + "/requestBody"
        first = next(iter(content))
        raw = schema_of(content[first])
        if is_empty_object(deref(self.doc, raw)) and not (
                body.get("required") and media.body_encoding(first) == media.JSON):
            return Body()
        found = self.typed_body(first, raw, bool(body.get("required")), where + pointer("content", first), name)
        found.part_types = self.part_types(content[first], found) if found.encoding == media.MULTIPART else {}
        found.form_styles = form_styles(content[first]) if found.encoding == media.FORM else {}
        found.choices = tuple(m for m in content if m == first or self.same_arguments(found, raw, m, content[m]))
        found.encodings = {media.base(m): media.body_encoding(m) for m in found.choices
                           if media.body_encoding(m) != found.encoding}
        found.any_media = any(media.wildcard(m) for m in found.choices)
        return found

    def typed_body(self, media_type: str, raw: Any, required_body: bool, where: str, name: str) -> Body:
        encoding = media.body_encoding(media_type)
        whole = class_name(name) + "Body"
        if encoding == media.BINARY:
            return Body([("body", BINARY_HINT, required_body, "The request body.", False)], "", encoding, True,
                        media_type)
        if encoding == media.TEXT:
            return Body([("body", TypeExpr("str"), required_body, "The request body.", False)], "", encoding,
                         True, media_type)
        schema = deref(self.doc, raw)
        model = component_key(raw.get("$ref") if isinstance(raw, dict) else None) or ""
        if isinstance(schema, dict) and schema.get("properties") and "allOf" in schema:
            schema = merge_all_of(self.doc, schema)  # the allOf parts' properties are arguments too
        if is_empty_object(schema):  # required (see `body`): no arguments, and `{}` is sent
            return Body([], model, encoding, False, media_type)
        if not (isinstance(schema, dict) and schema.get("properties")):
            hint = self.typer.hint(raw, where + "/schema", whole) if encoding == media.JSON else FREE_FORM_HINT
            return Body([("body", hint, required_body, "The request body.", False)], model, encoding, True,
                        media_type)
        required = set(schema.get("required") or ())
        owner = self.component_names.get(model) or whole
        base = component_pointer(model) if model else where + "/schema"
        props = []
        for wire, prop in schema["properties"].items():
            file_hint = self.file_hint(prop) if encoding == media.MULTIPART else None
            hint = file_hint or self.typer.hint(prop, base + pointer("properties", wire), owner + pascal_ctx(wire))
            deprecated = bool(prop.get("deprecated")) if isinstance(prop, dict) else False
            props.append((wire, hint, wire in required, describe(prop), deprecated))
        return Body(self.branch_required(schema, base, model, owner, props), model, encoding, False, media_type)

    def branch_required(self, schema: dict[str, Any], base: str, model: str, owner: str,
                        props: list[tuple[str, TypeExpr, bool, str, bool]]
                        ) -> list[tuple[str, TypeExpr, bool, str, bool]]:
        """The body's properties with those that every branch of its oneOf/anyOf requires (a
        discriminator, say): required arguments, typed as the Literal of the branches' values where
        each branch gives a const or an enum, else as the property's own schema or the union of
        the branches' types."""
        found = {wire: i for i, (wire, *_) in enumerate(props)}
        out = list(props)
        for wire, declared in required_by_every_branch(self.doc, schema, base, model):
            narrow = branch_literal(self.doc, declared)
            if wire in found:
                _, hint, _, doc, deprecated = out[found[wire]]
                out[found[wire]] = (wire, narrow or hint, True, doc, deprecated)
                continue
            hint = narrow or union([self.typer.hint(d.schema, d.pointer, (
                self.component_names.get(d.component) or owner) + pascal_ctx(wire)) if d else ANY for d in declared])
            first = next((d.schema for d in declared if d is not None), None)
            deprecated = any(isinstance(d.schema, dict) and bool(d.schema.get("deprecated")) for d in declared if d)
            out.append((wire, hint, True, describe(first), deprecated))
        return out

    def same_arguments(self, chosen: Body, raw: Any, other: str, entry: Any) -> bool:
        """Whether another media type of the body takes the same arguments as the chosen one:
        raw bodies of the same kind, or property bodies with the same schema."""
        encoding = media.body_encoding(other)
        if chosen.encoding in (media.BINARY, media.TEXT) or encoding in (media.BINARY, media.TEXT):
            return encoding == chosen.encoding
        if chosen.whole and (encoding != media.JSON or chosen.encoding != media.JSON):
            return False
        theirs = schema_of(entry)
        return theirs == raw or deref(self.doc, theirs) is deref(self.doc, raw)

    def part_types(self, entry: Any, body: Body) -> dict[str, str]:
        """The content type of each multipart part the spec's `encoding` names, and JSON for parts
        that are objects (OpenAPI's default for them)."""
        declared = entry.get("encoding") if isinstance(entry, dict) else None
        found: dict[str, str] = {}
        for wire, hint, *_ in body.props:
            spec = declared.get(wire) if isinstance(declared, dict) else None
            given = spec.get("contentType") if isinstance(spec, dict) else None
            if isinstance(given, str) and given.strip():
                found[wire] = given.split(",")[0].strip()
            elif hint.accepts_dict or hint.code.startswith("dict["):
                found[wire] = "application/json"
        return found

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

    def response(self, op: dict[str, Any], ptr: str, ctx: str) -> Result:
        """The success result: typed JSON (JSON first, where a response offers it), JSON lines,
        an event stream, text, raw bytes, or nothing; None too where another 2xx has no body."""
        code, response = success_response(self.doc, op)
        content = (response or {}).get("content") or {}
        if not isinstance(content, dict) or not content or code in ("204", "205"):
            return Result("none", TypeExpr("None"))  # a 204 or 205 has no body, whatever it declares
        chosen = next((m for m in content if media.is_json(m)), None) or next(
            (m for m in content if media.is_json_lines(m)), None) or next(iter(content))
        schema = schema_of(content[chosen])
        where = ptr + pointer("responses", code, "content", chosen, "schema")
        empty_ok = self.may_be_empty(op, code)
        if media.is_json(chosen):
            expr = self.typer.hint(schema, where, ctx + "Response")
            return Result("json", expr.or_none() if empty_ok else expr, allow_empty=empty_ok)
        if media.is_json_lines(chosen):
            item = self.line_type(schema, where, ctx)
            return Result("jsonl", item.wrap("list[{}]"), item=item.code, twin="lines", allow_empty=empty_ok)
        if media.base(chosen) == media.SSE:
            return Result("none", TypeExpr("None"))  # a stream: see `streaming`
        if media.is_text(chosen):
            return Result("text", TypeExpr("str"))
        return Result("bytes", TypeExpr("bytes"), twin="download")

    def line_type(self, schema: Any, where: str, ctx: str) -> TypeExpr:
        """The type of one line of a JSON-lines response: the schema's items when it is an array."""
        found = deref(self.doc, schema)
        if isinstance(found, dict) and found.get("type") == "array" and "items" in found:
            return self.typer.hint(found["items"], where + "/items", ctx + "Line")
        return self.typer.hint(schema, where, ctx + "Line")

    def may_be_empty(self, op: dict[str, Any], code: str) -> bool:
        """Whether a success other than `code` comes without a body (a 204 beside a 200, say)."""
        responses = op.get("responses") or {}
        for other in sorted(str(c) for c in responses if str(c).startswith("2") and len(str(c)) == 3):
            if other == code:
                continue
            found = deref(self.doc, responses.get(other, responses.get(int(other)) if other.isdigit() else None))
            if other in ("204", "205") or not (isinstance(found, dict) and found.get("content")):
                return True
        return False

    def pagination(self, query: tuple[ParamIR, ...], op: dict[str, Any], ptr: str, ctx: str,
                   item: dict[str, Any]) -> tuple[str, str] | None:
        """(item type, PageInfo expression) when the operation pages: OpenAI's `after` cursor with
        `data`/`has_more`/`last_id`, else a style of pagination.paging."""
        raw = self.success_schema(op, media.is_json)
        schema = deref(self.doc, raw)
        props = schema.get("properties") if isinstance(schema, dict) else None
        cursor = next((p for p in query if p.wire_name == "after"), None)
        if cursor is not None and props and {"data", "has_more", "last_id"} <= set(props) and op.get(
                pagination.EXTENSION) is None:
            items = deref(self.doc, props["data"])
            if not isinstance(items, dict):
                return None  # `data: true` and the like: nothing says it is a list
            key = component_key(raw.get("$ref") if isinstance(raw, dict) else None) or ""
            owner = self.component_names.get(key, "Page")
            found = self.typer.hint(items.get("items"), component_pointer(key) + "/properties/data/items",
                                    owner + "DataItem")
            return found.code, f"PageInfo(cursor_param={cursor.wire_literal}, cursor_field='last_id')"
        declared = {str(q["name"]): q for q in resolved_parameters(self.doc, item, op) if q.get("in") == "query"}
        code, response = success_response(self.doc, op)
        headers = {str(h).lower() for h in ((response or {}).get("headers") or {})}
        paging, notes = pagination.paging(self.doc, op, ptr, declared, raw, headers)
        self.notes += notes
        if paging is None or raw is None:
            return None
        media_type = next(m for m in (response or {}).get("content") or {} if media.is_json(m))
        where = ptr + pointer("responses", code, "content", media_type, "schema")
        item_type = self.page_item(raw, paging.items, where, ctx + "Response")
        if item_type is None:
            return None
        return item_type.code, page_info(paging)

    def page_item(self, raw: Any, items: str, where: str, ctx: str) -> TypeExpr | None:
        """The type of a page's items, typed where the response's own typing puts them (one model)."""
        key = component_key(raw.get("$ref") if isinstance(raw, dict) else None)
        if key is not None and key in self.component_names:
            where, ctx = component_pointer(key), self.component_names[key]
        schema = deref(self.doc, raw)
        if items:
            prop = (schema.get("properties") or {}).get(items) if isinstance(schema, dict) else None
            if prop is None:
                return None
            return self.page_item(prop, "", where + pointer("properties", items), ctx + pascal_ctx(items))
        return self.typer.hint(schema.get("items") if isinstance(schema, dict) else None, where + "/items",
                               ctx + "Item")

    def streaming(self, op: dict[str, Any], ptr: str, ctx: str,
                  body: tuple[ParamIR, ...]) -> tuple[TypeExpr, bool, bool] | None:
        """(event type, envelope?, always?) for a text/event-stream success response: streamed when
        a `stream` flag in the body says so, or always when it is the only media type."""
        schema = self.success_schema(op, lambda m: media.base(m) == media.SSE)
        if schema is None:
            return None
        _, response = success_response(self.doc, op)
        always = len((response or {}).get("content") or {}) == 1
        if not always and not any(p.wire_name == "stream" for p in body):
            return None
        code, _ = success_response(self.doc, op)
        if always and not deref(self.doc, schema):
            return TypeExpr("ServerSentEvent"), False, True  # no schema: the events as they come
        where = ptr + pointer("responses", code, "content", "text/event-stream", "schema")
        expr = self.typer.hint(schema, where, ctx + "Event")
        leaves = leaf_objects(self.doc, schema)
        envelope = bool(leaves) and all({"event", "data"} <= set(o.get("properties") or {}) for o in leaves)
        return expr, envelope, always

    def success_schema(self, op: dict[str, Any], media_ok: Any) -> Any:
        """The schema of the success response's first media type that `media_ok` accepts, or None."""
        _, response = success_response(self.doc, op)
        content = (response or {}).get("content") or {}
        found = next((m for m in content if media_ok(m)), None)
        return None if found is None else schema_of(content[found])

    def drop(self, where: str, message: str, kind: str) -> None:
        self.dropped.append(Problem(where, message, "error", kind=kind))


@dataclass(frozen=True)
class Result:
    """What a call returns: its kind (see Request.response_kind), type, and twin method."""

    kind: str
    expr: TypeExpr
    item: str = ""  # JSON lines: the type of one line (the Request's response_type)
    twin: str = ""  # "download" or "lines": a twin method streams the body as it arrives
    allow_empty: bool = False  # another 2xx has no body: the result may be None


def schema_of(entry: Any) -> Any:
    """The schema of a media type object, `{}` when it has none."""
    return (entry.get("schema") or {}) if isinstance(entry, dict) else {}


def is_empty_object(schema: Any) -> bool:
    """`{type: object, properties: {}}` with nothing required, extra or combined: no body at all."""
    if not isinstance(schema, dict) or "properties" not in schema or schema["properties"]:
        return False
    return not any(schema.get(k) for k in ("required", "additionalProperties", "allOf", "oneOf", "anyOf",
                                             "patternProperties"))


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
    `explode: false` (form) arrays and objects, 'space' and 'pipe' for spaceDelimited and
    pipeDelimited ones, else '' (form, exploded: a list repeats the name, an object spreads)."""
    content = raw.get("content")
    if isinstance(content, dict) and any("json" in str(media) for media in content):
        return "json"
    style = raw.get("style", "form")
    if style == "deepObject":
        return "deepObject"
    explode = raw.get("explode", style == "form")
    if explode is False:
        return {"form": "csv", "spaceDelimited": "space", "pipeDelimited": "pipe"}.get(str(style), "csv")
    return ""


def form_styles(entry: Any) -> dict[str, str]:
    """A form body's properties whose `encoding` gives a style or explode, with its query style code
    (a form body is written like a query string); the others keep the runtime's default."""
    declared = entry.get("encoding") if isinstance(entry, dict) else None
    return {str(name): query_style({k: v for k, v in spec.items() if k in ("style", "explode")})
            for name, spec in (declared.items() if isinstance(declared, dict) else ())
            if isinstance(spec, dict) and ("style" in spec or "explode" in spec)}


def page_info(paging: pagination.Paging) -> str:
    """The runtime's PageInfo(...) for a paging style: every field that differs from OpenAI's."""
    args = [f"cursor_param={paging.param!r}"]
    args += [f"cursor_field={paging.field!r}"] if paging.field else []
    args += [f"items_field={paging.items!r}", f"has_more_field={paging.has_more!r}", f"style={paging.style!r}"]
    args += [f"limit_param={paging.limit!r}"] if paging.limit else []
    args += [f"start={paging.start!r}"] if paging.start != 1 else []
    return f"PageInfo({', '.join(args)})"


def located_style(raw: dict[str, Any], default: str, explode_default: bool) -> str:
    """A path or header parameter's style, with `*` when it explodes: 'simple', 'label*', 'matrix'."""
    style = str(raw.get("style") or default)
    return style + ("*" if raw.get("explode", explode_default) is True else "")


# Headers the client sets itself (from the operation's media types and the security schemes):
# OpenAPI says header parameters of these names are ignored; so are query and cookie ones.
CLIENT_SET = frozenset({"accept", "content-type", "authorization"})


def client_set(p: dict[str, Any]) -> bool:
    return p.get("in") in ("header", "query", "cookie") and str(p.get("name", "")).lower() in CLIENT_SET


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


def media_param(py_name: str, body: Body) -> ParamIR:
    """The `content_type` argument: which of the body's media types to send (any, for a wildcard)."""
    hint = TypeExpr("str") if body.any_media else TypeExpr(
        f"Literal[{', '.join(repr(m) for m in body.choices)}]", frozenset({"Literal"}))
    doc = f"The body's media type (default {body.media!r})."
    return make_param(py_name, "Content-Type", "media", hint, False, doc)


def wire_fields(body: Body, result: Result, media_params: tuple[ParamIR, ...]) -> dict[str, Any]:
    """The OperationIR fields that say how the body and the result go over the wire."""
    # Form and multipart bodies get their Content-Type from httpx (the boundary with it).
    default_media = "" if body.media == "application/json" or body.encoding in (media.FORM, media.MULTIPART) \
        else body.media
    return {
        "body_media": repr(default_media) if default_media else "",
        "content_types": body.choices,
        "media_params": media_params,
        "media_encodings": repr(dict(sorted(body.encodings.items()))) if body.encodings else "",
        "part_types": repr(dict(sorted(body.part_types.items()))) if body.part_types else "",
        "form_styles": tuple(sorted(body.form_styles.items())),
        "allow_empty": result.allow_empty,
        "response_item": result.item,
        "twin_kind": result.twin,
    }


def deprecated_builder(name: str) -> str:
    """The name of a deprecated operation's builder without the warning, which the client's methods
    call (so a call warns once). No leading `_`: pyright --strict reports a module's `_name` used in
    another module. No operation is named so: a `__` in their names comes only before claim's `2`,
    `v2`... suffixes."""
    return f"{name}__unwarned"


def name_twins(ops: list[OperationIR]) -> list[OperationIR]:
    """Name the methods that stream a binary or JSON-lines result: `<name>_stream`, unless taken."""
    used = {op.python_name.lower() for op in ops}
    return [dataclasses.replace(op, twin_name=claim(f"{op.python_name}_stream", used)) if op.twin_kind else op
            for op in ops]


def make_param(py_name: str, wire: str, where: str, expr: TypeExpr, required: bool, doc: str,
               deprecated: bool = False) -> ParamIR:
    hint = expr.input_code
    annotation = hint if required else f"{hint} | NotGiven"
    return ParamIR(python_name=py_name, wire_name=wire, wire_literal=repr(wire), location=where,
                   annotation=annotation, required=required, default="" if required else "NOT_GIVEN",
                   type_text=expr.input_code, doc=one_line(doc), deprecated=deprecated)
