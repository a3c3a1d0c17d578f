"""Server-sent events: the incremental decoder, typed streams through both clients, overloads.

The decoder is checked on one representative stream (BOM, comments, mixed line endings,
multi-byte text, id/retry, [DONE]) fed whole, split at every byte boundary (and pairs of
boundaries) and one byte at a time. The clients are checked against a small text/event-stream
server on 127.0.0.1; the create_run overloads are checked with `mypy --strict`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import types
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

import anyio
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

from assistants_client import (
    AssistantsClient,
    AsyncAssistantsClient,
    ServerSentEvent,
    StreamError,
    UnknownVariant,
    models,
)
from assistants_client._runtime.streaming import SSEDecoder

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOST = "127.0.0.1"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# ---- the decoder ----------------------------------------------------------------------

STREAM = (
    b"\xef\xbb\xbf"  # UTF-8 BOM: stripped once, at the very start
    b": keep-alive\r\n"  # a comment
    b"event: greeting\r\n"
    b"data: first line\r\n"
    b"data: second line\r\n"
    b"\r\n"  # CRLF blank line: dispatch
    b":another comment\r"
    b"event:compact\r"  # no space after the colon; lone CR line endings
    b"data:no space\r"
    b"\r"
    + "data: café ☕ 🎉\n".encode()  # 2-, 3- and 4-byte UTF-8 sequences; LF line endings
    + b"id: 42\n"
    b"retry: 3000\n"
    b"\n"
    b"data: only data\r\n"  # data only; the last event id carries over (WHATWG)
    b"\n"
    b"data: [DONE]\n"
    b"\n"
)

EXPECTED = [
    ServerSentEvent(event="greeting", data="first line\nsecond line", id=None, retry=None),
    ServerSentEvent(event="compact", data="no space", id=None, retry=None),
    ServerSentEvent(event=None, data="café ☕ 🎉", id="42", retry=3000),
    ServerSentEvent(event=None, data="only data", id="42", retry=None),
    ServerSentEvent(event=None, data="[DONE]", id="42", retry=None),
]


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.close()


def test_representative_stream_decodes_exactly() -> None:
    assert decode(STREAM) == EXPECTED


def test_stream_exercises_every_feature() -> None:
    # Guards the fixture itself: each feature the tests claim to cover is in the bytes.
    assert STREAM.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in STREAM and re.search(rb"\r[^\n]", STREAM) and re.search(rb"[^\r]\n", STREAM)
    assert b"event:compact" in STREAM and b": keep-alive" in STREAM
    assert any(len(ch.encode()) == 4 for ch in STREAM.decode("utf-8-sig"))  # the emoji
    assert STREAM.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize("at", range(1, len(STREAM)))
def test_any_single_split_gives_the_same_events(at: int) -> None:
    assert decode(STREAM[:at], STREAM[at:]) == EXPECTED


def test_every_pair_of_splits_gives_the_same_events() -> None:
    pairs = list(itertools.combinations(range(1, len(STREAM)), 2))
    started = time.monotonic()
    for i, j in pairs[:200]:  # measure, then decide: all pairs or a deterministic sample
        assert decode(STREAM[:i], STREAM[i:j], STREAM[j:]) == EXPECTED, (i, j)
    per_pair = (time.monotonic() - started) / 200
    if per_pair * len(pairs) > 2.0:
        pairs = random.Random(20240611).sample(pairs, int(2.0 / per_pair))
    for i, j in pairs:
        assert decode(STREAM[:i], STREAM[i:j], STREAM[j:]) == EXPECTED, (i, j)


def test_one_byte_at_a_time_gives_the_same_events() -> None:
    assert decode(*(bytes([b]) for b in STREAM)) == EXPECTED


def test_empty_chunks_are_harmless() -> None:
    assert decode(b"", STREAM[:1], b"", STREAM[1:], b"") == EXPECTED


@pytest.mark.parametrize(
    "tail",
    [b"data: partial", b"data: partial\n", b"event: x\ndata: partial\r\n", b"data: partial\r"],
    ids=["no-line-end", "lf-no-blank-line", "crlf-no-blank-line", "cr-no-blank-line"],
)
def test_unterminated_final_event_is_dropped_at_close(tail: bytes) -> None:
    head = b"data: complete\n\n"
    decoder = SSEDecoder()
    assert decoder.feed(head + tail) == [ServerSentEvent(None, "complete")]
    assert decoder.close() == []
    assert decode(*(bytes([b]) for b in head + tail)) == [ServerSentEvent(None, "complete")]


@pytest.mark.parametrize("stream", [b"data: x\r\r", b"data: x\n\r", b"event: e\r\ndata: x\r\n\r"])
def test_final_cr_blank_line_still_dispatches(stream: bytes) -> None:
    expected = [ServerSentEvent("e" if b"event" in stream else None, "x")]
    decoder = SSEDecoder()
    # The trailing CR may be half of a CRLF, so feed() holds it back until close().
    assert decoder.feed(stream) == []
    assert decoder.close() == expected
    assert decode(*(bytes([b]) for b in stream)) == expected


def test_cr_then_lf_in_the_next_chunk_is_one_line_end() -> None:
    # "\r" | "\n" across chunks is CRLF (one line end), not two (which would dispatch early).
    assert decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n") == [ServerSentEvent(None, "a\nb")]


@pytest.mark.parametrize(
    "stream, expected",
    [
        (b"data\ndata\n\n", [ServerSentEvent(None, "\n")]),  # a field name alone: empty value
        (b"data:  two spaces\n\n", [ServerSentEvent(None, " two spaces")]),  # only one removed
        (b"retry: soon\ndata: x\n\n", [ServerSentEvent(None, "x")]),  # non-digit retry ignored
        (b"unknown: field\ndata: x\n\n", [ServerSentEvent(None, "x")]),
        (b"data: \xff\n\n", [ServerSentEvent(None, "\ufffd")]),  # invalid UTF-8 is replaced
        (b"\n\n: only comments\n\n", []),  # blank lines with nothing buffered dispatch nothing
    ],
    ids=["bare-field", "one-space", "bad-retry", "unknown-field", "invalid-utf8", "no-data"],
)
def test_field_parsing_details(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert decode(stream) == expected
    assert decode(*(bytes([b]) for b in stream)) == expected


def test_retry_with_non_ascii_digits_is_ignored() -> None:
    superscript_two = "retry: \u00b2\ndata: x\n\n".encode()
    arabic_twelve = "retry: \u0661\u0662\ndata: x\n\n".encode()
    assert decode(superscript_two) == [ServerSentEvent(None, "x")]  # raises ValueError today
    assert decode(arabic_twelve) == [ServerSentEvent(None, "x")]


# ---- a text/event-stream server on 127.0.0.1 -------------------------------------------

HOLD = "hold"  # keep the connection open (sending comments) until the client hangs up
HOLD_SECONDS = 5.0  # ... or until this much time has passed


class _Handler(BaseHTTPRequestHandler):
    server: _Server  # type: ignore[assignment]

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()  # HTTP/1.0, no Content-Length: the body ends when we close
        try:
            for part in owner.parts:
                if part == HOLD:
                    self._hold(owner)
                    return
                if isinstance(part, float):
                    time.sleep(part)
                    continue
                self.wfile.write(part)
                self.wfile.flush()
        except OSError:
            owner.disconnected.set()

    def _hold(self, owner: SSEServer) -> None:
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline and not owner.stopping.is_set():
            try:
                self.wfile.write(b": still here\n\n")
                self.wfile.flush()
            except OSError:
                owner.disconnected.set()
                return
            time.sleep(0.02)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: SSEServer


class SSEServer:
    """Answers every POST with `parts` as a text/event-stream (bytes, pauses or HOLD)."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.disconnected = threading.Event()
        self.stopping = threading.Event()
        self._httpd = _Server((HOST, 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


RUN: dict[str, Any] = {
    "id": "run_1",
    "object": "thread.run",
    "created_at": 1700000000,
    "thread_id": "thread_1",
    "assistant_id": "asst_1",
    "status": "queued",
    "required_action": None,
    "last_error": None,
    "expires_at": None,
    "started_at": None,
    "cancelled_at": None,
    "failed_at": None,
    "completed_at": None,
    "incomplete_details": None,
    "model": "gpt-4o",
    "instructions": "be brief",
    "tools": [],
    "metadata": {},
    "usage": None,
    "max_prompt_tokens": None,
    "max_completion_tokens": None,
    "truncation_strategy": None,
    "tool_choice": None,
    "parallel_tool_calls": True,
    "response_format": None,
}


def sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


CREATED = sse("thread.run.created", RUN)
IN_PROGRESS = sse("thread.run.in_progress", {**RUN, "status": "in_progress"})
COMPLETED = sse("thread.run.completed", {**RUN, "status": "completed"})
DONE_FORMS = {"bare": b"data: [DONE]\n\n", "named": b"event: done\ndata: [DONE]\n\n"}


def run_stream(mode: str, base_url: str, limit: int | None = None) -> dict[str, Any]:
    """Call create_run(stream=True) with the sync or async client and consume the stream.

    Returns the events, the stream, the StreamError if one was raised, and whether the
    response was already closed right after the loop (before the `with` block ended).
    """
    out: dict[str, Any] = {"events": [], "error": None, "closed_in_block": None}
    kwargs = {"api_key": "sk-test", "base_url": base_url, "max_retries": 0, "timeout": 10.0}
    if mode == "sync":
        with (
            AssistantsClient(**kwargs) as client,
            client.create_run("thread_1", assistant_id="asst_1", stream=True) as stream,
        ):
            out["stream"] = stream
            try:
                for event in stream:
                    out["events"].append(event)
                    if limit is not None and len(out["events"]) >= limit:
                        break
            except StreamError as exc:
                out["error"] = exc
            out["closed_in_block"] = stream.response.is_closed
        return out

    async def main() -> dict[str, Any]:
        async with AsyncAssistantsClient(**kwargs) as client:
            stream = await client.create_run("thread_1", assistant_id="asst_1", stream=True)
            async with stream:
                out["stream"] = stream
                try:
                    async for event in stream:
                        out["events"].append(event)
                        if limit is not None and len(out["events"]) >= limit:
                            break
                except StreamError as exc:
                    out["error"] = exc
                out["closed_in_block"] = stream.response.is_closed
        return out

    return anyio.run(main)


MODES = ["sync", "async"]


def test_minimal_run_object_is_valid() -> None:
    assert models.RunObject.model_validate(RUN).id == "run_1"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("done", sorted(DONE_FORMS))
def test_typed_events_and_done_ends_the_stream(mode: str, done: str) -> None:
    # The second event arrives in two TCP writes; after [DONE] the server would send more.
    half = len(IN_PROGRESS) // 2
    parts = [CREATED, IN_PROGRESS[:half], 0.05, IN_PROGRESS[half:], DONE_FORMS[done]]
    with SSEServer([*parts, COMPLETED, HOLD]) as server:
        out = run_stream(mode, server.base_url)

    created, in_progress = out["events"]  # nothing after [DONE], though the server went on
    assert isinstance(created, models.RunStreamEventThreadRunCreated)
    assert created.event == "thread.run.created"
    assert isinstance(created.data, models.RunObject)
    assert created.data.id == "run_1" and created.data.status == "queued"
    assert isinstance(in_progress, models.RunStreamEventThreadRunInProgress)
    assert in_progress.data.status == "in_progress"
    assert out["error"] is None
    assert out["closed_in_block"] is True  # [DONE] closed the response by itself

    [(path, headers, body)] = server.requests
    assert path == "/v1/threads/thread_1/runs"
    assert headers["accept"] == "text/event-stream"
    assert json.loads(body) == {"assistant_id": "asst_1", "stream": True}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "payload",
    [
        {"error": {"message": "boom"}},
        {"code": "server_error", "message": "boom", "param": None, "type": "server_error"},
    ],
    ids=["error-wrapper", "spec-error-shape"],
)
def test_error_event_raises_stream_error_with_body(mode: str, payload: dict[str, Any]) -> None:
    with SSEServer([CREATED, sse("error", payload), COMPLETED, HOLD]) as server:
        out = run_stream(mode, server.base_url)

    assert [type(e) for e in out["events"]] == [models.RunStreamEventThreadRunCreated]
    error = out["error"]
    assert isinstance(error, StreamError)
    assert error.body == payload
    assert "boom" in str(error)
    assert out["closed_in_block"] is True


@pytest.mark.parametrize("mode", MODES)
def test_unknown_event_name_yields_unknown_variant(mode: str) -> None:
    parts = [sse("thread.run.teleported", {"to": "mars"}), CREATED, DONE_FORMS["bare"]]
    with SSEServer(parts) as server:
        out = run_stream(mode, server.base_url)

    unknown, created = out["events"]
    assert isinstance(unknown, UnknownVariant)
    assert unknown.model_extra == {"event": "thread.run.teleported", "data": {"to": "mars"}}
    assert isinstance(created, models.RunStreamEventThreadRunCreated)
    assert out["error"] is None


@pytest.mark.parametrize("mode", MODES)
def test_end_of_body_without_done_ends_the_stream(mode: str) -> None:
    with SSEServer([CREATED, COMPLETED]) as server:
        out = run_stream(mode, server.base_url)
    assert [e.event for e in out["events"]] == ["thread.run.created", "thread.run.completed"]
    assert out["closed_in_block"] is True


@pytest.mark.parametrize("mode", MODES)
def test_leaving_early_closes_the_response(mode: str) -> None:
    with SSEServer([CREATED, HOLD]) as server:
        out = run_stream(mode, server.base_url, limit=1)
        # The server keeps writing; it notices the hang-up once the connection is gone.
        hung_up = server.disconnected.wait(HOLD_SECONDS)

    assert [type(e) for e in out["events"]] == [models.RunStreamEventThreadRunCreated]
    assert out["stream"].response.is_closed is True
    assert hung_up, "the server never saw the client close the connection"


# ---- static types of the create_run overloads ---------------------------------------------

TYPING_PROBE = """\
from assistants_client import AssistantsClient, AsyncAssistantsClient

client = AssistantsClient(api_key="k")
reveal_type(client.create_run("t", assistant_id="a"))
reveal_type(client.create_run("t", assistant_id="a", stream=True))


async def main() -> None:
    aclient = AsyncAssistantsClient(api_key="k")
    reveal_type(await aclient.create_run("t", assistant_id="a"))
    reveal_type(await aclient.create_run("t", assistant_id="a", stream=True))
    reveal_type(await aclient.create_run("t", assistant_id="a", stream=flag))


flag: bool = bool(len("x"))
reveal_type(client.create_run("t", assistant_id="a", stream=flag))
reveal_type(client.create_thread_and_run(assistant_id="a", stream=flag))
reveal_type(client.submit_tool_ouputs_to_run("t", "r", tool_outputs=[], stream=flag))
"""


def test_create_run_overloads_reveal_the_right_types(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(TYPING_PROBE, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(GENERATED)}
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c")]
    result = subprocess.run(
        [*command, "probe.py"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    revealed = dict(re.findall(r'probe\.py:(\d+): note: Revealed type is "(.+)"', output))
    assert result.returncode == 0 and "error:" not in output, output
    assert revealed["4"] == "assistants_client.models.RunObject", output
    members = stream_members()
    for line, kind in (("5", "Stream"), ("11", "AsyncStream")):
        match = re.fullmatch(rf"assistants_client\._runtime\.streaming\.{kind}\[(.+)\]", revealed[line])
        assert match, output
        assert set(match.group(1).split(" | ")) == members, output
    assert revealed["10"] == "assistants_client.models.RunObject", output
    # A `stream` that is only known to be a bool: the response or the stream, for mypy to narrow.
    for line, kind in (("12", "AsyncStream"), ("16", "Stream"), ("17", "Stream"), ("18", "Stream")):
        one, _, other = revealed[line].partition(" | ")
        assert one == "assistants_client.models.RunObject", output
        match = re.fullmatch(rf"assistants_client\._runtime\.streaming\.{kind}\[(.+)\]", other)
        assert match and set(match.group(1).split(" | ")) == members, output


def stream_members() -> set[str]:
    """The classes mypy should list for Stream[AssistantStreamEvent]: the alias, flattened."""
    found: set[str] = set()

    def walk(tp: Any) -> None:
        if typing.get_origin(tp) is typing.Annotated:
            walk(typing.get_args(tp)[0])
        elif typing.get_origin(tp) in (typing.Union, types.UnionType):
            for arg in typing.get_args(tp):
                walk(arg)
        else:
            found.add(f"{tp.__module__}.{tp.__qualname__}")

    walk(models.AssistantStreamEvent)
    assert "assistants_client.models.RunStreamEventThreadRunCreated" in found
    assert "assistants_client.models.ErrorEvent" in found
    return found
