"""Retries, backoff, timeouts and error mapping, for AssistantsClient and AsyncAssistantsClient.

Everything goes to 127.0.0.1: the recording LoopbackServer for HTTP answers, and a raw
socket server for a peer that accepts a connection and answers late or never. Backoff is
made tiny (INITIAL_RETRY_DELAY) except where a test measures a server-requested delay.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

import assistants_client
from assistants_client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AssistantsClient,
    AsyncAssistantsClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    models,
)
from assistants_client._runtime import errors
from assistants_client._runtime import transport as runtime

from tests.loopback import (
    LoopbackServer,
    RawConnection,
    RawServer,
    Recorded,
    Reply,
    Router,
    http_response,
    sequence,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOST = "127.0.0.1"
MODES = ["sync", "async"]
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000, "tool_resources": None,
          "metadata": {"k": "v"}}


def error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": None}}


# ---- fixtures and helpers -------------------------------------------------------------


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "INITIAL_RETRY_DELAY", 0.01)


class Timed:
    """A router wrapper noting when (time.monotonic, server side) each request arrived."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.arrivals: list[float] = []

    def __call__(self, request: Recorded) -> Reply:
        self.arrivals.append(time.monotonic())
        return self.router(request)

    def gaps(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.arrivals)]


@pytest.fixture
def server(loopback: LoopbackServer) -> LoopbackServer:
    loopback.reset()
    return loopback


def serve(server: LoopbackServer, *replies: Reply) -> Timed:
    timed = Timed(sequence(*replies))
    server.reset(timed)
    return timed


def call(
    mode: str,
    base_url: str,
    operation: str,
    *args: Any,
    client: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Run one client method with a fresh sync or async client (closed afterwards)."""
    config = {"api_key": "sk-test", "base_url": base_url, "max_retries": 2, **(client or {})}
    if mode == "sync":
        with AssistantsClient(**config) as sync_client:
            return getattr(sync_client, operation)(*args, **kwargs)

    async def main() -> Any:
        async with AsyncAssistantsClient(**config) as async_client:
            return await getattr(async_client, operation)(*args, **kwargs)

    return anyio.run(main)


def v1(server: LoopbackServer) -> str:
    return f"{server.base_url}/v1"


# ---- retrying on status codes -----------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_429_then_500_then_200_resends_the_same_request(mode, server, fast_backoff):
    serve(server, (429, {}, error("slow down")), (500, {}, error("oops")), (200, {}, THREAD))
    thread = call(mode, v1(server), "create_thread", metadata={"k": "v"})

    assert isinstance(thread, models.ThreadObject)
    assert thread.id == "thread_1"
    assert len(server.requests) == 3
    assert [r.header("x-retry-count") for r in server.requests] == ["0", "1", "2"]
    first = server.requests[0]
    assert first.body == b'{"metadata":{"k":"v"}}'
    for again in server.requests[1:]:
        assert (again.method, again.target, again.body) == (first.method, first.target, first.body)
        assert again.header("Authorization") == first.header("Authorization") == "Bearer sk-test"
        assert again.header("Content-Type") == "application/json"


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_seconds_is_honoured(mode, server):
    # No fast_backoff: the default backoff (<= 0.5 s) is shorter than what the server asks.
    timed = serve(server, (429, {"Retry-After": "1"}, error("slow down")), (200, {}, THREAD))
    call(mode, v1(server), "get_thread", "thread_1")

    assert len(server.requests) == 2
    [gap] = timed.gaps()
    assert gap >= 1.0


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_ms_is_honoured(mode, server, fast_backoff):
    # fast_backoff alone would wait ~0.01 s; the 50 ms wait must come from the header.
    timed = serve(server, (503, {"retry-after-ms": "50"}, error("busy")), (200, {}, THREAD))
    call(mode, v1(server), "get_thread", "thread_1")

    assert len(server.requests) == 2
    [gap] = timed.gaps()
    assert gap >= 0.05


def test_retry_after_http_date_is_parsed() -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    seconds = runtime._retry_after(httpx.Headers({"retry-after": when}))
    assert seconds is not None and 0 < seconds <= 3
    response = httpx.Response(429, headers={"retry-after": when})
    assert 0 < runtime.retry_delay(1, response) <= 3


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # the finer header wins
        ({"retry-after-ms": "soon", "retry-after": "3"}, 3.0),  # a bad one falls through
        ({"retry-after": "not a date"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers: dict[str, str], expected: float | None) -> None:
    assert runtime._retry_after(httpx.Headers(headers)) == expected


@pytest.mark.parametrize("told", ["-1", "3600"])
def test_out_of_range_retry_after_falls_back_to_backoff(told, monkeypatch):
    monkeypatch.setattr(runtime.random, "random", lambda: 0.0)
    response = httpx.Response(429, headers={"retry-after": told})
    assert runtime.retry_delay(1, response) == runtime.INITIAL_RETRY_DELAY


@pytest.mark.parametrize("mode", MODES)
def test_x_should_retry_false_stops_a_500_retry(mode, server, fast_backoff):
    serve(server, (500, {"x-should-retry": "false"}, error("final")), (200, {}, THREAD))
    with pytest.raises(InternalServerError) as caught:
        call(mode, v1(server), "get_thread", "thread_1", client={"max_retries": 3})
    assert caught.value.status_code == 500
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
def test_x_should_retry_true_retries_a_400(mode, server, fast_backoff):
    serve(server, (400, {"x-should-retry": "true"}, error("try again")), (200, {}, THREAD))
    thread = call(mode, v1(server), "get_thread", "thread_1")
    assert thread.id == "thread_1"
    assert [r.header("x-retry-count") for r in server.requests] == ["0", "1"]


ERRORS = [
    (400, BadRequestError, False),
    (401, AuthenticationError, False),
    (403, PermissionDeniedError, False),
    (404, NotFoundError, False),
    (409, ConflictError, True),
    (422, UnprocessableEntityError, False),
    (429, RateLimitError, True),
    (500, InternalServerError, True),
    (502, InternalServerError, True),
    (418, APIStatusError, False),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("status, kind, retried", ERRORS, ids=[str(e[0]) for e in ERRORS])
def test_error_status_maps_to_exception_with_details(mode, status, kind, retried, server,
                                                     fast_backoff):
    body = error(f"status {status}")
    serve(server, (status, {"x-request-id": f"req_{status}"}, body))
    with pytest.raises(APIStatusError) as caught:
        call(mode, v1(server), "get_thread", "thread_1", client={"max_retries": 2})

    exc = caught.value
    assert type(exc) is kind
    assert exc.status_code == status
    assert exc.body == body
    assert exc.request_id == f"req_{status}"
    assert isinstance(exc.response, httpx.Response)
    assert exc.response.status_code == status
    assert exc.response.headers["x-request-id"] == f"req_{status}"
    assert exc.request is not None and exc.request.url.path == "/v1/threads/thread_1"
    assert f"status {status}" in str(exc)
    assert len(server.requests) == (3 if retried else 1)


@pytest.mark.parametrize("mode", MODES)
def test_409_is_retried_until_it_succeeds(mode, server, fast_backoff):
    serve(server, (409, {}, error("busy")), (200, {}, THREAD))
    assert call(mode, v1(server), "get_thread", "thread_1").id == "thread_1"
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_exhausting_retries_on_503_raises_internal_server_error(mode, server, fast_backoff):
    serve(server, (503, {}, error("unavailable")))
    with pytest.raises(InternalServerError) as caught:
        call(mode, v1(server), "get_thread", "thread_1", client={"max_retries": 3})
    assert caught.value.status_code == 503
    assert len(server.requests) == 3 + 1
    assert [r.header("x-retry-count") for r in server.requests] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("client_retries, call_retries, requests", [(3, 0, 1), (0, 2, 3)])
def test_per_call_max_retries_overrides_the_client(mode, client_retries, call_retries, requests,
                                                   server, fast_backoff):
    serve(server, (503, {}, error("unavailable")))
    with pytest.raises(InternalServerError):
        call(mode, v1(server), "get_thread", "thread_1",
             client={"max_retries": client_retries}, max_retries=call_retries)
    assert len(server.requests) == requests


# ---- backoff ------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(runtime.random, "random", lambda: 0.0)  # no jitter: the base itself
    delays = [runtime.retry_delay(attempt, None) for attempt in range(1, 12)]
    assert delays[0] == runtime.INITIAL_RETRY_DELAY
    for before, after in itertools.pairwise(delays):
        assert after == min(2 * before, runtime.MAX_RETRY_DELAY)
    assert delays[-1] == runtime.MAX_RETRY_DELAY
    assert max(delays) == runtime.MAX_RETRY_DELAY


@pytest.mark.parametrize("jitter", [0.0, 0.5, 0.999999])
def test_backoff_jitter_stays_within_three_quarters_and_the_base(jitter, monkeypatch):
    monkeypatch.setattr(runtime.random, "random", lambda: jitter)
    for attempt in range(1, 64):
        base = min(runtime.INITIAL_RETRY_DELAY * 2 ** (attempt - 1), runtime.MAX_RETRY_DELAY)
        delay = runtime.retry_delay(attempt, None)
        assert 0.75 * base <= delay <= base
        assert delay <= runtime.MAX_RETRY_DELAY


def test_backoff_with_real_jitter_is_bounded() -> None:
    for attempt in range(1, 64):
        base = min(runtime.INITIAL_RETRY_DELAY * 2 ** (attempt - 1), runtime.MAX_RETRY_DELAY)
        for _ in range(50):
            assert 0.75 * base <= runtime.retry_delay(attempt, None) <= base


def test_backoff_stays_capped_for_large_attempt_numbers() -> None:
    for attempt in (64, 1024, 1025, 2000, 10**6):
        assert 0 < runtime.retry_delay(attempt, None) <= runtime.MAX_RETRY_DELAY


# ---- connection failures and timeouts ---------------------------------------------------


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", MODES)
def test_connection_refused_raises_api_connection_error(mode, fast_backoff, caplog):
    caplog.set_level(logging.INFO, logger=runtime.__name__)
    with pytest.raises(APIConnectionError) as caught:
        call(mode, f"http://{HOST}:{closed_port()}/v1", "get_thread", "thread_1",
             client={"max_retries": 1})

    assert type(caught.value) is APIConnectionError  # not the APITimeoutError subclass
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.request is not None
    retried = [r for r in caplog.records if r.getMessage().startswith("retrying GET")]
    assert len(retried) == 1  # max_retries=1: one retry, then the error


def slow_server(delay: float | None) -> RawServer:
    """A raw server that answers each request after `delay` seconds (None: never, until it stops)."""
    body = httpx.Response(200, json=THREAD).content

    def answer(conn: RawConnection) -> None:
        conn.pause(RawServer.READ_LIMIT if delay is None else delay)
        if delay is not None:
            conn.send(http_response(200, body, {"Content-Type": "application/json"}, reason="OK"))

    return RawServer(answer)


def header_of(raw: bytes, name: str) -> str | None:
    for line in raw.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


@pytest.mark.parametrize("mode", MODES)
def test_hung_server_times_out_with_api_timeout_error(mode, fast_backoff):
    with slow_server(delay=None) as slow:
        with pytest.raises(APITimeoutError) as caught:
            call(mode, slow.base_url, "get_thread", "thread_1",
                 client={"timeout": 0.3, "max_retries": 1})
        requests = list(slow.requests)

    assert isinstance(caught.value, APIConnectionError)
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)
    assert [header_of(raw, "x-retry-count") for raw in requests] == ["0", "1"]


@pytest.mark.parametrize("mode", MODES)
def test_per_call_timeout_shorter_than_the_client_default(mode):
    # The server answers after 0.8 s: within the client's 30 s, but not the call's 0.3 s.
    with slow_server(delay=0.8) as slow, pytest.raises(APITimeoutError):
        call(mode, slow.base_url, "get_thread", "thread_1",
             client={"timeout": 30.0, "max_retries": 0}, timeout=0.3)


@pytest.mark.parametrize("mode", MODES)
def test_per_call_timeout_longer_than_the_client_default(mode):
    # The server answers after 0.8 s: too late for the client's 0.3 s, fine for the call's 10 s.
    with slow_server(delay=0.8) as slow:
        thread = call(mode, slow.base_url, "get_thread", "thread_1",
                      client={"timeout": 0.3, "max_retries": 0}, timeout=10.0)
    assert thread.id == "thread_1"


@pytest.mark.parametrize("mode", MODES)
def test_slow_server_times_out_under_the_client_default(mode):
    # The control for the two tests above: without a per-call timeout, 0.3 s applies.
    with slow_server(delay=0.8) as slow, pytest.raises(APITimeoutError):
        call(mode, slow.base_url, "get_thread", "thread_1",
             client={"timeout": 0.3, "max_retries": 0})


def test_error_classes_are_exported() -> None:
    for name in ("APIConnectionError", "APITimeoutError", "InternalServerError", "StreamError"):
        assert getattr(assistants_client, name) is getattr(errors, name)

