"""The verdicts of the live check (tests/live_check.py): a failed call is the GENERATOR's fault
or a SPEC/MOCK fault, with a reason; when unsure, the generator's.

The generator's: a route Prism did not match, a credential not sent (401), an Accept or a
Content-Type Prism refuses (406, 415), a request Prism rejects where the arguments meet the
spec's schemas but the client left one out, has no argument for it, or put it on the wire
otherwise than OpenAPI says; a 2xx the client cannot use although its body meets the
schema where the client complains; an exception inside the client.
The spec's or the mock's: Prism refusing the spec, crashing or making no response; a header
parameter Prism checks although OpenAPI says to ignore it (Accept, Content-Type,
Authorization); an argument no value can make valid (a oneOf whose branches a value cannot
tell apart, an enum of null); a body that meets the schema and went on the wire as the spec
says, which Prism still rejects; a response body (the spec's example or Prism's sample of
the schema) that breaks the spec's schema just where the client complains; an operation
without a 2xx response.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
import pydantic

from tests.live_args import Arguments, SchemaCheck, media_examples, operation_item, resolve

WORKED, GENERATOR, SPEC_MOCK = "worked", "generator", "spec/mock"
# OpenAPI: a header parameter of one of these names "SHALL be ignored".
IGNORED_HEADERS = ("accept", "content-type", "authorization")


@dataclass
class Exchange:
    """One HTTP request the client sent, and Prism's answer."""

    method: str
    url: str
    status: int
    headers: httpx.Headers  # the request's
    request_body: bytes
    violations: list[dict[str, Any]]  # the request's, from `sl-violations` or Prism's own 422
    body: str  # the response text for an error status ("" for 2xx)

    @property
    def problem(self) -> dict[str, Any]:
        """Prism's own problem+json error (its `type` names the error), else {}."""
        try:
            parsed = json.loads(self.body) if self.body else None
        except ValueError:
            return {}
        if isinstance(parsed, dict) and "stoplight.io/prism" in str(parsed.get("type")):
            return parsed
        return {}


def short(value: Any, limit: int = 300) -> str:
    """The value as one line of at most `limit` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


# ---- verdicts ----------------------------------------------------------------------------

Verdict = tuple[str, str, str]  # (GENERATOR or SPEC_MOCK, cause, reason)
ROUTING_ERRORS = ("NO_PATH_MATCHED_ERROR", "NO_METHOD_MATCHED_ERROR", "NO_SERVER_MATCHED_ERROR")
REQUIRED = re.compile(r"must have required property '([^']+)'")


def template_regex(path: str) -> re.Pattern[str]:
    """What a path template's URLs look like: each `{name}` is one non-empty segment piece."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def _where(violation: dict[str, Any]) -> list[str]:
    """A violation's location without its leading "request", with the missing property's
    name added to a `required` one: ["query", "limit"], ["body", "name"], ["header", ...]."""
    parts = [unquote(str(part)) for part in violation.get("location") or []]
    parts = parts[1:] if parts[:1] == ["request"] else parts
    missing = REQUIRED.search(str(violation.get("message", "")))
    if missing and parts[-1:] != [unquote(missing[1])]:
        parts.append(unquote(missing[1]))
    return parts


def optional_named(
    op: dict[str, Any], args: Arguments, exchanges: list[Exchange]
) -> set[tuple[str, str]]:
    """The optional parameters (not passed) that Prism's violations name: a user would pass them."""
    names = {(p["location"], p["wire"].lower()) for p in op["params"] if p["location"] != "body"}
    wanted = set()
    for violation in exchanges[-1].violations if exchanges else []:
        parts = _where(violation)
        key = (parts[0], parts[1].lower()) if len(parts) > 1 else ("", "")
        if key in names and key not in args.wire:
            wanted.add(key)
    return wanted


def _schema_paths(errors: list[Any]) -> list[list[str]]:
    """Where each schema error (and each error inside a oneOf/anyOf's) is, as path parts; a
    missing required property's path ends with its name."""
    found = []
    for error in errors:
        found += _schema_paths(list(error.context or []))
        path = [str(part) for part in error.absolute_path]
        missing = re.match(r"'([^']+)' is a required property", error.message)
        found.append(path + [missing[1]] if error.validator == "required" and missing else path)
    return found


def _matches(schema_path: list[str], data_path: list[str]) -> bool:
    """One path lies on the other (an error at an object explains one inside it)."""
    if not schema_path or not data_path:
        return schema_path == data_path
    shorter = min(len(schema_path), len(data_path))
    return schema_path[:shorter] == data_path[:shorter]


@dataclass
class ParseProblem:
    data: list[str]  # where in the body
    tags: list[tuple[int, str]]  # union branches on the way: (depth in data, branch name)
    text: str


def _child(node: Any, key: Any) -> tuple[bool, Any]:
    """(True, node[key]) when the JSON value holds that key or index, else (False, None)."""
    if isinstance(node, dict) and key in node:
        return True, node[key]
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return True, node[key]
    return False, None


def _parse_problems(cause: pydantic.ValidationError, body: Any) -> list[ParseProblem]:
    """The client's parse errors, their pydantic locations split into the body's path and the
    union branches (model or type names) pydantic tried on the way."""
    problems = []
    for error in cause.errors(include_url=False):
        node, data, tags = body, [], []
        loc = list(error["loc"])
        for i, part in enumerate(loc):
            found, child = _child(node, part)
            if found:
                node = child
                data.append(str(part))
            elif error["type"] == "missing" and i == len(loc) - 1:
                data.append(str(part))
            else:
                tags.append((len(data), str(part)))
        text = f"{'.'.join(map(str, loc)) or 'top level'}: {error['msg']}"
        problems.append(ParseProblem(data, tags, text))
    return problems


def unexplained(error: Exception, schema_errors: list[Any], body: Any) -> str | None:
    """The first of the client's parse errors that the body's breaking of its schema does not
    explain: not where a schema error is, nor in a union branch beside one whose errors all
    are. None when all are explained (or the client's error is not a pydantic one)."""
    cause = error.__cause__
    if not isinstance(cause, pydantic.ValidationError):
        return None
    paths = _schema_paths(schema_errors)
    problems = _parse_problems(cause, body)

    def explained(problem: ParseProblem) -> bool:
        return any(_matches(path, problem.data) for path in paths)

    def beside_an_explained_branch(problem: ParseProblem) -> bool:
        if not problem.tags:
            return False
        depth, tag = problem.tags[0]
        branches: dict[str, list[ParseProblem]] = defaultdict(list)
        for other in problems:
            if (
                other.tags
                and other.tags[0][0] == depth
                and other.tags[0][1] != tag
                and other.data[:depth] == problem.data[:depth]
            ):
                branches[other.tags[0][1]].append(other)
        return any(all(explained(o) for o in members) for members in branches.values())

    for problem in problems:
        if not (explained(problem) or beside_an_explained_branch(problem)):
            return problem.text
    return None


# ---- the wire: what a request holds --------------------------------------------------------


def on_the_wire(ex: Exchange, where: str, name: str) -> bool:
    """Whether the request carries the parameter (any value)."""
    if where == "query":
        return any(
            key.lower() == name
            for key, _ in parse_qsl(urlsplit(ex.url).query, keep_blank_values=True)
        )
    if where == "header":
        return name in ex.headers
    if where == "cookie":
        return f"{name}=" in ex.headers.get("cookie", "").lower()
    return where == "path"


def sent_fields(body: bytes, content_type: str) -> list[tuple[str, str | None, bytes]] | None:
    """(name, part content type, bytes) of each field of a form or multipart body; None for
    another media type."""
    media = content_type.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return [(name, None, value.encode()) for name, value in pairs]
    if media != "multipart/form-data":
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        part_type = part.get("content-type")
        fields.append(
            (
                str(part.get_param("name", header="content-disposition")),
                str(part_type) if part_type is not None else None,
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return fields


def _json(data: bytes | None) -> tuple[bool, Any]:
    try:
        return True, json.loads(data or b"")
    except ValueError:
        return False, None


def _field_text(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, bool):
        return b"true" if value else b"false"
    return str(value).encode()


def field_mismatches(
    meant: dict[str, Any], fields: list[tuple[str, str | None, bytes]], multipart: bool
) -> list[str]:
    """How the fields sent differ from the body meant, written as OpenAPI's encoding defaults
    say (form: arrays repeat their name, objects spread their properties; multipart: an object
    is a JSON part of type application/json, a file its bytes)."""
    sent: dict[str, list[tuple[str | None, bytes]]] = defaultdict(list)
    for name, part_type, data in fields:
        sent[name].append((part_type, data))
    problems = []
    for name, value in meant.items():
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict) and not multipart:
            want = sorted((k, _field_text(v)) for k, v in value.items())
            got = sorted((k, sent[k][0][1]) for k in value if sent.get(k))
            problems += [] if want == got else [f"{name}: meant its properties {want}, sent {got}"]
            continue
        got_items = sent.get(name, [])
        for i, item in enumerate(items):
            part_type, data = got_items[i] if i < len(got_items) else (None, b"<none>")
            if isinstance(item, dict | list):
                ok = part_type == "application/json" and _json(data) == (True, item)
            else:
                ok = data == _field_text(item)
            if not ok:
                problems.append(f"{name}: meant {item!r}, sent {data!r} ({part_type or 'no type'})")
    return problems


@dataclass
class Judge:
    """Classes the failed calls of one spec's client: the generator's fault or the spec's/mock's."""

    doc: dict[str, Any]
    check: SchemaCheck
    runtime: SimpleNamespace

    def verdict(
        self, op: dict[str, Any], args: Arguments, error: Exception, exchanges: list[Exchange]
    ) -> Verdict:
        rt, last = self.runtime, exchanges[-1] if exchanges else None
        if isinstance(error, rt.CredentialsError):
            return GENERATOR, "credential not sent", f"CredentialsError: {short(error)}"
        if isinstance(error, rt.APIStatusError) and last is not None:
            return self._status(op, args, last)
        if isinstance(error, rt.APIResponseValidationError | rt.StreamError) and last is not None:
            return self._unparsed(op, error)
        return GENERATOR, "client raised", f"{type(error).__name__}: {short(error)}"

    def _operation(self, op: dict[str, Any]) -> dict[str, Any]:
        return operation_item(self.doc, op["method"], op["path"])[1]

    def _status(self, op: dict[str, Any], args: Arguments, ex: Exchange) -> Verdict:
        kind = str(ex.problem.get("type", "")).rsplit("#", 1)[-1]
        said = short(f"{ex.problem.get('title', '')}: {ex.problem.get('detail', '')}", 200)
        if kind in ROUTING_ERRORS:
            sent = httpx.URL(ex.url).raw_path.decode().split("?")[0]
            if template_regex(op["path"]).match(sent):
                return (
                    SPEC_MOCK,
                    "Prism did not route",
                    f"{ex.method} {sent} fits the template; Prism: {kind}",
                )
            return GENERATOR, f"HTTP {ex.status} route not matched", f"sent {ex.method} {sent}"
        if (
            ex.status == 401
            or kind == "UNAUTHORIZED"
            or any(v.get("code") == 401 for v in ex.violations)
        ):
            return self._security(op, ex)
        if ex.status == 406 or kind == "NOT_ACCEPTABLE":
            return (
                GENERATOR,
                "HTTP 406 Accept",
                f"Accept: {ex.headers.get('accept')!r}; Prism: {said}",
            )
        if ex.status == 415 or kind == "INVALID_CONTENT_TYPE":
            sent = ex.headers.get("content-type")
            return (
                GENERATOR,
                "HTTP 415 content type",
                f"sent {sent!r} (spec: {args.media!r}); Prism: {said}",
            )
        if ex.violations:
            return self._violations(op, args, ex)
        if ex.status >= 500 and kind:
            return SPEC_MOCK, "Prism made no response", f"HTTP {ex.status} {kind}: {said}"
        codes = [str(code) for code in self._operation(op).get("responses") or {}]
        if not any(code.startswith("2") or code == "default" for code in codes):
            return (
                SPEC_MOCK,
                "no 2xx response declared",
                f"responses {codes}; Prism answered {ex.status}",
            )
        return GENERATOR, f"HTTP {ex.status} unexpected", short(ex.body)

    def _security(self, op: dict[str, Any], ex: Exchange) -> Verdict:
        requirements = self._operation(op).get("security", self.doc.get("security")) or []
        schemes = (self.doc.get("components") or {}).get("securitySchemes") or {}
        undefined = sorted({name for r in requirements for name in r if name not in schemes})
        if undefined:
            return SPEC_MOCK, "security scheme not defined", f"the operation needs {undefined}"
        sent = sorted(name for name in ex.headers if name.lower() not in ("accept", "content-type"))
        needed = [sorted(r) for r in requirements]
        return GENERATOR, "HTTP 401 credentials", f"needs one of {needed}; sent headers {sent}"

    def _violations(self, op: dict[str, Any], args: Arguments, ex: Exchange) -> Verdict:
        """The call's verdict from Prism's request violations: the generator's if any is."""
        errors = [v for v in ex.violations if str(v.get("severity", "Error")) == "Error"]
        verdicts = [self._violation(op, args, ex, v) for v in errors or ex.violations]
        verdict, cause, reason = min(verdicts, key=lambda v: v[0] != GENERATOR)
        more = f" (and {len(verdicts) - 1} more violations)" if len(verdicts) > 1 else ""
        return verdict, f"HTTP {ex.status} {cause}", reason + more

    def _violation(
        self, op: dict[str, Any], args: Arguments, ex: Exchange, violation: dict[str, Any]
    ) -> Verdict:
        parts = _where(violation)
        said = short(violation.get("message", violation), 200)
        if parts[:1] == ["body"] or (not parts and "body" in said.lower()):
            return self._body_violation(op, args, ex, said)
        key = (parts[0], parts[1].lower()) if len(parts) > 1 else (parts[0] if parts else "", "")
        if key[0] == "header" and key[1] in IGNORED_HEADERS:
            sent = ex.headers.get(key[1])
            return (
                SPEC_MOCK,
                "ignored header parameter checked",
                (
                    f"Prism checks a {key[1]} header parameter, which OpenAPI says to ignore "
                    f"(sent {sent!r}): {said}"
                ),
            )
        if key not in args.wire:
            names = {(p["location"], p["wire"].lower()) for p in op["params"]}
            what = "not sent" if key in names else "without argument"
            return GENERATOR, f"parameter {what}", f"{key[0]} {key[1]}; Prism: {said}"
        if violation.get("code") == "required":
            if on_the_wire(ex, *key):
                return (
                    SPEC_MOCK,
                    "Prism missed a parameter sent",
                    f"{key[0]} {key[1]} is in the request ({short(ex.url, 150)}); Prism: {said}",
                )
            return (
                GENERATOR,
                "parameter not sent",
                f"{key[0]} {key[1]} was given, not sent; Prism: {said}",
            )
        problem = self.check.problem(args.schemas.get(key), args.wire[key])
        if problem is not None:
            return (
                SPEC_MOCK,
                "argument we could not make valid",
                f"{key[0]} {key[1]}: {problem}; Prism: {said}",
            )
        sent = ex.url.partition("?")[2] if key[0] == "query" else ex.headers.get(key[1], ex.url)
        return (
            GENERATOR,
            f"{key[0]} parameter rejected",
            f"{key[1]}={args.wire[key]!r} sent as {short(sent, 150)!r}; Prism: {said}",
        )

    def _body_violation(
        self, op: dict[str, Any], args: Arguments, ex: Exchange, said: str
    ) -> Verdict:
        if args.body is None:
            if not any(p["location"] == "body" for p in op["params"]):
                return (
                    GENERATOR,
                    "required body not sent",
                    (
                        f"the spec requires a {args.media} body, the client has no body argument; "
                        f"Prism: {said}"
                    ),
                )
            return GENERATOR, "body not sent", f"the body arguments were given; Prism: {said}"
        if args.unplaced:
            return (
                GENERATOR,
                "body property without argument",
                f"the schema asks for {args.unplaced}, which no argument takes; Prism: {said}",
            )
        schema = self._request_schema(op)
        problem = self.check.problem(schema, args.body)
        if problem is not None:
            return SPEC_MOCK, "body we could not make valid", f"{problem}; Prism: {said}"
        wrong = self._wire_problems(args, ex)
        if wrong:
            return GENERATOR, "body sent wrongly", f"{'; '.join(wrong)}; Prism: {said}"
        plain = self.check.plain_problem(schema, args.body)
        why = f" (plain JSON Schema, which Prism's validator is: {plain})" if plain else ""
        return (
            SPEC_MOCK,
            "Prism rejects a valid body",
            (
                f"the body meets the spec's schema{why} and went on the wire as the spec says; "
                f"Prism: {said}"
            ),
        )

    @staticmethod
    def _wire_problems(args: Arguments, ex: Exchange) -> list[str]:
        """How the body sent differs from the body meant, in the media type's encoding."""
        content_type = ex.headers.get("content-type", "")
        fields = sent_fields(ex.request_body, content_type)
        if fields is not None and isinstance(args.body, dict):
            return field_mismatches(args.body, fields, content_type.startswith("multipart/"))
        if isinstance(args.body, bytes | str):
            sent_raw = args.body.encode() if isinstance(args.body, str) else args.body
            return (
                []
                if ex.request_body == sent_raw
                else [f"meant {args.body!r:.100}, sent {ex.request_body!r:.100}"]
            )
        is_json, sent = _json(ex.request_body)
        if is_json and sent == args.body:
            return []
        return [f"meant {short(json.dumps(args.body), 150)}, sent {short(ex.request_body, 150)}"]

    def _request_schema(self, op: dict[str, Any]) -> Any:
        body = resolve(self.doc, self._operation(op).get("requestBody")) or {}
        content = body.get("content") or {}
        media = resolve(self.doc, next(iter(content.values()), None)) or {}
        return media.get("schema") if isinstance(media, dict) else None

    def _unparsed(self, op: dict[str, Any], error: Exception) -> Verdict:
        """A 2xx the client could not use: the spec's (or mock's) fault when the body breaks the
        spec's own schema where the client complains, else the generator's."""
        response: httpx.Response = error.response  # type: ignore[attr-defined]
        status, content_type = (
            response.status_code,
            response.headers.get("content-type", "").split(";")[0],
        )
        if status in (204, 205):
            return (
                GENERATOR,
                "body read from a 204",
                f"HTTP {status} never has a body, the client wanted one: {short(error, 200)}",
            )
        schema, has_example, has_content = self._response_schema(op, status, content_type)
        if not response.content.strip() and not has_content:
            return (
                GENERATOR,
                "empty response refused",
                f"the spec declares {status} without a body: {short(error, 200)}",
            )
        try:
            body = json.loads(response.content)
        except ValueError:
            return (
                GENERATOR,
                "response not parsed",
                f"{content_type or 'no content type'}: {short(error, 200)}",
            )
        errors = self.check.errors(schema, body) if schema is not None else []
        if not errors:
            return GENERATOR, "valid response not parsed", short(error)
        whose = "the spec's example" if has_example else "Prism's sample of the schema"
        complaint = unexplained(error, errors, body)
        if complaint is not None:
            return (
                GENERATOR,
                "response not parsed",
                f"{whose} breaks the schema elsewhere, but the client rejects {complaint}",
            )
        problem = self.check.problem(schema, body)
        return (
            SPEC_MOCK,
            "mock response breaks the spec",
            f"{whose} for {status} {content_type}: {problem}",
        )

    def _response_schema(
        self, op: dict[str, Any], status: int, content_type: str
    ) -> tuple[Any, bool, bool]:
        """(schema, has examples, has content) of the declared response Prism answered with."""
        responses = self._operation(op).get("responses") or {}
        for code in (str(status), f"{str(status)[0]}XX", "default"):
            response = resolve(self.doc, responses.get(code))
            if isinstance(response, dict):
                break
        else:
            return None, False, False
        content = response.get("content") or {}
        media = (
            resolve(self.doc, content.get(content_type) or next(iter(content.values()), None)) or {}
        )
        schema = media.get("schema") if isinstance(media, dict) else None
        examples = bool(media_examples(self.doc, media)) or "example" in (
            resolve(self.doc, schema) or {}
        )
        return schema, examples, bool(content)
