"""Every media type on the wire: the `media_types` golden package against a loopback server.

Bodies: raw bytes, seekable and one-shot files, iterators (sync and async), a wildcard type the
caller names, plain text, JSON or a form by choice, no body for an empty schema, multipart with
per-part types and without a file. Results: bytes and their streaming twin, text, JSON or None
(204), JSON lines and their twin, event streams (typed and raw), JSON chosen over CSV.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import json
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests import loopback
from tests.golden_support import install_case
from tests.loopback import HOST, LoopbackServer, Recorded

GOLDEN = Path(__file__).resolve().parent / "golden" / "media_types" / "expected"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
PHOTO = bytes(range(256)) * 300  # 76,800 bytes: more than one chunk of a streamed file


class _Handler(loopback._Handler):
    """Reads chunked request bodies too, and sends `bytes` payloads as they are."""

    def _handle(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            super()._handle()
            return
        body = b""
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()  # the empty line after the last chunk
        recorded = self._record(body)
        self.server.owner.record(recorded)
        self._reply(*self.server.owner.answer(recorded))

    def _reply(self, status: int, headers: dict[str, str], payload: Any) -> None:
        if not isinstance(payload, bytes):
            super()._reply(status, headers, payload)
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class Server(LoopbackServer):
    def start(self) -> Server:
        import threading

        httpd = loopback._Server((HOST, 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="loopback", daemon=True)
        self._thread.start()
        return self


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("media")
    install_case(GOLDEN, root / "zm_media")
    sys.path.insert(0, str(root))
    import zm_media.client

    yield zm_media.client
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("zm_media")]:
        del sys.modules[name]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    with Server() as srv:
        yield srv


def client(package: ModuleType, server: Server, asynchronous: bool = False, retries: int = 0) -> Any:
    cls = package.AsyncZooClient if asynchronous else package.ZooClient
    return cls(base_url=server.base_url + "/v1", max_retries=retries)


def only(server: Server) -> Recorded:
    assert len(server.requests) == 1, server.requests
    return server.requests[0]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---- raw bodies --------------------------------------------------------------------------


def test_bytes_go_as_they_are(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (204, {}, None))
    with client(package, server) as api:
        assert api.upload_photo("p1", body=PHOTO) is None
    seen = only(server)
    assert (seen.method, seen.path) == ("PUT", "/v1/photos/p1/raw")
    assert seen.header("Content-Type") == "application/octet-stream"
    assert seen.header("Content-Length") == str(len(PHOTO)) and seen.body == PHOTO


def test_a_seekable_file_is_streamed_from_where_it_stands_and_again_on_a_retry(package: ModuleType,
                                                                               server: Server) -> None:
    answers = iter([(503, {}, {"error": {"message": "busy"}}), (204, {}, None)])
    server.reset(lambda r: next(answers))
    file = io.BytesIO(b"HEAD" + PHOTO)
    file.seek(4)
    with client(package, server, retries=1) as api:
        api.upload_photo("p1", body=file)
    assert [r.body for r in server.requests] == [PHOTO, PHOTO]
    assert all(r.header("Content-Length") == str(len(PHOTO)) for r in server.requests)
    assert all(r.header("Transfer-Encoding") is None for r in server.requests)


def test_an_iterator_is_streamed_once_and_not_retried(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (503, {}, {"error": {"message": "busy"}}))
    runtime = sys.modules["zm_media._runtime.errors"]
    with client(package, server, retries=3) as api, pytest.raises(runtime.InternalServerError):
        api.upload_photo("p1", body=(PHOTO[i:i + 1000] for i in range(0, len(PHOTO), 1000)))
    seen = only(server)  # a one-shot body cannot be sent again
    assert seen.header("Transfer-Encoding") == "chunked" and seen.body == PHOTO


def test_async_bodies_bytes_files_and_iterators(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (204, {}, None))

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(PHOTO), 5000):
            yield PHOTO[i:i + 5000]

    async def calls() -> None:
        async with client(package, server, asynchronous=True) as api:
            await api.upload_photo("a", body=PHOTO)
            await api.upload_photo("b", body=io.BytesIO(PHOTO))
            await api.upload_photo("c", body=chunks())
            await api.upload_photo("d", body=iter([PHOTO[:10], PHOTO[10:]]))

    run(calls())
    assert [(r.path, r.body == PHOTO) for r in server.requests] == [
        ("/v1/photos/a/raw", True), ("/v1/photos/b/raw", True), ("/v1/photos/c/raw", True),
        ("/v1/photos/d/raw", True)]
    assert server.requests[1].header("Content-Length") == str(len(PHOTO))


def test_a_wildcard_type_is_named_by_the_caller(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (201, {}, {"id": "j1", "status": "queued"}))
    with client(package, server) as api:
        job = api.submit_scan(body=b"\x89PNG...", content_type="image/png")
        api.submit_scan(body=b"raw")
    assert job.id == "j1"
    assert [r.header("Content-Type") for r in server.requests] == ["image/png", "application/octet-stream"]


def test_text_goes_as_utf8_and_comes_back_as_str(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (200, {"Content-Type": "text/plain; charset=utf-8"}, r.body))
    with client(package, server) as api:
        note = api.add_note(body="Feed the crocodile — at noon.")
    assert note == "Feed the crocodile — at noon."
    seen = only(server)
    assert seen.header("Content-Type") == "text/plain; charset=utf-8"
    assert seen.body == "Feed the crocodile — at noon.".encode()


# ---- property bodies -------------------------------------------------------------------


def test_json_by_default_a_form_by_choice_and_204_is_none(package: ModuleType, server: Server) -> None:
    answers = iter([(200, {}, {"id": "l1", "name": "red"}), (204, {}, None)])
    server.reset(lambda r: next(answers))
    with client(package, server) as api:
        label = api.create_label(name="red", color="#f00")
        again = api.create_label(name="red", content_type="application/x-www-form-urlencoded")
    assert label.name == "red" and again is None
    first, second = server.requests
    assert first.header("Content-Type") == "application/json" and first.json() == {"name": "red", "color": "#f00"}
    assert (second.header("Content-Type") or "").startswith("application/x-www-form-urlencoded")
    assert parse_qsl(second.body.decode()) == [("name", "red")]


def test_an_empty_form_schema_is_no_body(package: ModuleType, server: Server) -> None:
    import inspect

    server.reset(lambda r: (200, {}, [{"id": "l1", "name": "red"}]))
    with client(package, server) as api:
        labels = api.search_labels()
        params = [p for p in inspect.signature(api.search_labels).parameters if not p.startswith(("extra", "t", "m"))]
    assert [label.id for label in labels] == ["l1"] and params == []
    seen = only(server)
    assert seen.body == b"" and seen.header("Content-Type") is None


def _parts(seen: Recorded) -> list[tuple[str | None, str | None, str, bytes]]:
    """(name, file name, content type, bytes) of each part of a multipart body."""
    message = email.message_from_bytes(
        f"Content-Type: {seen.header('Content-Type')}\r\n\r\n".encode() + seen.body, policy=email.policy.HTTP)
    assert message.is_multipart()
    return [(part.get_param("name", header="content-disposition"), part.get_filename(),
             part.get("Content-Type", ""), part.get_payload(decode=True)) for part in message.iter_parts()]


def test_multipart_parts_take_the_types_the_encoding_gives(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (201, {}, {"id": "j2", "status": "done"}))
    with client(package, server) as api:
        api.upload_document(file=b"%PDF-1.7", metadata={"title": "Lions", "pages": 3}, tags=["big", "cats"])
    parts = _parts(only(server))
    assert parts[0] == ("metadata", None, "application/json", b'{"title": "Lions", "pages": 3}')
    assert [p[3] for p in parts if p[0] == "tags"] == [b"big", b"cats"]
    assert ("file", "upload", "application/pdf", b"%PDF-1.7") in parts


def test_multipart_without_a_file_is_still_multipart(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (204, {}, None))
    with client(package, server) as api:
        api.tag_documents(name="zoo", count=2)
    seen = only(server)
    assert (seen.header("Content-Type") or "").startswith("multipart/form-data; boundary=")
    assert [(p[0], p[3]) for p in _parts(seen)] == [("name", b"zoo"), ("count", b"2")]


# ---- results -----------------------------------------------------------------------------


def test_bytes_whole_or_as_they_arrive(package: ModuleType, server: Server, tmp_path: Path) -> None:
    server.reset(lambda r: (200, {"Content-Type": "image/png"}, PHOTO))
    with client(package, server) as api:
        assert api.download_photo("p1") == PHOTO
        with api.download_photo_stream("p1") as stream:
            assert stream.content_type == "image/png"
            assert b"".join(stream.iter_bytes(1024)) == PHOTO
        assert api.download_photo_stream("p1").write_to(tmp_path / "p.png") == len(PHOTO)
    assert (tmp_path / "p.png").read_bytes() == PHOTO

    async def calls() -> bytes:
        async with client(package, server, asynchronous=True) as api:
            await (await api.download_photo_stream("p1")).write_to(tmp_path / "q.png")
            async with await api.download_photo_stream("p1") as stream:
                return b"".join([chunk async for chunk in stream])

    assert run(calls()) == PHOTO and (tmp_path / "q.png").read_bytes() == PHOTO


LINES = b'{"type": "fed", "at": 1}\n\n{"type": "slept", "at": 2}\n'


def test_json_lines_as_a_list_or_as_they_arrive(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (200, {"Content-Type": "application/x-ndjson"}, LINES))
    with client(package, server) as api:
        assert [e.type for e in api.export_events()] == ["fed", "slept"]
        with api.export_events_stream() as lines:
            assert [(e.type, e.at) for e in lines] == [("fed", 1), ("slept", 2)]

    async def calls() -> list[int]:
        async with client(package, server, asynchronous=True) as api:
            return [e.at async for e in await api.export_events_stream()]

    assert run(calls()) == [1, 2]


def test_a_bad_json_line_is_a_validation_error(package: ModuleType, server: Server) -> None:
    runtime = sys.modules["zm_media._runtime.errors"]
    server.reset(lambda r: (200, {"Content-Type": "application/x-ndjson"}, b'{"type": "fed", "at": 1}\n{"at": 2}\n'))
    with client(package, server) as api, pytest.raises(runtime.APIResponseValidationError):
        list(api.export_events_stream())


EVENTS = b'data: {"type": "fed", "at": 1}\n\nevent: note\ndata: {"type": "slept", "at": 2}\n\n'


def test_an_event_stream_only_operation_always_streams(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (200, {"Content-Type": "text/event-stream"}, EVENTS))
    with client(package, server) as api:
        with api.watch_events() as events:
            assert [(e.type, e.at) for e in events] == [("fed", 1), ("slept", 2)]
        with api.watch_raw_events() as raw:
            assert [(e.event, json.loads(e.data)["at"]) for e in raw] == [(None, 1), ("note", 2)]
    assert [r.header("Accept") for r in server.requests] == ["text/event-stream"] * 2


def test_json_is_chosen_over_csv(package: ModuleType, server: Server) -> None:
    server.reset(lambda r: (200, {}, {"rows": 3}))
    with client(package, server) as api:
        assert api.get_report("r1").rows == 3
