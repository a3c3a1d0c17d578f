"""The API key stays secret: not in reprs, not in errors, not in logs, not sent elsewhere.

Everything runs against servers on 127.0.0.1 with a distinctive key, through the sync and
the async client. Each check also makes sure the key WAS sent (as `Authorization: Bearer`),
so a test cannot pass because nothing was sent at all.

What was decided:
- reprs show the base URL, never the key (the transport keeps it in a redacting holder);
- an error's str/repr/args, its cause chain, its formatted traceback and the attached
  httpx request's repr and headers repr never hold the key (httpx masks Authorization in
  a headers repr);
- if a server echoes the key back (a 401 "Incorrect API key provided: Bearer sk-...", a
  2xx that is not its type, an error event or bad data in a stream; JSON or plain text),
  it reads `<redacted>` in the error's `message`, str, repr and args, in its `text` and in
  its `body`: every string of a JSON body, dict keys and list items included, however
  deep, the rest of the body kept as it was (`body["error"]["message"]` reads "Incorrect
  API key provided: Bearer <redacted>"). A key the JSON spells with escapes (`\\/`,
  `\\u0073`) counts too. A message quoting the start of a body never cuts a word, so no
  piece of a key shows either. In the cause chain, an exception that would show the key
  (pydantic's ValidationError quotes the body it validated) is replaced by a stand-in
  without it, so the formatted traceback holds none. The body is walked only when its
  raw text holds the key, and a value shorter than 8 characters is not taken for a key;
- `exc.response` stays the raw httpx.Response: its `.text` / `.content` are what the
  server sent, an echoed key included, just as `exc.request.headers` holds the key that
  was sent; both reprs show neither. Rewriting httpx's objects would fake what came over
  the wire (lengths, encodings, a live stream) without making them safe to dump, so the
  promise covers what the error says and carries as data: show or log `body`, not
  `response.text`;
- the runtime logs only retries (method, path, status or exception name, delay), never a
  body, and httpx and httpcore log no body either (httpcore's DEBUG lines do list the
  response headers as sent: a key echoed in a header is beyond the runtime's reach);
- redirects are not followed: a 3xx surfaces as APIStatusError (with the Location in its
  message), and nothing reaches the redirect target. With an http_client of your own that
  follows redirects, httpx drops Authorization on any redirect to another origin (another
  port, or `localhost` for `127.0.0.1`) and keeps it on the same origin.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

from assistants_client import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AssistantsClient,
    AsyncAssistantsClient,
    AuthenticationError,
    StreamError,
)
from assistants_client._runtime import auth
from assistants_client._runtime import transport as runtime

try:
    from .loopback import (
        HOST,
        LoopbackServer,
        RawConnection,
        RawServer,
        Recorded,
        Reply,
        http_response,
        sequence,
    )
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from loopback import (  # type: ignore[no-redef]
        HOST,
        LoopbackServer,
        RawConnection,
        RawServer,
        Recorded,
        Reply,
        http_response,
        sequence,
    )

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

KEY = "sk-test-SECRET-3f9a1c7e5b2d4f60"
MODES = ["sync", "async"]
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000,
          "tool_resources": None, "metadata": {}}
RUN = {"id": "run_1", "object": "thread.run", "created_at": 1700000000, "thread_id": "thread_1",
       "assistant_id": "asst_1", "status": "queued", "required_action": None,
       "last_error": None, "expires_at": None, "started_at": None, "cancelled_at": None,
       "failed_at": None, "completed_at": None, "incomplete_details": None, "model": "gpt-4o",
       "instructions": "", "tools": [], "metadata": {}, "usage": None,
       "max_prompt_tokens": None, "max_completion_tokens": None, "truncation_strategy": None,
       "tool_choice": None, "parallel_tool_calls": True, "response_format": None}
NO_RETRY = {"x-should-retry": "false"}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(runtime, "INITIAL_RETRY_DELAY", 0.01)


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    with RawServer(lambda conn: None) as server:
        yield server


def error_reply(status: int, message: str = "nope") -> Reply:
    return status, NO_RETRY, {"error": {"message": message, "type": "invalid_request_error"}}


def call(mode: str, base_url: str, operation: str = "get_thread", *args: Any,
         client: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """One call (a stream is consumed) with a fresh client; the result or the exception."""
    config = {"api_key": KEY, "base_url": base_url, "max_retries": 0, "timeout": 5.0,
              **(client or {})}
    args = args or ("thread_1",)
    try:
        if mode == "sync":
            with AssistantsClient(**config) as sync_client:
                result = getattr(sync_client, operation)(*args, **kwargs)
                return list(result) if kwargs.get("stream") else result

        async def main() -> Any:
            async with AsyncAssistantsClient(**config) as async_client:
                result = await getattr(async_client, operation)(*args, **kwargs)
                if kwargs.get("stream"):
                    return [event async for event in result]
                return result

        return anyio.run(main)
    except Exception as exc:  # noqa: BLE001 - the tests look at whatever came out
        return exc


def texts_of(error: BaseException) -> list[str]:
    """Every way an error is commonly shown: its chain, reprs, args, traceback, request."""
    found = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found += [str(current), repr(current), repr(current.args)]
        request = getattr(current, "request", None)
        if isinstance(request, httpx.Request):
            found += [repr(request), repr(request.headers), str(request.url)]
        response = getattr(current, "response", None)
        if isinstance(response, httpx.Response):
            found += [repr(response), repr(response.headers)]
        current = current.__cause__ or current.__context__
    return found


def assert_secret_free(error: BaseException) -> None:
    assert isinstance(error, APIError), repr(error)
    for text in texts_of(error):
        assert KEY not in text
    request = error.request
    if request is not None:  # the key was really there, and sent
        assert request.headers["authorization"] == f"Bearer {KEY}"


# ---- reprs ------------------------------------------------------------------------------


def reachable_reprs(root: object, depth: int = 4) -> list[str]:
    """repr() and str() of root and of every object reachable through attributes, dict
    values and sequence items, down to `depth` levels (cycles visited once)."""
    out: list[str] = []
    seen: set[int] = set()

    def walk(obj: object, level: int) -> None:
        if id(obj) in seen or level > depth:
            return
        seen.add(id(obj))
        out.extend((repr(obj), str(obj)))
        children: list[object] = []
        if isinstance(obj, dict):
            children += list(obj.keys()) + list(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children += list(obj)
        elif not isinstance(obj, (str, bytes, int, float, type)):
            children += list(getattr(obj, "__dict__", {}).values())
            for slot in getattr(type(obj), "__slots__", ()):
                if slot != "_value":  # the one place the key lives, by design
                    children.append(getattr(obj, slot, None))
        for child in children:
            walk(child, level + 1)

    walk(root, 0)
    return out


def test_reprs_of_clients_and_what_they_hold(loopback: LoopbackServer) -> None:
    loopback.reset(lambda _r: (200, {}, THREAD))
    base = loopback.base_url + "/v1"
    with AssistantsClient(api_key=KEY, base_url=base) as sync_client:
        sync_client.get_thread("thread_1")  # after a call, too
        texts = reachable_reprs(sync_client)
        texts += [repr(sync_client._transport), repr(vars(sync_client._transport))]

    async def main() -> list[str]:
        async with AsyncAssistantsClient(api_key=KEY, base_url=base) as async_client:
            await async_client.get_thread("thread_1")
            return reachable_reprs(async_client) + [repr(vars(async_client._transport))]

    texts += anyio.run(main)
    assert len(texts) > 20  # the walk went somewhere
    assert any(base in text for text in texts)
    for text in texts:
        assert KEY not in text
    assert [r.header("Authorization") for r in loopback.requests] == [f"Bearer {KEY}"] * 2


def test_the_key_holder_redacts_itself() -> None:
    holder = auth._Secret(KEY)
    assert repr(holder) == str(holder) == "<redacted>"
    assert holder.reveal() == KEY


# ---- errors -------------------------------------------------------------------------------


STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", STATUSES)
def test_status_errors_are_secret_free(loopback: LoopbackServer, mode: str, status: int) -> None:
    loopback.reset(lambda _r: error_reply(status))
    error = call(mode, loopback.base_url + "/v1")
    assert isinstance(error, APIStatusError) and error.status_code == status
    assert_secret_free(error)
    [seen] = loopback.requests
    assert seen.header("Authorization") == f"Bearer {KEY}"


@pytest.mark.parametrize("mode", MODES)
def test_retried_errors_are_secret_free(loopback: LoopbackServer, mode: str) -> None:
    loopback.reset(lambda _r: (503, {}, {"error": {"message": "busy"}}))
    error = call(mode, loopback.base_url + "/v1", client={"max_retries": 2})
    assert isinstance(error, APIStatusError) and error.status_code == 503
    assert_secret_free(error)
    assert len(loopback.requests) == 3


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def stall(conn: RawConnection) -> None:
    conn.pause(5.0)  # never answers (until the server stops)


def truncated(conn: RawConnection) -> None:
    conn.send(http_response(200, b'{"id": "thr', {"Content-Type": "application/json"},
                            content_length=300))


def sse_then(*frames: bytes, then: Callable[[RawConnection], None] | None = None
             ) -> Callable[[RawConnection], None]:
    def script(conn: RawConnection) -> None:
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                  b"Connection: close\r\n\r\n")
        for frame in frames:
            conn.send(frame)
        if then is not None:
            then(conn)

    return script


CREATED = b"event: thread.run.created\ndata: " + json.dumps(RUN).encode() + b"\n\n"
STREAM = {"assistant_id": "asst_1", "stream": True}
RAW_CASES: dict[str, tuple[Callable[[RawConnection], None], type[APIError], dict[str, Any]]] = {
    "timeout": (stall, APITimeoutError, {}),
    "truncated": (truncated, APIConnectionError, {}),
    "not-json": (lambda c: c.send(http_response(200, b"<html>", {})),
                 APIResponseValidationError, {}),
    "wrong-shape": (lambda c: c.send(http_response(200, b'{"id": 1}', {})),
                    APIResponseValidationError, {}),
    "redirect": (lambda c: c.send(http_response(307, b"", {"Location": "http://example.invalid/"})),
                 APIStatusError, {}),
    "stream-error-event": (sse_then(CREATED, b'event: error\ndata: {"error": {"message": "x"}}\n\n'),
                           StreamError, STREAM),
    "stream-bad-data": (sse_then(CREATED, b"event: thread.run.created\ndata: {oops\n\n"),
                        APIResponseValidationError, STREAM),
    "stream-stall": (sse_then(CREATED, then=stall), APITimeoutError, STREAM),
    "stream-not-sse": (lambda c: c.send(http_response(200, b'{"error": {"message": "x"}}',
                                                      {"Content-Type": "application/json"})),
                       APIResponseValidationError, STREAM),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(RAW_CASES))
def test_transport_and_body_errors_are_secret_free(raw: RawServer, mode: str, name: str) -> None:
    script, kind, kwargs = RAW_CASES[name]
    raw.script = script
    raw.requests.clear()
    operation, args = ("create_run", ("thread_1",)) if kwargs else ("get_thread", ())
    error = call(mode, raw.base_url, operation, *args, client={"timeout": 0.5}, **kwargs)
    assert isinstance(error, kind), repr(error)
    assert_secret_free(error)
    [request] = raw.requests
    assert f"Authorization: Bearer {KEY}".lower().encode() in request.lower()


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_is_secret_free(mode: str) -> None:
    error = call(mode, f"http://{HOST}:{closed_port()}/v1", client={"max_retries": 1})
    assert type(error) is APIConnectionError
    assert_secret_free(error)


# ---- a server that echoes the key -----------------------------------------------------------

REDACTED = "<redacted>"
ECHO = "Incorrect API key provided: "
RUNTIME_LOGGER = runtime.__name__  # assistants_client._runtime.transport: all the runtime logs


def echoed_json(auth: str) -> dict[str, Any]:
    """An error body quoting the Authorization header wherever JSON can hold it: a value, a
    list item, a dict key, deep down."""
    said = ECHO + auth
    deep: Any = [said]
    for level in range(40):
        deep = {f"level{level}": [deep, level]}
    return {"error": {"message": said, "type": "invalid_request_error", "code": None,
                      "param": [1, None, True, {"seen": [auth, {"deep": {"deeper": [[said]]}}]}],
                      auth: {"as a key": said}, f"key {auth} inside": [auth], "deep": deep}}


def echoed_text(auth: str) -> str:
    return f"Unauthorized.\n{ECHO}{auth}\n(plain text)\n"


BODIES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "json": ("application/json", echoed_json),
    "text": ("text/plain; charset=utf-8", echoed_text),
}


def authorization(conn: RawConnection) -> str:
    """The Authorization header of the request a RawServer read ("" if none)."""
    head = conn.request.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().decode("latin-1")
    return ""


def echo(status: int, kind: str, wrap: Callable[[Any], Any] = lambda body: body,
         spell: Callable[[str], str] = lambda text: text,
         headers: dict[str, str] | None = None) -> Callable[[RawConnection], None]:
    """A RawServer script answering `status` with an echo of the request's Authorization:
    `kind` says the body's form, `wrap` puts it inside something, `spell` rewrites the text."""
    content_type, make = BODIES[kind]

    def script(conn: RawConnection) -> None:
        body = wrap(make(authorization(conn)))
        text = json.dumps(body) if kind == "json" else body
        conn.send(http_response(status, spell(text).encode(),
                                {"Content-Type": content_type, **(headers or {})},
                                reason="Unauthorized" if status == 401 else "OK"))

    return script


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.__dict__!r}"
                                   for r in caplog.records)


def places(error: APIError, caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Where the key must not be, each as text."""
    return {
        "body": json.dumps(error.body) + repr(error.body),
        "message": error.message,
        "text": str(getattr(error, "text", "")),
        "str": str(error),
        "repr": repr(error),
        "args": repr(error.args),
        "traceback": "".join(traceback.format_exception(error)),
        "logs": log_text(caplog),
    }


def assert_key_nowhere(error: APIError, caplog: pytest.LogCaptureFixture,
                       key: str = KEY) -> dict[str, str]:
    for where, text in places(error, caplog).items():
        assert key not in unescaped(text), where
    for text in texts_of(error):  # the cause chain, the request's and response's reprs
        assert key not in unescaped(text)
    if error.request is not None:  # a StreamError has none; the servers' records tell too
        assert error.request.headers["authorization"] == f"Bearer {key}"  # it WAS sent
    return places(error, caplog)


def unescaped(text: str) -> str:
    """text with JSON's escapes undone (`\\/`, `\\u0073`), the backslash doubled (repr) or not."""
    text = re.sub(r"\\+/", "/", text)
    return re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


@pytest.fixture
def runtime_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in (RUNTIME_LOGGER, "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(BODIES))
@pytest.mark.parametrize("streamed", [False, True], ids=["call", "stream"])
def test_an_echoed_key_is_redacted_from_a_status_error(
    raw: RawServer, runtime_logs: pytest.LogCaptureFixture, mode: str, kind: str, streamed: bool
) -> None:
    # A 401 quoting the Authorization header, retried once (so the runtime logs a line).
    raw.script = echo(401, kind, headers={"x-should-retry": "true"})
    raw.requests.clear()
    operation, kwargs = ("create_run", STREAM) if streamed else ("get_thread", {})
    error = call(mode, raw.base_url, operation, "thread_1", client={"max_retries": 1}, **kwargs)

    assert isinstance(error, AuthenticationError) and error.status_code == 401
    shown = assert_key_nowhere(error, runtime_logs)
    assert error.body == BODIES[kind][1](f"Bearer {REDACTED}")  # the rest kept, as it was
    assert f"{ECHO}Bearer {REDACTED}" in shown["body"]
    if kind == "json":
        assert error.body["error"]["message"] == f"{ECHO}Bearer {REDACTED}"
        assert error.body["error"][f"Bearer {REDACTED}"] == {"as a key": f"{ECHO}Bearer {REDACTED}"}
        assert f"HTTP 401: {ECHO}Bearer {REDACTED}" in shown["str"] and shown["str"] in shown["repr"]
    assert any(r.name == RUNTIME_LOGGER and "retrying" in r.getMessage()
               for r in runtime_logs.records)
    # exc.response is the raw response, as the server sent it (documented): not scrubbed.
    assert KEY in error.response.text and KEY not in repr(error.response)
    assert [authorization_of(r) for r in raw.requests] == [f"Bearer {KEY}"] * 2


def authorization_of(request: bytes) -> str | None:
    for line in request.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"authorization":
            return value.strip().decode("latin-1")
    return None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(BODIES))
def test_an_echoed_key_is_redacted_from_a_2xx_that_is_not_its_type(
    raw: RawServer, runtime_logs: pytest.LogCaptureFixture, mode: str, kind: str
) -> None:
    # JSON that is no thread (pydantic's error, the cause, quotes the body), or not JSON.
    wrap = (lambda body: {"id": ["not", "a", "string"], "detail": body}) if kind == "json" \
        else (lambda body: body)
    raw.script = echo(200, kind, wrap)
    raw.requests.clear()
    error = call(mode, raw.base_url)

    assert type(error) is APIResponseValidationError and error.status_code == 200
    shown = assert_key_nowhere(error, runtime_logs)
    assert error.body == wrap(BODIES[kind][1](f"Bearer {REDACTED}"))
    assert f"{ECHO}Bearer {REDACTED}" in shown["text"] and f"Bearer {REDACTED}" in shown["str"]
    cause = error.__cause__  # pydantic's ValidationError, standing in without its input values
    assert type(cause).__name__ == "_RedactedCause" and "ValidationError" in str(cause)
    assert "input_value" not in shown["traceback"] and "validation error" in shown["traceback"]
    assert KEY in error.response.text  # the raw response, as sent
    assert [authorization_of(r) for r in raw.requests] == [f"Bearer {KEY}"]


def sse_echo(kind: str) -> Callable[[RawConnection], None]:
    """A stream whose second event echoes the Authorization header, as `kind` says."""
    def script(conn: RawConnection) -> None:
        said = echoed_json(authorization(conn))
        data = {"error-event": json.dumps(said), "not-json": "{oops " + json.dumps(said),
                "wrong-shape": json.dumps({**RUN, "status": said})}[kind]
        event = "error" if kind == "error-event" else "thread.run.created"
        sse_then(CREATED, f"event: {event}\ndata: {data}\n\n".encode())(conn)

    return script


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["error-event", "not-json", "wrong-shape"])
def test_an_echoed_key_is_redacted_from_a_stream_error(
    raw: RawServer, runtime_logs: pytest.LogCaptureFixture, mode: str, kind: str
) -> None:
    raw.script = sse_echo(kind)
    raw.requests.clear()
    error = call(mode, raw.base_url, "create_run", "thread_1", **STREAM)

    assert isinstance(error, StreamError if kind == "error-event" else APIResponseValidationError)
    shown = assert_key_nowhere(error, runtime_logs)
    assert REDACTED in shown["text"] and REDACTED in shown["body"]
    if kind == "error-event":
        assert error.body == echoed_json(f"Bearer {REDACTED}")
        assert f"{ECHO}Bearer {REDACTED}" in shown["str"]
    [request] = raw.requests
    assert authorization_of(request) == f"Bearer {KEY}"


SLASHED_KEY = "sk-test/SECRET/3f9a1c7e5b2d4f60"
SPELLINGS: dict[str, Callable[[str], str]] = {
    "slash": lambda text: text.replace("/", "\\/"),  # as PHP's json_encode writes it
    "unicode": lambda text: text.replace(
        SLASHED_KEY, "".join(f"\\u{ord(c):04X}" for c in SLASHED_KEY)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("status", [401, 200])
def test_a_key_echoed_in_json_escapes_is_redacted(
    raw: RawServer, runtime_logs: pytest.LogCaptureFixture, mode: str, spelling: str, status: int
) -> None:
    wrap = (lambda body: body) if status == 401 else (lambda body: {"id": 7, "detail": body})
    raw.script = echo(status, "json", wrap, SPELLINGS[spelling])
    raw.requests.clear()
    error = call(mode, raw.base_url, client={"api_key": SLASHED_KEY})

    assert isinstance(error, APIStatusError if status == 401 else APIResponseValidationError)
    sent = error.response.text  # the raw response: the key there only in escapes
    assert SLASHED_KEY not in sent and f"Bearer {SLASHED_KEY}" in unescaped(sent)
    assert authorization_of(raw.requests[0]) == f"Bearer {SLASHED_KEY}"
    shown = assert_key_nowhere(error, runtime_logs, key=SLASHED_KEY)
    assert error.body == wrap(echoed_json(f"Bearer {REDACTED}"))
    assert REDACTED in shown["str"] + shown["text"]


@pytest.mark.parametrize("mode", MODES)
def test_a_message_never_shows_part_of_an_echoed_key(
    raw: RawServer, runtime_logs: pytest.LogCaptureFixture, mode: str
) -> None:
    # The message quotes the first 200 characters of a body that is not JSON: here the key
    # straddles that cut, and a piece of it would escape a redaction looking for all of it.
    padding = "x " * 89  # "Bearer " then the key from character 185 on
    raw.script = lambda conn: conn.send(http_response(
        200, f"{padding}{authorization(conn)} rest".encode(), {"Content-Type": "text/plain"}))
    error = call(mode, raw.base_url)

    assert isinstance(error, APIResponseValidationError)
    shown = assert_key_nowhere(error, runtime_logs)
    assert KEY[:8] not in shown["message"] and shown["message"].endswith("Bearer ...'")
    assert error.text == f"{padding}Bearer {REDACTED} rest"


@pytest.mark.parametrize("mode", MODES)
def test_a_key_deep_in_json_is_redacted(raw: RawServer, mode: str) -> None:
    depth = 500  # as deep as a JSON parser at the bottom of a call stack goes comfortably
    raw.script = lambda conn: conn.send(http_response(
        403, ("[" * depth + json.dumps(authorization(conn)) + "]" * depth).encode(),
        {"Content-Type": "application/json", **NO_RETRY}))
    error = call(mode, raw.base_url)

    assert isinstance(error, APIStatusError) and error.status_code == 403
    inner = error.body
    for _ in range(depth):
        [inner] = inner
    assert inner == f"Bearer {REDACTED}"
    assert KEY not in repr(error.body) and KEY in error.response.text


def test_short_keys_are_not_scrubbed(loopback: LoopbackServer) -> None:
    # "k" is no secret, and replacing every "k" would garble the message and the body.
    loopback.reset(lambda _r: error_reply(400, "bad kind of key"))
    with (
        AssistantsClient(api_key="k", base_url=loopback.base_url + "/v1", max_retries=0) as c,
        pytest.raises(APIStatusError) as caught,
    ):
        c.get_thread("thread_1")
    assert str(caught.value) == "HTTP 400: bad kind of key"
    assert caught.value.body == error_reply(400, "bad kind of key")[2]


# ---- logs -----------------------------------------------------------------------------------

LOGGERS = ("", "httpx", "httpcore", "assistants_client", "assistants_client._runtime",
           "anyio", "asyncio")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.stream = io.StringIO()
        self.formatter_ = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.stream.write(self.formatter_.format(record) + "\n")


@pytest.fixture
def debug_logs() -> Iterator[Capture]:
    capture = Capture()
    root = logging.getLogger()
    before = {name: logging.getLogger(name).level for name in LOGGERS}
    root.addHandler(capture)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)


def test_debug_logs_of_every_logger_are_secret_free(
    debug_logs: Capture, loopback: LoopbackServer, raw: RawServer
) -> None:
    base = loopback.base_url + "/v1"
    for mode in MODES:
        loopback.reset(lambda _r: (200, {}, THREAD))
        assert call(mode, base).id == "thread_1"
        loopback.reset(sequence((500, {}, {"error": {"message": "retry me"}}), (200, {}, THREAD)))
        assert call(mode, base, client={"max_retries": 2}).id == "thread_1"  # a retry: logged
        loopback.reset(lambda _r: error_reply(401))
        assert isinstance(call(mode, base), APIStatusError)
        for name in ("timeout", "not-json", "stream-error-event", "stream-stall"):
            script, kind, kwargs = RAW_CASES[name]
            raw.script = script
            operation, args = ("create_run", ("thread_1",)) if kwargs else ("get_thread", ())
            assert isinstance(call(mode, raw.base_url, operation, *args,
                                   client={"timeout": 0.5}, **kwargs), kind)
        refused = call(mode, f"http://{HOST}:{closed_port()}/v1", client={"max_retries": 1})
        assert isinstance(refused, APIConnectionError)

    records = debug_logs.records
    assert any(r.name.startswith("httpcore") and r.levelno == logging.DEBUG for r in records)
    assert any(r.name == "httpx" for r in records)
    assert any(r.name.startswith("assistants_client") and "retrying" in r.getMessage()
               for r in records)
    everything = debug_logs.stream.getvalue() + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in records
    )
    assert KEY not in everything
    assert all(r.header("Authorization") == f"Bearer {KEY}" for r in loopback.requests)


# ---- redirects ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[LoopbackServer]:
    """A second server on another port: where the redirects point."""
    with LoopbackServer(lambda _r: (200, {}, THREAD)) as server:
        yield server


def targets(loopback: LoopbackServer, elsewhere: LoopbackServer) -> dict[str, str]:
    return {
        "other-port": f"{elsewhere.base_url}/v1/threads/thread_1",
        "other-host-name": f"http://localhost:{loopback.port}/v1/threads/thread_1",
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("where", ["other-port", "other-host-name"])
def test_redirects_are_not_followed(loopback: LoopbackServer, elsewhere: LoopbackServer,
                                    mode: str, status: int, where: str) -> None:
    location = targets(loopback, elsewhere)[where]
    loopback.reset(lambda _r: (status, {"Location": location}, None))
    elsewhere.reset(lambda _r: (200, {}, THREAD))

    error = call(mode, loopback.base_url + "/v1", client={"max_retries": 2})

    assert type(error) is APIStatusError
    assert error.status_code == status
    assert repr(location) in str(error) and "not followed" in str(error)
    assert_secret_free(error)
    assert len(loopback.requests) == 1  # not retried, not followed (not even to localhost)
    assert elsewhere.requests == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("where", ["other-port", "other-host-name"])
def test_own_http_client_that_follows_drops_the_key_cross_origin(
    loopback: LoopbackServer, elsewhere: LoopbackServer, mode: str, where: str
) -> None:
    location = targets(loopback, elsewhere)[where]
    first = loopback.base_url + "/v1/threads/thread_1"

    def redirect_once(request: Recorded) -> Reply:
        if (request.header("Host") or "").startswith(HOST):  # not when reached as localhost
            return 307, {"Location": location}, None
        return 200, {}, THREAD

    loopback.reset(redirect_once)
    elsewhere.reset(lambda _r: (200, {}, THREAD))

    thread = follow(mode, loopback.base_url + "/v1")

    assert thread.id == "thread_1"
    landed = elsewhere.requests if where == "other-port" else loopback.requests[1:]
    [redirected] = landed
    assert redirected.header("Authorization") is None
    assert loopback.requests[0].header("Authorization") == f"Bearer {KEY}"
    assert f"http://{loopback.requests[0].header('Host')}{loopback.requests[0].target}" == first


@pytest.mark.parametrize("mode", MODES)
def test_own_http_client_that_follows_keeps_the_key_on_the_same_origin(
    loopback: LoopbackServer, mode: str
) -> None:
    loopback.reset(lambda r: (307, {"Location": "/v1/threads/thread_2"}, None)
                   if r.path.endswith("thread_1") else (200, {}, THREAD))
    assert follow(mode, loopback.base_url + "/v1").id == "thread_1"
    assert [r.path for r in loopback.requests] == ["/v1/threads/thread_1", "/v1/threads/thread_2"]
    assert [r.header("Authorization") for r in loopback.requests] == [f"Bearer {KEY}"] * 2


def follow(mode: str, base_url: str) -> Any:
    """get_thread through a client built on an httpx client that follows redirects."""
    if mode == "sync":
        with httpx.Client(follow_redirects=True, timeout=5.0) as http:
            client = AssistantsClient(api_key=KEY, base_url=base_url, http_client=http,
                                      max_retries=0)
            return client.get_thread("thread_1")

    async def main() -> Any:
        async with httpx.AsyncClient(follow_redirects=True, timeout=5.0) as http:
            client = AsyncAssistantsClient(api_key=KEY, base_url=base_url, http_client=http,
                                           max_retries=0)
            return await client.get_thread("thread_1")

    return anyio.run(main)
