"""A stateful fake of the OpenAI Assistants API v2 on 127.0.0.1, for end-to-end client tests.

    with FakeAssistants(api_key="sk-test") as fake:
        client = AssistantsClient(api_key="sk-test", base_url=fake.base_url)
        ...
        fake.requests  # every request, in arrival order (rejected ones included)

It keeps assistants, threads, messages, runs and run steps in memory and answers with
the shapes the real API uses (every object validates against the generated models).
A run always asks for one `get_weather` function call: a streamed `create_run` ends in
`requires_action`; `submit_tool_outputs` then adds an assistant message quoting the
tool output and completes the run.

Like the real API it answers 401 without `Authorization: Bearer ...` (or with the wrong
key when `api_key` is set) and 400 without `OpenAI-Beta: assistants=v2`. Tests can
queue canned replies (`respond_next`) and slow streams down (`stream_delay`) to see
when a client drops the connection (`disconnected`).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

try:
    from .loopback import HOST, MAX_BODY, Recorded, ThreadedServer
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from loopback import HOST, MAX_BODY, Recorded, ThreadedServer

PREFIX = "/v1"
BETA = "assistants=v2"
DEFAULT_TOOL_ARGUMENTS = {"location": "Paris", "unit": "celsius"}
TIME_BASE = 1_700_000_000

Json = dict[str, Any]


class ApiError(Exception):
    """Raised by a route: becomes an OpenAI-style error reply."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.body: Json = {
            "error": {"message": message, "type": type_, "param": None, "code": None}
        }


@dataclass
class Canned:
    """A reply queued with `respond_next`: sent instead of routing (after the auth checks)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (bounded by the caller)


@dataclass
class SSE:
    """A streamed reply: (event name, JSON data) frames, then `event: done` / `data: [DONE]`."""

    events: list[tuple[str, Json]]


def _error(status: int, message: str) -> ApiError:
    return ApiError(status, message)


# ---- the fake API --------------------------------------------------------------------


class FakeAssistants(ThreadedServer):
    """In-memory Assistants API v2 served on 127.0.0.1 (ephemeral port) by a daemon thread."""

    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key  # when set, only this bearer token is accepted
        self.requests: list[Recorded] = []
        self.stream_delay = 0.0  # seconds between streamed events
        self.tool_arguments: Json = dict(DEFAULT_TOOL_ARGUMENTS)
        self.disconnected = threading.Event()  # set when a client dropped a stream mid-way
        self.assistants: dict[str, Json] = {}
        self.threads: dict[str, Json] = {}
        self.messages: dict[str, list[Json]] = {}  # thread id -> messages, oldest first
        self.runs: dict[str, Json] = {}
        self.steps: dict[str, list[Json]] = {}  # run id -> steps, oldest first
        self._canned: list[Canned] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What to pass as a client's base_url: the origin plus `/v1`."""
        return self.origin + PREFIX

    # -- test helpers ---------------------------------------------------------------

    def respond_next(
        self,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        *,
        delay: float = 0.0,
    ) -> None:
        """Answer the next authorised request with this reply instead of the API's."""
        with self._lock:
            self._canned.append(Canned(status, body, dict(headers or {}), delay))

    def stream_next(self, events: list[tuple[str, Json]]) -> None:
        """Answer the next authorised request with these SSE events (then `done`)."""
        with self._lock:
            self._canned.append(Canned(200, SSE(list(events))))

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        """Recorded requests with this method whose path (without `/v1`) matches `path` (a regex)."""
        pattern = re.compile(re.escape(PREFIX) + path + r"\Z")
        with self._lock:
            return [r for r in self.requests if r.method == method and pattern.match(r.path)]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- request handling (called from handler threads) -------------------------------

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _check_auth(self, request: Recorded) -> None:
        auth = request.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme != "Bearer" or not token.strip():
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if self.api_key is not None and token != self.api_key:
            raise ApiError(401, "Incorrect API key provided.", "invalid_api_key")
        beta = request.header("OpenAI-Beta") or ""
        if BETA not in [part.strip() for part in beta.split(",")]:
            raise ApiError(
                400,
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. "
                "Please try again by setting the header 'OpenAI-Beta: assistants=v2'.",
            )

    def _take_canned(self) -> Canned | None:
        with self._lock:
            return self._canned.pop(0) if self._canned else None

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], Any] | SSE | Canned:
        try:
            self._check_auth(request)
            canned = self._take_canned()
            if canned is not None:
                return canned.body if isinstance(canned.body, SSE) else canned
            if not request.path.startswith(PREFIX + "/"):
                raise _error(404, f"Invalid URL ({request.method} {request.path})")
            body = request.json() if request.body else {}
            if request.body and not isinstance(body, dict):
                raise _error(400, "the request body must be a JSON object")
            query = dict(request.query)
            with self._lock:
                result = self._route(request.method, request.path[len(PREFIX) :], query, body)
            if isinstance(result, SSE):
                return result
            return 200, {"x-request-id": f"req_{next(self._ids):06d}"}, result
        except ApiError as exc:
            return exc.status, {}, exc.body
        except (ValueError, KeyError, TypeError) as exc:
            return 400, {}, ApiError(400, f"bad request: {exc!r}").body

    # -- routing --------------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict[str, str], body: Json) -> Json | SSE:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        routes: list[tuple[str, str, Callable[..., Json | SSE]]] = [
            ("POST", "assistants", self._create_assistant),
            ("GET", "assistants/*", self._get_assistant),
            ("DELETE", "assistants/*", self._delete_assistant),
            ("POST", "threads", self._create_thread),
            ("GET", "threads/*", self._get_thread),
            ("DELETE", "threads/*", self._delete_thread),
            ("POST", "threads/*/messages", self._create_message),
            ("GET", "threads/*/messages", self._list_messages),
            ("GET", "threads/*/messages/*", self._get_message),
            ("POST", "threads/*/runs", self._create_run),
            ("GET", "threads/*/runs/*", self._get_run),
            ("GET", "threads/*/runs/*/steps", self._list_steps),
            ("POST", "threads/*/runs/*/submit_tool_outputs", self._submit_tool_outputs),
        ]
        for route_method, template, handler in routes:
            pattern = template.split("/")
            if method != route_method or len(pattern) != len(parts):
                continue
            if all(p == "*" or p == part for p, part in zip(pattern, parts, strict=True)):
                args = [part for p, part in zip(pattern, parts, strict=True) if p == "*"]
                return handler(*args, query=query, body=body)
        raise _error(404, f"Invalid URL ({method} {PREFIX}{path})")

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def _now(self) -> int:
        return TIME_BASE + next(self._clock)

    def _find_thread(self, thread_id: str) -> Json:
        thread = self.threads.get(thread_id)
        if thread is None:
            raise _error(404, f"No thread found with id '{thread_id}'.")
        return thread

    def _run(self, thread_id: str, run_id: str) -> Json:
        self._find_thread(thread_id)
        run = self.runs.get(run_id)
        if run is None or run["thread_id"] != thread_id:
            raise _error(404, f"No run found with id '{run_id}'.")
        return run

    # assistants

    def _create_assistant(self, *, query: dict[str, str], body: Json) -> Json:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _error(400, "Missing required parameter: 'model'.")
        tools = body.get("tools") or []
        for tool in tools:
            if not isinstance(tool, dict) or "type" not in tool:
                raise _error(400, "Invalid value for 'tools': each tool needs a 'type'.")
        assistant = {
            "id": self._new_id("asst"),
            "object": "assistant",
            "created_at": self._now(),
            "name": body.get("name"),
            "description": body.get("description"),
            "model": model,
            "instructions": body.get("instructions"),
            "tools": tools,
            "tool_resources": body.get("tool_resources") or {},
            "metadata": body.get("metadata") or {},
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "response_format": body.get("response_format", "auto"),
        }
        self.assistants[assistant["id"]] = assistant
        return assistant

    def _get_assistant(self, assistant_id: str, *, query: dict[str, str], body: Json) -> Json:
        assistant = self.assistants.get(assistant_id)
        if assistant is None:
            raise _error(404, f"No assistant found with id '{assistant_id}'.")
        return assistant

    def _delete_assistant(self, assistant_id: str, *, query: dict[str, str], body: Json) -> Json:
        if self.assistants.pop(assistant_id, None) is None:
            raise _error(404, f"No assistant found with id '{assistant_id}'.")
        return {"id": assistant_id, "object": "assistant.deleted", "deleted": True}

    # threads

    def _create_thread(self, *, query: dict[str, str], body: Json) -> Json:
        thread = {
            "id": self._new_id("thread"),
            "object": "thread",
            "created_at": self._now(),
            "tool_resources": body.get("tool_resources") or {},
            "metadata": body.get("metadata") or {},
        }
        self.threads[thread["id"]] = thread
        self.messages[thread["id"]] = []
        for message in body.get("messages") or []:
            self._add_message(thread["id"], message)
        return thread

    def _get_thread(self, thread_id: str, *, query: dict[str, str], body: Json) -> Json:
        return self._find_thread(thread_id)

    def _delete_thread(self, thread_id: str, *, query: dict[str, str], body: Json) -> Json:
        self._find_thread(thread_id)
        del self.threads[thread_id]
        del self.messages[thread_id]
        return {"id": thread_id, "object": "thread.deleted", "deleted": True}

    # messages

    def _add_message(self, thread_id: str, body: Json) -> Json:
        role = body.get("role")
        if role not in ("user", "assistant"):
            raise _error(400, "Invalid value for 'role': expected 'user' or 'assistant'.")
        content = body.get("content")
        if isinstance(content, str):
            parts = [_text_part(content)]
        elif isinstance(content, list) and content:
            parts = []
            for part in content:
                if isinstance(part, dict) and part.get("type") == "text":
                    parts.append(_text_part(str(part.get("text", ""))))
                elif isinstance(part, dict) and part.get("type") in ("image_file", "image_url"):
                    parts.append(part)
                else:
                    raise _error(400, "Invalid content part.")
        else:
            raise _error(400, "Missing required parameter: 'content'.")
        now = self._now()
        message = {
            "id": self._new_id("msg"),
            "object": "thread.message",
            "created_at": now,
            "thread_id": thread_id,
            "status": "completed",
            "incomplete_details": None,
            "completed_at": now,
            "incomplete_at": None,
            "role": role,
            "content": parts,
            "assistant_id": None,
            "run_id": None,
            "attachments": body.get("attachments") or [],
            "metadata": body.get("metadata") or {},
        }
        self.messages[thread_id].append(message)
        return message

    def _create_message(self, thread_id: str, *, query: dict[str, str], body: Json) -> Json:
        self._find_thread(thread_id)
        return self._add_message(thread_id, body)

    def _list_messages(self, thread_id: str, *, query: dict[str, str], body: Json) -> Json:
        self._find_thread(thread_id)
        items = self.messages[thread_id]
        if "run_id" in query:
            items = [m for m in items if m["run_id"] == query["run_id"]]
        return _page(items, query)

    def _get_message(
        self, thread_id: str, message_id: str, *, query: dict[str, str], body: Json
    ) -> Json:
        self._find_thread(thread_id)
        for message in self.messages[thread_id]:
            if message["id"] == message_id:
                return message
        raise _error(404, f"No message found with id '{message_id}'.")

    # runs

    def _create_run(self, thread_id: str, *, query: dict[str, str], body: Json) -> Json | SSE:
        self._find_thread(thread_id)
        assistant_id = body.get("assistant_id")
        assistant = self.assistants.get(assistant_id) if isinstance(assistant_id, str) else None
        if assistant is None:
            raise _error(404, f"No assistant found with id '{assistant_id}'.")
        now = self._now()
        run: Json = {
            "id": self._new_id("run"),
            "object": "thread.run",
            "created_at": now,
            "thread_id": thread_id,
            "assistant_id": assistant["id"],
            "status": "queued",
            "required_action": None,
            "last_error": None,
            "expires_at": now + 600,
            "started_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "incomplete_details": None,
            "model": body.get("model") or assistant["model"],
            "instructions": body.get("instructions") or assistant["instructions"] or "",
            "tools": body.get("tools") or assistant["tools"],
            "metadata": body.get("metadata") or {},
            "usage": None,
            "temperature": body.get("temperature", assistant["temperature"]),
            "top_p": body.get("top_p", assistant["top_p"]),
            "max_prompt_tokens": body.get("max_prompt_tokens"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "truncation_strategy": body.get("truncation_strategy")
            or {"type": "auto", "last_messages": None},
            "tool_choice": body.get("tool_choice") or "auto",
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "response_format": body.get("response_format") or "auto",
        }
        self.runs[run["id"]] = run
        self.steps[run["id"]] = []
        events: list[tuple[str, Json]] = [
            ("thread.run.created", _copy(run)),
            ("thread.run.queued", _copy(run)),
        ]
        run["status"] = "in_progress"
        run["started_at"] = self._now()
        events.append(("thread.run.in_progress", _copy(run)))
        call_id = self._new_id("call")
        arguments = json.dumps(self.tool_arguments)
        step = {
            "id": self._new_id("step"),
            "object": "thread.run.step",
            "created_at": self._now(),
            "assistant_id": run["assistant_id"],
            "thread_id": thread_id,
            "run_id": run["id"],
            "type": "tool_calls",
            "status": "in_progress",
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": arguments, "output": None},
                    }
                ],
            },
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        self.steps[run["id"]].append(step)
        events.append(("thread.run.step.created", _copy(step)))
        run["status"] = "requires_action"
        run["required_action"] = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": arguments},
                    }
                ]
            },
        }
        events.append(("thread.run.requires_action", _copy(run)))
        if body.get("stream") is True:
            return SSE(events)
        return events[0][1]  # like the real API: the run as it was created (queued)

    def _get_run(self, thread_id: str, run_id: str, *, query: dict[str, str], body: Json) -> Json:
        return self._run(thread_id, run_id)

    def _list_steps(
        self, thread_id: str, run_id: str, *, query: dict[str, str], body: Json
    ) -> Json:
        self._run(thread_id, run_id)
        return _page(self.steps[run_id], query)

    def _submit_tool_outputs(
        self, thread_id: str, run_id: str, *, query: dict[str, str], body: Json
    ) -> Json | SSE:
        run = self._run(thread_id, run_id)
        if run["status"] != "requires_action" or run["required_action"] is None:
            raise _error(
                400,
                f'Runs in status "{run["status"]}" do not accept tool outputs.',
            )
        outputs = body.get("tool_outputs")
        if not isinstance(outputs, list) or not outputs:
            raise _error(400, "Missing required parameter: 'tool_outputs'.")
        wanted = [c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]]
        given = {o.get("tool_call_id"): o.get("output") for o in outputs if isinstance(o, dict)}
        missing = [call for call in wanted if call not in given]
        if missing:
            raise _error(400, f"Expected tool outputs for call_ids {wanted}, got {list(given)}.")
        output_text = "; ".join(str(given[call]) for call in wanted)
        for step in self.steps[run_id]:
            for call in step["step_details"].get("tool_calls", []):
                call["function"]["output"] = given.get(call["id"])
            step["status"] = "completed"
            step["completed_at"] = self._now()
            step["usage"] = {"completion_tokens": 5, "prompt_tokens": 50, "total_tokens": 55}

        run["status"] = "in_progress"
        run["required_action"] = None
        events: list[tuple[str, Json]] = [("thread.run.in_progress", _copy(run))]
        text = f"The weather in {self.tool_arguments.get('location')}: {output_text}"
        now = self._now()
        message = {
            "id": self._new_id("msg"),
            "object": "thread.message",
            "created_at": now,
            "thread_id": thread_id,
            "status": "in_progress",
            "incomplete_details": None,
            "completed_at": None,
            "incomplete_at": None,
            "role": "assistant",
            "content": [],
            "assistant_id": run["assistant_id"],
            "run_id": run_id,
            "attachments": [],
            "metadata": {},
        }
        self.messages[thread_id].append(message)
        events.append(("thread.message.created", _copy(message)))
        delta = {
            "id": message["id"],
            "object": "thread.message.delta",
            "delta": {
                "content": [
                    {"index": 0, "type": "text", "text": {"value": text, "annotations": []}}
                ]
            },
        }
        events.append(("thread.message.delta", delta))
        message["status"] = "completed"
        message["completed_at"] = self._now()
        message["content"] = [_text_part(text)]
        events.append(("thread.message.completed", _copy(message)))
        run["status"] = "completed"
        run["completed_at"] = self._now()
        run["usage"] = {"completion_tokens": 12, "prompt_tokens": 80, "total_tokens": 92}
        events.append(("thread.run.completed", _copy(run)))
        if body.get("stream") is True:
            return SSE(events)
        return _copy(run)


def _text_part(text: str) -> Json:
    return {"type": "text", "text": {"value": text, "annotations": []}}


def _copy(value: Json) -> Json:
    copied: Json = json.loads(json.dumps(value))
    return copied


def _page(items: list[Json], query: dict[str, str]) -> Json:
    """A cursor page like the real API's: limit (1-100, default 20), order (default desc), after/before."""
    try:
        limit = int(query.get("limit", "20"))
    except ValueError as exc:
        raise _error(400, "Invalid 'limit': expected an integer.") from exc
    if not 1 <= limit <= 100:
        raise _error(400, "Invalid 'limit': must be between 1 and 100.")
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise _error(400, "Invalid 'order': expected 'asc' or 'desc'.")
    ordered = list(items) if order == "asc" else list(reversed(items))
    ids = [item["id"] for item in ordered]
    start, end = 0, len(ordered)
    if "after" in query:
        if query["after"] not in ids:
            raise _error(400, f"Invalid 'after': no object with id '{query['after']}'.")
        start = ids.index(query["after"]) + 1
    if "before" in query:
        if query["before"] not in ids:
            raise _error(400, f"Invalid 'before': no object with id '{query['before']}'.")
        end = ids.index(query["before"])
    window = ordered[start:end]
    data = window[:limit]
    return {
        "object": "list",
        "data": [_copy(item) for item in data],
        # The real API sends null ids for an empty page.
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(window) > limit,
    }


# ---- HTTP plumbing -------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real API
    timeout = 10  # an idle keep-alive connection is dropped after this many seconds
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        if self.client_address[0] != HOST:
            self.send_error(403, "loopback only")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "body too large")
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        recorded = Recorded(
            method=self.command,
            target=self.path,
            path=parts.path,
            raw_query=parts.query,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=body,
        )
        owner = self.server.owner
        owner._record(recorded)
        reply = owner.answer(recorded)
        if isinstance(reply, SSE):
            self._stream(reply, owner)
        elif isinstance(reply, Canned):
            if reply.delay:
                time.sleep(min(reply.delay, 10.0))
            self._json(reply.status, reply.headers, reply.body)
        else:
            self._json(*reply)

    def _json(self, status: int, headers: dict[str, str], payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _stream(self, reply: SSE, owner: FakeAssistants) -> None:
        frames = [
            f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            for name, data in reply.events
        ]
        frames.append("event: done\ndata: [DONE]\n\n")
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i, frame in enumerate(frames):
                if i and owner.stream_delay:
                    time.sleep(owner.stream_delay)
                chunk = frame.encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            owner.disconnected.set()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeAssistants

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a client closed a keep-alive connection: normal, not worth a traceback
        super().handle_error(request, client_address)


FakeAssistants.server_class = _Server
FakeAssistants.handler_class = _Handler
FakeAssistants.thread_name = "fake-assistants"
