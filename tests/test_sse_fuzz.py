"""Fuzzed server-sent event streams: any chunking, odd lines, and servers that misbehave.

1. The decoder, fed random streams built from a seeded `random.Random` (BOM, comments,
   unknown and malformed fields, ids, retries, events without data, UTF-8 of every width,
   LF / CRLF / CR / mixed line endings): whole, and split at random chunk boundaries
   (empty chunks included), it gives exactly the events the stream was built from. Random
   byte soup never makes it raise, and chunking never changes what it gives.
2. The typed streams (Stream and AsyncStream over an in-memory response, then the clients
   over a loopback socket with random HTTP chunk sizes): the same events, typed, whatever the
   chunking and line endings; random garbage either ends the stream or raises an APIError.
3. Misbehaving servers, each through the sync and the async client:
   - `data:` that is not JSON -> APIResponseValidationError carrying the data;
   - no `[DONE]` (the body just ends, close-delimited or with a final chunk) -> the stream
     ends cleanly after the last complete event; an event cut off by the end of a
     close-delimited body is dropped (WHATWG), there being no way to tell it from the end;
   - a body cut off inside its framing (chunked without the last chunk, or short of its
     Content-Length) -> APIConnectionError;
   - a server that stalls (before the headers, before the first event, between events, in
     the middle of an event) -> APITimeoutError once the read timeout passes (0.5 s here;
     the server would stall for 5 s, so only the error is checked, never timings);
   - a 200 that is not text/event-stream (a JSON error, an HTML page) ->
     APIResponseValidationError carrying the text.
   Whatever the outcome, the response is closed afterwards.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
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
    APITimeoutError,
    AssistantsClient,
    AsyncAssistantsClient,
    AsyncStream,
    ServerSentEvent,
    Stream,
    models,
)
from assistants_client._runtime.streaming import SSEDecoder

try:
    from .loopback import RawConnection, RawServer, http_response
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from loopback import RawConnection, RawServer, http_response  # type: ignore[no-redef]

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MODES = ["sync", "async"]
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
DECODER_SEEDS = range(300)
TYPED_SEEDS = range(60)
WIRE_SEEDS = range(8)
STALL = 5.0  # how long a stalling server waits (it wakes early when the test ends)
SHORT_TIMEOUT = 0.5


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


# ---- 1. the decoder ---------------------------------------------------------------------------

TEXTS = ["hello", "a: b: c", "{\"k\": [1, 2, {\"x\": null}]}", "café ☕ 日本 🎉", "", "x" * 300,
         "tab\there", "[DONE]", "data: inside", "ünïcödé", "\u2028line separator", "€"]
NOISE = [": comment", ":", ":: double", "unknown: field", "garbage", "Data: wrong case",
         " data: leading space", "retry: soon", "retry: 12a", "retry:", "id: has\0nul",
         "eventx: y", "dat: a", "data-ish: z", ": 日本"]
EVENT_NAMES = ["thread.run.created", "message", "ünï", "x" * 40, "with space", ""]


@dataclass
class Built:
    data: bytes
    events: list[ServerSentEvent]


def build_stream(rng: random.Random, endings: str) -> Built:
    """A random stream and, by construction, the events a WHATWG parser must give."""
    lines: list[str] = []
    events: list[ServerSentEvent] = []
    last_id: str | None = None

    def noise() -> None:
        while rng.random() < 0.3:
            lines.append(rng.choice(NOISE))

    for _ in range(rng.randint(0, 10)):
        noise()
        name = rng.choice(EVENT_NAMES) if rng.random() < 0.7 else None
        data = [rng.choice(TEXTS) for _ in range(rng.choice([0, 1, 1, 1, 2, 3]))]
        retry = rng.choice([None, None, 0, 3000])
        new_id = rng.choice([None, None, "", "42", "id-ü"])
        fields: list[str] = []
        if name is not None:
            fields.append(rng.choice(["event: ", "event:"]) + name if name and name[0] != " "
                          else "event: " + name)
        for value in data:
            compact = value == "" or value[0] != " "
            fields.append(("data:" if compact and rng.random() < 0.3 else "data: ") + value)
        if retry is not None:
            fields.append(f"retry: {retry}")
        if new_id is not None:
            fields.append(f"id: {new_id}")
            last_id = new_id
        rng.shuffle(fields)  # field order within an event does not matter (data keeps its own)
        data_in_order = [f for f in fields if f.startswith("data")]
        data = [f.split(":", 1)[1].removeprefix(" ") for f in data_in_order]
        for field_line in fields:
            lines.append(field_line)
            noise()
        lines.append("")  # dispatch
        if data:  # no data line: nothing is dispatched (the id still counts)
            events.append(ServerSentEvent(name, "\n".join(data), last_id, retry))
        while rng.random() < 0.2:
            lines.append("")  # blank lines with nothing buffered dispatch nothing
    text = join_lines(rng, lines, endings)
    bom = "\ufeff" if rng.random() < 0.2 else ""
    return Built((bom + text).encode("utf-8"), events)


def join_lines(rng: random.Random, lines: list[str], endings: str) -> str:
    out: list[str] = []
    previous = ""
    for line in lines:
        choices = {"lf": ["\n"], "crlf": ["\r\n"], "cr": ["\r"], "mixed": ["\n", "\r\n", "\r"]}
        options = choices[endings]
        if previous == "\r" and line == "":
            options = [e for e in options if e != "\n"] or ["\r"]  # "\r" + "\n" is one line end
        ending = rng.choice(options)
        out.append(line + ending)
        previous = ending
    return "".join(out)


def random_chunks(rng: random.Random, data: bytes) -> list[bytes]:
    chunks: list[bytes] = []
    at = 0
    while at < len(data):
        size = rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 64, 1000])
        chunks.append(data[at:at + size])
        at += size
    return chunks


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.close()


@pytest.mark.parametrize("endings", ["lf", "crlf", "cr", "mixed"])
def test_random_streams_decode_to_what_they_were_built_from(endings: str) -> None:
    dispatched = 0
    for seed in DECODER_SEEDS:
        rng = random.Random(f"{endings}-{seed}")
        built = build_stream(rng, endings)
        assert decode([built.data]) == built.events, seed
        for _ in range(3):
            assert decode(random_chunks(rng, built.data)) == built.events, seed
        dispatched += len(built.events)
    assert dispatched > 300  # the generator really made events


def test_one_byte_at_a_time_on_random_streams() -> None:
    for seed in range(40):
        built = build_stream(random.Random(seed), "mixed")
        assert decode([bytes([b]) for b in built.data]) == built.events, seed


SOUP = [b"data:", b"data: ", b"event:", b"id:", b"retry:", b":", b"\r", b"\n", b"\r\n", b" ",
        b"\xff", b"\xe6\x97", b"\xa5", b"\xf0\x9f", b"[DONE]", b"{", b"}", b"\"", b"\x00",
        b"\xef\xbb\xbf", b"x", b"12"]


def soup(rng: random.Random, size: int) -> bytes:
    return b"".join(rng.choice(SOUP) for _ in range(size))


def test_byte_soup_never_raises_and_chunking_never_matters() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        data = soup(rng, rng.randint(0, 200))
        whole = decode([data])
        assert all(isinstance(e, ServerSentEvent) for e in whole)
        assert decode(random_chunks(rng, data)) == whole, seed


# ---- 2. typed streams -----------------------------------------------------------------------

RUN: dict[str, Any] = {
    "id": "run_1", "object": "thread.run", "created_at": 1700000000, "thread_id": "thread_1",
    "assistant_id": "asst_1", "status": "queued", "required_action": None, "last_error": None,
    "expires_at": None, "started_at": None, "cancelled_at": None, "failed_at": None,
    "completed_at": None, "incomplete_details": None, "model": "gpt-4o", "instructions": "",
    "tools": [], "metadata": {}, "usage": None, "max_prompt_tokens": None,
    "max_completion_tokens": None, "truncation_strategy": None, "tool_choice": None,
    "parallel_tool_calls": True, "response_format": None,
}
DELTA: dict[str, Any] = {
    "id": "msg_1", "object": "thread.message.delta",
    "delta": {"content": [{"index": 0, "type": "text",
                           "text": {"value": "café ☕ 日本 🎉 \u2028", "annotations": []}}]},
}
EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("thread.run.created", RUN),
    ("thread.run.queued", RUN),
    ("thread.run.in_progress", {**RUN, "status": "in_progress"}),
    ("thread.message.delta", DELTA),
    ("thread.run.teleported", {"to": "mars"}),  # unknown to this client: UnknownVariant
    ("thread.run.completed", {**RUN, "status": "completed"}),
]
DONE = "event: done\ndata: [DONE]\n\n"


def wire(rng: random.Random | None = None, endings: str = "lf", done: bool = True) -> bytes:
    """EVENTS as an event stream; with rng, noise lines in between and events' data split
    over several `data:` lines (JSON does not mind the newlines that joins them)."""
    lines: list[str] = []
    for name, data in EVENTS:
        if rng is not None and rng.random() < 0.5:
            lines.append(rng.choice([": keep-alive", "unknown: x", "garbage", "retry: 10"]))
        lines.append(f"event: {name}")
        text = json.dumps(data, ensure_ascii=rng is None or rng.random() < 0.5)
        if rng is not None and "," in text and rng.random() < 0.5:
            cut = text.index(",") + 1  # between members: a newline there is JSON whitespace
            lines += [f"data: {text[:cut]}", f"data: {text[cut:]}"]
        else:
            lines.append(f"data: {text}")
        lines.append("")
    if done:
        lines += ["event: done", "data: [DONE]", ""]
    lines += ["event: thread.run.failed", "data: " + json.dumps(RUN), ""]  # after [DONE]: unread
    ending = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}[endings]
    return ending.join(lines).encode() + ending.encode()


def dumped(events: list[Any]) -> list[Any]:
    return [e.model_dump(mode="json") for e in events]


EXPECTED = [
    {"event": name, "data": data} for name, data in EVENTS
]


def check_typed(events: list[Any]) -> None:
    assert [type(e).__name__ for e in events] == [
        "RunStreamEventThreadRunCreated", "RunStreamEventThreadRunQueued",
        "RunStreamEventThreadRunInProgress", "MessageStreamEventThreadMessageDelta",
        "UnknownVariant", "RunStreamEventThreadRunCompleted",
    ]
    assert dumped(events)[4] == EXPECTED[4]
    assert events[3].data.delta.content[0].text.value == "café ☕ 日本 🎉 \u2028"
    assert events[5].data.status == "completed"


def in_memory(chunks: list[bytes], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, headers=headers or {"content-type": "text/event-stream"},
                          content=iter(chunks),
                          request=httpx.Request("POST", "http://127.0.0.1/v1/threads/t/runs"))


def typed_sync(chunks: list[bytes]) -> list[Any]:
    stream = Stream(in_memory(chunks), models.AssistantStreamEvent, True)
    events = list(stream)
    assert stream.response.is_closed
    return events


def typed_async(chunks: list[bytes]) -> list[Any]:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def main() -> list[Any]:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  content=body(),
                                  request=httpx.Request("POST", "http://127.0.0.1/v1/x"))
        stream = AsyncStream(response, models.AssistantStreamEvent, True)
        events = [event async for event in stream]
        assert response.is_closed
        return events

    return anyio.run(main)


def test_typed_stream_is_the_same_for_any_chunking_and_line_endings() -> None:
    reference = typed_sync([wire()])
    check_typed(reference)
    for seed in TYPED_SEEDS:
        rng = random.Random(seed)
        data = wire(rng, rng.choice(["lf", "crlf", "cr"]))
        assert dumped(typed_sync(random_chunks(rng, data))) == dumped(reference), seed
    for seed in TYPED_SEEDS[:10]:
        rng = random.Random(seed)
        data = wire(rng, rng.choice(["lf", "crlf", "cr"]))
        assert dumped(typed_async(random_chunks(rng, data))) == dumped(reference), seed


def test_typed_stream_on_garbage_ends_or_raises_api_errors_only() -> None:
    outcomes = {"ended": 0, "raised": 0}
    for seed in range(200):
        rng = random.Random(seed)
        parts = [soup(rng, rng.randint(0, 30))]
        for _ in range(rng.randint(0, 3)):
            name, data = rng.choice(EVENTS)
            frame = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            cut = rng.randint(0, len(frame))
            parts.append(frame[:cut] if rng.random() < 0.3 else frame)
            parts.append(soup(rng, rng.randint(0, 10)))
        data = b"".join(parts)
        try:
            typed_sync(random_chunks(rng, data))
            outcomes["ended"] += 1
        except APIError:
            outcomes["raised"] += 1
    assert outcomes["ended"] and outcomes["raised"]  # both paths were exercised


# ---- 3. through the clients, over a socket --------------------------------------------------

SSE_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            b"Cache-Control: no-cache\r\n")
CLOSE_DELIMITED = SSE_HEAD + b"Connection: close\r\n\r\n"
CHUNKED = SSE_HEAD + b"Transfer-Encoding: chunked\r\n\r\n"


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    with RawServer(lambda conn: None) as server:
        yield server


def run(mode: str, server: RawServer, script: Callable[[RawConnection], None],
        timeout: float = 5.0) -> dict[str, Any]:
    """create_run(stream=True) through a fresh client; events, error, and the closed flag."""
    server.script = script
    server.requests.clear()
    out: dict[str, Any] = {"events": [], "error": None, "closed": None}
    config = {"api_key": "sk-test", "base_url": server.base_url, "max_retries": 0,
              "timeout": timeout}

    if mode == "sync":
        with AssistantsClient(**config) as client:
            stream = None
            try:
                stream = client.create_run("thread_1", assistant_id="asst_1", stream=True)
                for event in stream:
                    out["events"].append(event)
            except Exception as exc:  # noqa: BLE001 - the tests look at whatever came out
                out["error"] = exc
            out["closed"] = stream.response.is_closed if stream is not None else None
        return out

    async def main() -> dict[str, Any]:
        async with AsyncAssistantsClient(**config) as client:
            stream = None
            try:
                stream = await client.create_run("thread_1", assistant_id="asst_1", stream=True)
                async for event in stream:
                    out["events"].append(event)
            except Exception as exc:  # noqa: BLE001
                out["error"] = exc
            out["closed"] = stream.response.is_closed if stream is not None else None
        return out

    return anyio.run(main)


def sends(*parts: bytes | float | Callable[[RawConnection], None]
          ) -> Callable[[RawConnection], None]:
    """A script: bytes are sent, floats pause, callables are called."""
    def script(conn: RawConnection) -> None:
        for part in parts:
            if isinstance(part, bytes):
                if not conn.send(part):
                    return
            elif isinstance(part, float):
                conn.pause(part)
            else:
                part(conn)

    return script


@pytest.mark.parametrize("mode", MODES)
def test_random_http_chunking_over_a_socket(raw: RawServer, mode: str) -> None:
    reference = typed_sync([wire()])
    for seed in WIRE_SEEDS:
        rng = random.Random(seed)
        data = wire(rng, rng.choice(["lf", "crlf", "cr"]))
        pieces = [chunk(piece) for piece in random_chunks(rng, data) if piece]
        out = run(mode, raw, sends(CHUNKED, *pieces, b"0\r\n\r\n"))
        assert out["error"] is None, (seed, out["error"])
        assert dumped(out["events"]) == dumped(reference), seed
        assert out["closed"] is True


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("endings", ["crlf", "cr"])
def test_line_endings_over_a_socket(raw: RawServer, mode: str, endings: str) -> None:
    out = run(mode, raw, sends(CLOSE_DELIMITED, wire(endings=endings)))
    assert out["error"] is None
    check_typed(out["events"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("data", ["{not json", "hello", "", "{\"id\": \"run_1\""],
                         ids=["broken", "word", "empty", "unclosed"])
def test_data_that_is_not_json(raw: RawServer, mode: str, data: str) -> None:
    frames = wire(done=False).split(b"\n\n")
    bad = f"event: thread.run.in_progress\ndata: {data}\n\n".encode()
    out = run(mode, raw, sends(CLOSE_DELIMITED, frames[0] + b"\n\n", bad, frames[1] + b"\n\n"))
    error = out["error"]
    assert type(error) is APIResponseValidationError
    assert error.text == data and error.status_code == 200
    assert "not JSON" in str(error)
    assert [e.event for e in out["events"]] == ["thread.run.created"]
    assert out["closed"] is True


@pytest.mark.parametrize("mode", MODES)
def test_data_of_the_wrong_shape(raw: RawServer, mode: str) -> None:
    bad = b'event: thread.run.created\ndata: {"id": 5}\n\n'
    out = run(mode, raw, sends(CLOSE_DELIMITED, bad))
    assert type(out["error"]) is APIResponseValidationError
    assert out["error"].text == '{"id": 5}'
    assert "did not match its schema" in str(out["error"])


def complete_frames() -> bytes:
    return wire(done=False).rsplit(b"event: thread.run.failed", 1)[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("framing", ["close-delimited", "chunked"])
def test_no_done_ends_cleanly(raw: RawServer, mode: str, framing: str) -> None:
    body = complete_frames()
    parts = ([CLOSE_DELIMITED, body] if framing == "close-delimited"
             else [CHUNKED, chunk(body), b"0\r\n\r\n"])
    out = run(mode, raw, sends(*parts))
    assert out["error"] is None
    check_typed(out["events"])
    assert out["closed"] is True


@pytest.mark.parametrize("mode", MODES)
def test_event_cut_off_by_the_end_of_a_close_delimited_body_is_dropped(raw: RawServer,
                                                                       mode: str) -> None:
    cut = b"event: thread.run.completed\ndata: " + json.dumps(RUN).encode()[:40]
    out = run(mode, raw, sends(CLOSE_DELIMITED, complete_frames().split(b"event: thread.run.c"
                                                                        b"ompleted")[0], cut))
    assert out["error"] is None
    assert [e.event for e in out["events"]] == [name for name, _ in EVENTS[:-1]]
    assert out["closed"] is True


def short_body(conn: RawConnection) -> None:
    body = complete_frames()
    conn.send(SSE_HEAD + b"Content-Length: %d\r\n\r\n" % (len(body) + 500) + body[:-30])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", [
    sends(CHUNKED, chunk(b"event: thread.run.created\ndata: {\"id\":")),  # no last chunk
    sends(CHUNKED, chunk(complete_frames())),  # every event, but no last chunk
    sends(CHUNKED, b"5\r\neve"),  # a chunk shorter than its size line
    short_body,  # Content-Length promises more
], ids=["mid-event", "after-events", "mid-chunk", "content-length"])
def test_body_cut_off_inside_its_framing(raw: RawServer, mode: str, script: Any) -> None:
    out = run(mode, raw, script)
    assert type(out["error"]) is APIConnectionError
    assert isinstance(out["error"].__cause__, httpx.RemoteProtocolError)
    assert out["closed"] is True


FIRST = wire().split(b"\n\n")[0] + b"\n\n"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("parts", [
    [STALL],  # before the status line
    [CLOSE_DELIMITED, STALL],  # headers, then nothing
    [CLOSE_DELIMITED, FIRST, STALL],  # between events
    [CLOSE_DELIMITED, FIRST, b"event: thread.run.queued\ndata: {\"id\"", STALL],  # mid-event
    [CHUNKED, chunk(FIRST), b"40\r\nevent: thread", STALL],  # mid-chunk
], ids=["before-headers", "before-first-event", "between-events", "mid-event", "mid-chunk"])
def test_stalled_server_gives_a_timeout_error(raw: RawServer, mode: str,
                                              parts: list[Any]) -> None:
    out = run(mode, raw, sends(*parts), timeout=SHORT_TIMEOUT)
    assert type(out["error"]) is APITimeoutError
    assert isinstance(out["error"].__cause__, httpx.TimeoutException)
    if len(parts) > 2:
        assert [e.event for e in out["events"]] == ["thread.run.created"]
    if out["closed"] is not None:  # None: it stalled before there was a stream
        assert out["closed"] is True


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("content_type", "body", "says"), [
    ("application/json", b'{"error": {"message": "streaming is off", "type": "x"}}',
     "streaming is off"),
    ("text/html", b"<html>maintenance</html>", "maintenance"),
    ("application/json", json.dumps(RUN).encode(), "run_1"),
])
def test_not_an_event_stream(raw: RawServer, mode: str, content_type: str, body: bytes,
                             says: str) -> None:
    out = run(mode, raw, sends(http_response(200, body, {"Content-Type": content_type})))
    error = out["error"]
    assert type(error) is APIResponseValidationError
    assert error.text == body.decode() and error.status_code == 200
    assert "text/event-stream" in str(error) and says in str(error)
    assert out["events"] == []


@pytest.mark.parametrize("mode", MODES)
def test_not_an_event_stream_and_cut_short(raw: RawServer, mode: str) -> None:
    reply = http_response(200, b'{"error": {"mess', {"Content-Type": "application/json"},
                          content_length=400)
    out = run(mode, raw, sends(reply))
    assert type(out["error"]) is APIConnectionError
    assert isinstance(out["error"].__cause__, httpx.RemoteProtocolError)
