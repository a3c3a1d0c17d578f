"""Malformed responses give the package's typed errors, carrying the status and the raw text.

A raw socket server on 127.0.0.1 (tests/loopback.RawServer) sends bytes no HTTP library
would: bodies that are not JSON, HTML error pages, bodies shorter than their Content-Length,
labels that lie, error objects under a 200. Each case runs through the sync and the async
client; the error must be an APIError subclass (never a bare JSONDecodeError, KeyError,
pydantic ValidationError or httpx exception).

What was decided:
- a 2xx body that is not JSON, is empty, is JSON of the wrong shape, is an `{"error": ...}`
  object, or cannot be decoded (Content-Encoding) -> APIResponseValidationError with
  `status_code`, `text` (the raw body; "" when it could not be decoded) and `body` (parsed
  when JSON, else the text);
- the declared content type is not checked for ordinary calls: JSON labelled text/plain is
  parsed (proxies mislabel), and XML labelled application/json is "not JSON";
- a 4xx/5xx with an HTML page -> the status's APIStatusError subclass, `body` = the raw text;
- a body cut short of its Content-Length, or no answer at all -> APIConnectionError (a broken
  connection, retried like one; there is no complete text to carry).
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pydantic
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

from assistants_client import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    AssistantsClient,
    AsyncAssistantsClient,
    InternalServerError,
    NotFoundError,
    models,
)
from assistants_client._runtime import transport as runtime

from tests.loopback import RawConnection, RawServer, http_response

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MODES = ["sync", "async"]
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
JSON = {"Content-Type": "application/json"}
THREAD = {"id": "thread_1", "object": "thread", "created_at": 1700000000,
          "tool_resources": None, "metadata": {}}
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(runtime, "INITIAL_RETRY_DELAY", 0.01)  # retries without the wait


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    with RawServer(nothing) as server:
        yield server


def serve(raw: RawServer, script: Callable[[RawConnection], None]) -> RawServer:
    """Answer every request with `script` from now on; forget earlier requests."""
    raw.script = script
    raw.requests.clear()
    return raw


def answer(data: bytes) -> Callable[[RawConnection], None]:
    def script(conn: RawConnection) -> None:
        conn.send(data)

    return script


def call(mode: str, base_url: str, operation: str = "get_thread", *args: Any,
         retries: int = 0, **kwargs: Any) -> Any:
    """One call with a fresh sync or async client; the result, or the exception raised."""
    config = {"api_key": "sk-test", "base_url": base_url, "max_retries": retries, "timeout": 5.0}
    args = args or ("thread_1",)
    try:
        if mode == "sync":
            with AssistantsClient(**config) as client:
                return getattr(client, operation)(*args, **kwargs)

        async def main() -> Any:
            async with AsyncAssistantsClient(**config) as client:
                return await getattr(client, operation)(*args, **kwargs)

        return anyio.run(main)
    except Exception as exc:  # noqa: BLE001 - the tests look at whatever came out
        return exc


def assert_typed(error: Any) -> None:
    """An APIError of ours; never one of the libraries' exceptions escaping unwrapped."""
    assert isinstance(error, APIError), f"{type(error).__module__}.{type(error).__name__}: {error}"
    assert not isinstance(error, (json.JSONDecodeError, KeyError, pydantic.ValidationError,
                                  httpx.HTTPError))
    assert str(error)  # a message a person can read


AS_TEXT = object()  # the error's `body` is its raw text (the body is not JSON)


@dataclass(frozen=True)
class Case:
    response: bytes
    text: str  # the raw text the error must carry
    says: str  # a piece of the message
    body: Any = AS_TEXT  # the parsed body, when it is JSON


def response_200(body: bytes, content_type: str = "application/json") -> bytes:
    return http_response(200, body, {"Content-Type": content_type})


INVALID_UTF8 = b'{"id": "thread_\xff\xfe"}'
VALIDATION_CASES: dict[str, Case] = {
    "invalid-json": Case(response_200(b'{"id": "thread_1",'), '{"id": "thread_1",', "not JSON"),
    "html-200": Case(response_200(HTML, "text/html"), HTML.decode(), "not JSON"),
    "xml-declared-json": Case(response_200(b"<thread><id>1</id></thread>"),
                              "<thread><id>1</id></thread>", "not JSON"),
    "empty-200": Case(response_200(b""), "", "not JSON"),
    "plain-text-200": Case(response_200(b"OK", "text/plain"), "OK", "not JSON"),
    "error-object-200": Case(
        response_200(b'{"error": {"message": "quota exceeded", "type": "insufficient_quota"}}'),
        '{"error": {"message": "quota exceeded", "type": "insufficient_quota"}}',
        "quota exceeded",
        {"error": {"message": "quota exceeded", "type": "insufficient_quota"}},
    ),
    "list-not-object": Case(response_200(b'[{"id": "thread_1"}]'), '[{"id": "thread_1"}]',
                            "did not match ThreadObject", [{"id": "thread_1"}]),
    "missing-field": Case(
        response_200(json.dumps({k: v for k, v in THREAD.items() if k != "created_at"}).encode()),
        json.dumps({k: v for k, v in THREAD.items() if k != "created_at"}),
        "created_at",
        {k: v for k, v in THREAD.items() if k != "created_at"},
    ),
    "wrong-type": Case(response_200(json.dumps({**THREAD, "created_at": "yesterday"}).encode()),
                       json.dumps({**THREAD, "created_at": "yesterday"}), "created_at",
                       {**THREAD, "created_at": "yesterday"}),
    "json-string": Case(response_200(b'"thread_1"'), '"thread_1"', "did not match", "thread_1"),
    "null": Case(response_200(b"null"), "null", "did not match", None),
    # not UTF-8, so not JSON; `text` has the bytes decoded with replacement characters
    "invalid-utf8": Case(response_200(INVALID_UTF8), INVALID_UTF8.decode("utf-8", "replace"),
                         "not JSON"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(VALIDATION_CASES))
def test_unusable_2xx_body_is_a_response_validation_error(
    raw: RawServer, mode: str, name: str
) -> None:
    case = VALIDATION_CASES[name]
    server = serve(raw, answer(case.response))
    error = call(mode, server.base_url)

    assert_typed(error)
    assert type(error) is APIResponseValidationError
    assert error.status_code == 200
    assert error.text == case.text
    assert error.body == (case.text if case.body is AS_TEXT else case.body)
    assert case.says in str(error)
    assert str(error).startswith("HTTP 200: ")
    assert error.request is not None and error.request.url.path == "/v1/threads/thread_1"
    assert error.response.status_code == 200


@pytest.mark.parametrize("mode", MODES)
def test_error_object_under_200_keeps_the_request_id(raw: RawServer, mode: str) -> None:
    body = b'{"error": {"message": "try later"}}'
    reply = http_response(200, body, {**JSON, "x-request-id": "req_42"})
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url)
    assert isinstance(error, APIResponseValidationError)
    assert error.request_id == "req_42"
    assert "try later" in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_json_labelled_text_plain_is_accepted(raw: RawServer, mode: str) -> None:
    reply = response_200(json.dumps(THREAD).encode(), "text/plain; charset=utf-8")
    server = serve(raw, answer(reply))
    thread = call(mode, server.base_url)
    assert isinstance(thread, models.ThreadObject)
    assert thread.id == "thread_1"


@pytest.mark.parametrize("mode", MODES)
def test_body_that_cannot_be_decoded(raw: RawServer, mode: str) -> None:
    reply = http_response(200, b"this is not gzip", {**JSON, "Content-Encoding": "gzip"})
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url)
    assert_typed(error)
    assert type(error) is APIResponseValidationError
    assert error.status_code == 200 and error.text == ""
    assert "gzip" in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_gzip_that_decodes_is_fine(raw: RawServer, mode: str) -> None:
    # The control for the test above: a real gzip body is decoded and parsed.
    reply = http_response(200, gzip.compress(json.dumps(THREAD).encode()),
                          {**JSON, "Content-Encoding": "gzip"})
    server = serve(raw, answer(reply))
    assert call(mode, server.base_url).id == "thread_1"


@pytest.mark.parametrize("mode", MODES)
def test_error_status_with_a_body_that_cannot_be_decoded(raw: RawServer, mode: str) -> None:
    # The status still decides: a 503 is retried, then raised with no body to show.
    reply = http_response(503, b"not gzip either", {**JSON, "Content-Encoding": "gzip"},
                          reason="Service Unavailable")
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url, retries=1)
    assert_typed(error)
    assert type(error) is InternalServerError
    assert error.status_code == 503 and error.body is None
    assert str(error) == "HTTP 503: Service Unavailable"
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "kind"), [(500, InternalServerError),
                                              (502, InternalServerError), (404, NotFoundError)])
def test_html_error_page_is_the_status_error_with_the_raw_text(
    raw: RawServer, mode: str, status: int, kind: type[APIError]
) -> None:
    reply = http_response(status, HTML, {"Content-Type": "text/html", "x-should-retry": "false"},
                          reason="Bad Gateway")
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url, retries=2)
    requests = len(server.requests)

    assert_typed(error)
    assert type(error) is kind
    assert error.status_code == status
    assert error.body == HTML.decode()
    assert str(error) == f"HTTP {status}: Bad Gateway"
    assert requests == 1  # x-should-retry: false


@pytest.mark.parametrize("mode", MODES)
def test_error_page_in_an_unknown_charset(raw: RawServer, mode: str) -> None:
    reply = http_response(500, b"caf\xe9 ferm\xe9", {"Content-Type": "text/plain; charset=bogus-8",
                                                   "x-should-retry": "false"})
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url)
    assert type(error) is InternalServerError
    assert error.status_code == 500 and "caf" in error.body


@pytest.mark.parametrize("mode", MODES)
def test_list_call_with_an_html_page(raw: RawServer, mode: str) -> None:
    server = serve(raw, answer(response_200(HTML, "text/html")))
    error = call(mode, server.base_url, "list_messages", "thread_1", limit=2)
    assert type(error) is APIResponseValidationError
    assert error.text == HTML.decode()


@pytest.mark.parametrize("mode", MODES)
def test_list_call_with_the_wrong_shape(raw: RawServer, mode: str) -> None:
    body = b'{"object": "list", "data": "nothing", "has_more": false}'
    server = serve(raw, answer(response_200(body)))
    error = call(mode, server.base_url, "list_messages", "thread_1")
    assert type(error) is APIResponseValidationError
    assert "did not match ListMessagesResponse" in str(error)
    assert error.body["data"] == "nothing"


# ---- answers cut short ------------------------------------------------------------------


def truncated(conn: RawConnection) -> None:
    conn.send(http_response(200, b'{"id": "thread_1", "obj', JSON, content_length=400))


def nothing(_conn: RawConnection) -> None:
    pass  # close without a word


def garbage(conn: RawConnection) -> None:
    conn.send(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", [truncated, nothing, garbage], ids=lambda f: f.__name__)
def test_answers_cut_short_are_connection_errors_and_retried(
    raw: RawServer, mode: str, script: Any
) -> None:
    server = serve(raw, script)
    error = call(mode, server.base_url, retries=1)
    requests = len(server.requests)

    assert_typed(error)
    assert type(error) is APIConnectionError
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)
    assert requests == 2  # one retry, like any broken connection


@pytest.mark.parametrize("mode", MODES)
def test_truncated_error_page_is_a_connection_error(raw: RawServer, mode: str) -> None:
    reply = http_response(500, HTML[:20], {"Content-Type": "text/html"}, content_length=len(HTML))
    server = serve(raw, answer(reply))
    error = call(mode, server.base_url)
    assert type(error) is APIConnectionError
