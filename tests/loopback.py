"""A small recording HTTP server on 127.0.0.1 for behaviour tests (stdlib only).

    with LoopbackServer(lambda req: (200, {}, {"ok": True})) as server:
        ...  # send requests to server.base_url
        server.requests  # every request, in arrival order

The server binds to 127.0.0.1 on an ephemeral port, refuses non-loopback peers,
caps request bodies, and shuts down (thread joined, socket closed) on exit.

RawServer answers below HTTP, for what no HTTP library would send (bodies cut short,
lying headers, pauses, garbage):

    with RawServer(lambda conn: conn.send(http_response(200, b"{bad"))) as server:
        ...  # send requests to server.base_url (the origin plus /v1)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
MAX_BODY = 1 << 20  # 1 MiB is far more than any test sends


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    target: str  # the raw request target, e.g. "/v1/threads/a%2Fb?limit=7"
    path: str  # the raw (still percent-encoded) path part of target
    raw_query: str  # the raw query string, "" if none
    query: list[tuple[str, str]]  # decoded pairs in order; repeated keys repeat
    headers: list[tuple[str, str]]  # in order, names as sent
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header `name` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def json(self) -> Any:
        """The body parsed as JSON; None when there is no body."""
        return json.loads(self.body) if self.body else None


Reply = tuple[int, dict[str, str], Any]  # status, extra headers, JSON body (None: no body)
Router = Callable[[Recorded], Reply]


def ok(_request: Recorded) -> Reply:
    """The default router: 200 with an empty JSON object."""
    return 200, {}, {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server  # type: ignore[assignment]

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _handle(self) -> None:
        if self.client_address[0] != HOST:
            self.send_error(403, "loopback only")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413, "body too large")
            return
        recorded = self._record(self.rfile.read(length) if length else b"")
        self.server.owner.record(recorded)
        self._reply(*self.server.owner.answer(recorded))

    def _record(self, body: bytes) -> Recorded:
        parts = urlsplit(self.path)
        return Recorded(
            method=self.command,
            target=self.path,
            path=parts.path,
            raw_query=parts.query,
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=body,
        )

    def _reply(self, status: int, headers: dict[str, str], payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer


class ThreadedServer:
    """A stdlib HTTP server on 127.0.0.1 (ephemeral port) in a daemon thread; a context manager."""

    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer
    handler_class: type[BaseHTTPRequestHandler] = BaseHTTPRequestHandler
    thread_name = "loopback"

    _httpd: Any = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        httpd = self.server_class((HOST, 0), self.handler_class)
        httpd.owner = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server is not running"
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"


class LoopbackServer(ThreadedServer):
    """Records every request and answers it with `router(request)`."""

    def __init__(self, router: Router = ok) -> None:
        self.router = router
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.origin

    def reset(self, router: Router = ok) -> None:
        """Forget recorded requests and answer with `router` from now on."""
        with self._lock:
            self.requests.clear()
            self.router = router

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def answer(self, request: Recorded) -> Reply:
        try:
            return self.router(request)
        except Exception as exc:  # noqa: BLE001 - a broken router must not hang the client
            body = {"error": {"message": f"router failed: {exc!r}"}}
            return 599, {"x-should-retry": "false"}, body


def sequence(*replies: Reply) -> Router:
    """A router answering with `replies` in turn, repeating the last one."""
    queue = list(replies)

    def route(_request: Recorded) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return route


LoopbackServer.server_class = _Server
LoopbackServer.handler_class = _Handler


# ---- a raw socket server, for answers no HTTP library would send --------------------------

Script = Callable[["RawConnection"], None]


class RawConnection:
    """One accepted connection of a RawServer, after its request was read."""

    def __init__(self, sock: socket.socket, request: bytes, stopping: threading.Event) -> None:
        self.sock = sock
        self.request = request  # the raw request: request line, headers and body
        self._stopping = stopping

    @property
    def request_line(self) -> bytes:
        return self.request.split(b"\r\n", 1)[0]

    def send(self, data: bytes) -> bool:
        """Write data now (no Nagle delay); False once the client has gone."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        self._stopping.wait(seconds)


class RawServer:
    """A TCP server on 127.0.0.1 that reads one HTTP request per connection (head, and a body
    of Content-Length bytes), records it, and hands the socket to `script`, which writes
    whatever it likes: partial bodies, pauses, garbage. The connection is closed when the
    script returns. Every wait is bounded: the accept loop and the scripts' pauses end when
    the server stops, and each connection gives up reading after `READ_LIMIT` seconds.
    """

    READ_LIMIT = 10.0

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self._threads = [threading.Thread(target=self._accept, name="raw-accept", daemon=True)]

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def base_url(self) -> str:
        """The origin plus `/v1`, what a client's base_url takes."""
        return f"http://{HOST}:{self.port}/v1"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            request = self._read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            try:
                self.script(RawConnection(conn, request, self.stopping))
            except OSError:
                pass  # the client went away: nothing to answer

    def _read_request(self, conn: socket.socket) -> bytes | None:
        conn.settimeout(0.05)
        deadline = time.monotonic() + self.READ_LIMIT
        data = b""
        while not self.stopping.is_set() and time.monotonic() < deadline:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                if len(body) >= length:
                    conn.settimeout(None)
                    return data
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return None

    def __enter__(self) -> Self:
        self._threads[0].start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5)
        self._listener.close()


def http_response(
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    reason: str = "X",
    content_length: int | None = None,
) -> bytes:
    """Raw HTTP/1.1 response bytes (Connection: close); `content_length` may lie."""
    lines = [f"HTTP/1.1 {status} {reason}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    length = len(body) if content_length is None else content_length
    lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
