"""Loopback keep-alive HTTP server for the runtime benchmark (stdlib only, its own process).

    python bench/server.py            # prints "PORT <n>" on stdout once it listens

Serves `GET /v1/threads/{thread_id}/messages?limit=N` with a list of N valid
MessageObjects (bodies built once, by `messages.list_body`) over HTTP/1.1 keep-alive
on 127.0.0.1. Each response goes out in one write (status line, headers and body),
so Nagle's algorithm and delayed ACKs cannot add latency. It runs in a separate
process from the client so the two do not share a GIL. It stops when its stdin closes
(the benchmark holds the other end) or on SIGTERM.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from messages import list_body

HOST = "127.0.0.1"
MAX_LIMIT = 100


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    bodies: ClassVar[dict[int, bytes]] = {}

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        segments = parts.path.split("/")
        # /v1/threads/{id}/messages -> ["", "v1", "threads", id, "messages"]
        if len(segments) != 5 or segments[1:3] != ["v1", "threads"] or segments[4] != "messages":
            self._send(404, b'{"error": {"message": "not found"}}')
            return
        query = dict(parse_qsl(parts.query))
        try:
            limit = max(1, min(MAX_LIMIT, int(query.get("limit", "20"))))
        except ValueError:
            limit = 20
        body = self.bodies.get(limit)
        if body is None:
            body = self.bodies[limit] = list_body(limit)
        self._send(200, body)

    def _send(self, status: int, body: bytes) -> None:
        head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "x-request-id: req_bench\r\n"
                "\r\n").encode("ascii")
        self.wfile.write(head + body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the load section opens 50 connections at once (default backlog: 5)


def main() -> None:
    for limit in (1, 20, 100):
        _Handler.bodies[limit] = list_body(limit)
    httpd = _Server((HOST, 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    print(f"PORT {httpd.server_address[1]}", flush=True)
    try:
        sys.stdin.read()  # returns when the benchmark closes our stdin (or exits)
    except KeyboardInterrupt:
        pass
    httpd.shutdown()
    httpd.server_close()


if __name__ == "__main__":
    main()
