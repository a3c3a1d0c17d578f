"""Load: many concurrent requests through the async client, against a keep-alive server.

A bounded version of the benchmark's load section (`bench/run.py`, section `load`: 5,000
requests, 50 in flight): 1,000 `get_thread` calls, 50 in flight, each answered with the id
it asked for, against an asyncio HTTP/1.1 keep-alive server on 127.0.0.1 (its own event
loop, in a daemon thread) that counts the sockets it holds open. It proves:
- no errors, and every response is the one its request asked for;
- never more connections open at once than requests in flight;
- no leaked connections: once the client is closed, the server's count returns to 0;
- flat memory: from request 200 (everything warmed up) to request 1,000, each half of the
  calls leaves less than 1 MiB of traced memory (tracemalloc, measured at rest) behind;
  keeping 2.7 KB per call would fail it (a whole response is about 9 KB).
The loops are bounded in count (a fixed number of requests) and in time (a deadline far
above what they need, only so that a bug cannot hang the suite).
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import anyio
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

from assistants_client import AssistantsClient, AsyncAssistantsClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOST = "127.0.0.1"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
REQUESTS = 1000
IN_FLIGHT = 50
WARM = 200  # memory is measured from this request on
MAX_GROWTH = 1 << 20  # bytes that may stay allocated after each half of the measured calls
DEADLINE = 120.0  # seconds; a hang guard, not a performance limit
THREAD_BODY = {"object": "thread", "created_at": 1700000000, "tool_resources": None,
               "metadata": {}}


class KeepAliveServer:
    """An HTTP/1.1 keep-alive server on 127.0.0.1 in its own event loop (a daemon thread).

    Answers `GET /v1/threads/{id}` with that thread; counts connections: open now, most open
    at once, opened in total. Counters are only written by the server's loop.
    """

    def __init__(self) -> None:
        self.open = 0
        self.max_open = 0
        self.opened = 0
        self.requests = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keep-alive", daemon=True)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.sockets[0].getsockname()[1]}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, HOST, 0, backlog=256)
        )
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.open += 1
        self.opened += 1
        self.max_open = max(self.max_open, self.open)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                writer.write(self._answer(method, target))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass  # the client closed the connection (or sent nonsense)
        except asyncio.CancelledError:
            pass  # the server is stopping
        finally:
            self.open -= 1
            writer.close()
            self._handlers.discard(task)

    @staticmethod
    def _answer(method: str, target: str) -> bytes:
        parts = target.split("?")[0].split("/")
        if method == "GET" and len(parts) == 4 and parts[1:3] == ["v1", "threads"]:
            status, body = "200 OK", json.dumps({"id": parts[3], **THREAD_BODY}).encode()
        else:
            status, body = "404 Not Found", b'{"error": {"message": "not found"}}'
        head = (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")
        return head.encode("ascii") + body

    def wait_until_closed(self, seconds: float = 5.0) -> int:
        """Open connections once they have all closed, or after `seconds` (bounded poll)."""
        deadline = time.monotonic() + seconds
        while self.open and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the keep-alive server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[KeepAliveServer]:
    with KeepAliveServer() as running:
        yield running


async def load(base_url: str, requests: int, in_flight: int) -> dict[str, Any]:
    """`requests` get_thread calls, `in_flight` at a time: WARM of them, then two halves.

    Before each half every call in flight is let finish, garbage is collected and
    tracemalloc starts; after it, garbage is collected again and what tracemalloc still sees
    allocated is what that half left behind. Measuring at rest keeps the buffers of calls in
    flight out of the figure. A leak (something kept per call) shows in both halves; a
    one-off allocation (a table that grows once, a cache filled once) in one at most, so the
    smaller of the two is the growth. Bounded caches (pydantic's JSON string cache,
    urllib's urlsplit cache) count; with these ids they are small.
    """
    out: dict[str, Any] = {"done": 0, "wrong": [], "errors": [], "halves": []}

    async def worker(client: AsyncAssistantsClient, indices: Iterator[int]) -> None:
        for i in indices:  # shared: each index is taken by exactly one worker
            try:
                thread = await client.get_thread(f"thread_{i}")
            except Exception as exc:  # noqa: BLE001 - counted, reported below
                out["errors"].append(repr(exc))
                continue
            if thread.id != f"thread_{i}":
                out["wrong"].append((i, thread.id))
            out["done"] += 1

    async def phase(client: AsyncAssistantsClient, indices: range) -> None:
        shared = iter(indices)
        async with anyio.create_task_group() as group:
            for _ in range(in_flight):
                group.start_soon(worker, client, shared)

    async def measured(client: AsyncAssistantsClient, indices: range) -> None:
        gc.collect()
        tracemalloc.start()
        try:
            await phase(client, indices)
            gc.collect()
            snapshot = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        stats = snapshot.statistics("lineno")
        out["halves"].append((sum(stat.size for stat in stats),
                              "\n".join(str(stat) for stat in stats[:5])))

    middle = (WARM + requests) // 2
    with anyio.fail_after(DEADLINE):
        async with AsyncAssistantsClient(api_key="sk-test", base_url=base_url, max_retries=0,
                                         timeout=30.0) as client:
            await phase(client, range(WARM))
            await measured(client, range(WARM, middle))
            await measured(client, range(middle, requests))
    return out


def test_async_client_under_load(server: KeepAliveServer) -> None:
    out = anyio.run(load, server.base_url, REQUESTS, IN_FLIGHT)

    assert out["errors"] == []
    assert out["wrong"] == []
    assert out["done"] == REQUESTS == server.requests
    assert 1 <= server.max_open <= IN_FLIGHT  # never more sockets than requests in flight
    assert server.wait_until_closed() == 0  # all released when the client closed
    growth, top = min(out["halves"])
    assert growth < MAX_GROWTH, f"{growth / 1024:.0f} KiB left behind by each half; e.g.\n{top}"


def test_sync_client_reuses_one_connection(server: KeepAliveServer) -> None:
    with AssistantsClient(api_key="sk-test", base_url=server.base_url, max_retries=0,
                          timeout=30.0) as client:
        for i in range(200):
            assert client.get_thread(f"thread_{i}").id == f"thread_{i}"
        assert server.opened == 1 and server.open == 1  # keep-alive
    assert server.wait_until_closed() == 0
