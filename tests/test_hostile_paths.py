"""Path parameters cannot change the request path, whatever the caller passes.

Each hostile value goes through several operations (one, two and three path parameters;
GET, POST and DELETE) to a loopback server that records the raw request line, exactly as
the bytes arrived. The value must show up as ONE percent-encoded segment, in its slot, with
the rest of the line unchanged; the expected encodings are written out by hand here, not
computed with the function the client uses.

Values the client refuses before sending anything (a PathParameterError, which is both the
package's APIError and a ValueError; the server sees no request):
- "" (the segment would vanish: `/threads//messages` or `/threads/`);
- "." and ".." (dot segments: httpx removes them, so `get_assistant("..")` would GET
  `/v1` - and servers and proxies collapse them even when sent as `%2E%2E`);
- None (it would be sent as the text "None").
A value that merely contains dots ("...", "a..b", "../") is one ordinary segment; "%2E%2E"
is sent as `%252E%252E` (its `%` encoded), so no normaliser can read it as a dot segment.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

from assistants_client import (
    APIError,
    AssistantsClient,
    AsyncAssistantsClient,
    NotFoundError,
    PathParameterError,
)

from tests import loopback
from tests.loopback import LoopbackServer, Reply

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

# value -> how it must appear on the request line (written out by hand)
HOSTILE: dict[str, str] = {
    "../": "..%2F",
    "../../admin": "..%2F..%2Fadmin",
    "a/../b": "a%2F..%2Fb",
    "/": "%2F",
    "a/b": "a%2Fb",
    "?": "%3F",
    "x?limit=1": "x%3Flimit%3D1",
    "#": "%23",
    "x#frag": "x%23frag",
    "%2F": "%252F",
    "%2E%2E": "%252E%252E",
    "%": "%25",
    "%zz": "%25zz",
    " ": "%20",
    "a b": "a%20b",
    "é": "%C3%A9",
    "日本": "%E6%97%A5%E6%9C%AC",
    "\r\n": "%0D%0A",
    "a\r\nHost: evil": "a%0D%0AHost%3A%20evil",
    "\\": "%5C",
    ";x=1": "%3Bx%3D1",
    "+&=": "%2B%26%3D",
    "\x00": "%00",
    "...": "...",  # three dots is not a dot segment
    "a..b": "a..b",
    "~_-.": "~_-.",  # unreserved characters stay as they are
}
REFUSED: list[Any] = ["", ".", "..", None]
REFUSED_IDS = ["empty", "dot", "dot-dot", "None"]

# operation -> (path arguments, request line template); {0}, {1}, ... are the slots
OPERATIONS: dict[str, tuple[tuple[str, ...], str, dict[str, Any]]] = {
    "get_assistant": (("asst_1",), "GET /v1/assistants/{0}", {}),
    "delete_thread": (("thread_1",), "DELETE /v1/threads/{0}", {}),
    "get_message": (("thread_1", "msg_2"), "GET /v1/threads/{0}/messages/{1}", {}),
    "create_message": (("thread_1",), "POST /v1/threads/{0}/messages",
                       {"role": "user", "content": "hi"}),
    "get_run_step": (("thread_1", "run_2", "step_3"),
                     "GET /v1/threads/{0}/runs/{1}/steps/{2}", {}),
}
# (operation, slot): every slot of every operation above
SLOTS = [(name, slot) for name, (args, _, _) in OPERATIONS.items() for slot in range(len(args))]
SLOT_IDS = [f"{name}-{slot}" for name, slot in SLOTS]


class RawLineHandler(loopback._Handler):
    """The loopback handler, also keeping the raw request line (bytes, as received)."""

    def _record(self, body: bytes) -> Any:
        self.server.owner.lines.append(self.raw_requestline)  # type: ignore[attr-defined]
        return super()._record(body)


class RawLineServer(LoopbackServer):
    handler_class = RawLineHandler

    def __init__(self) -> None:
        super().__init__(not_found)
        self.lines: list[bytes] = []


def not_found(_request: loopback.Recorded) -> Reply:
    return 404, {"x-should-retry": "false"}, {"error": {"message": "no such object"}}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[RawLineServer]:
    with RawLineServer() as running:
        yield running


@pytest.fixture(scope="module")
def client(server: RawLineServer) -> Iterator[AssistantsClient]:
    with AssistantsClient(api_key="sk-test", base_url=server.base_url + "/v1",
                          max_retries=0, timeout=10.0) as sync_client:
        yield sync_client


def call_sync(client: AssistantsClient, server: RawLineServer, operation: str,
              args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[bytes]:
    """Call once; the raw request lines the server saw for that call (none or one)."""
    server.lines.clear()
    try:
        getattr(client, operation)(*args, **kwargs)
    except NotFoundError:
        pass
    return list(server.lines)


def arguments(operation: str, slot: int, value: Any) -> tuple[Any, ...]:
    args = list(OPERATIONS[operation][0])
    args[slot] = value
    return tuple(args)


def expected_line(operation: str, slot: int, encoded: str) -> bytes:
    args, template, _ = OPERATIONS[operation]
    segments = list(args)
    segments[slot] = encoded
    return (template.format(*segments) + " HTTP/1.1\r\n").encode("ascii")


@pytest.mark.parametrize(("operation", "slot"), SLOTS, ids=SLOT_IDS)
@pytest.mark.parametrize("value", list(HOSTILE), ids=[repr(v) for v in HOSTILE])
def test_value_is_one_encoded_segment_on_the_request_line(
    client: AssistantsClient, server: RawLineServer, operation: str, slot: int, value: str
) -> None:
    kwargs = OPERATIONS[operation][2]
    [line] = call_sync(client, server, operation, arguments(operation, slot, value), kwargs)

    assert line == expected_line(operation, slot, HOSTILE[value])
    # The same, read the way a server routes: split first, then decode each segment.
    target = line.split(b" ")[1].decode("ascii")
    template_segments = OPERATIONS[operation][1].split(" ")[1].split("/")
    segments = target.split("/")
    assert len(segments) == len(template_segments)
    assert unquote(segments[template_segments.index("{" + str(slot) + "}")]) == value


@pytest.mark.parametrize(("operation", "slot"), SLOTS, ids=SLOT_IDS)
@pytest.mark.parametrize("value", REFUSED, ids=REFUSED_IDS)
def test_refused_values_never_reach_the_server(
    client: AssistantsClient, server: RawLineServer, operation: str, slot: int, value: Any
) -> None:
    kwargs = OPERATIONS[operation][2]
    server.lines.clear()
    with pytest.raises(PathParameterError) as caught:
        getattr(client, operation)(*arguments(operation, slot, value), **kwargs)
    assert server.lines == []

    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, APIError)
    assert error.request is None  # nothing was built, let alone sent
    parameter = ("thread_id" if operation in ("delete_thread", "create_message") else
                 {"get_assistant": ["assistant_id"], "get_message": ["thread_id", "message_id"],
                  "get_run_step": ["thread_id", "run_id", "step_id"]}[operation][slot])
    assert repr(parameter) in str(error)


def test_async_client_encodes_and_refuses_the_same_way(server: RawLineServer) -> None:
    async def main() -> tuple[list[bytes], list[BaseException]]:
        lines: list[bytes] = []
        refused: list[BaseException] = []
        async with AsyncAssistantsClient(api_key="sk-test", base_url=server.base_url + "/v1",
                                         max_retries=0, timeout=10.0) as client:
            for value in HOSTILE:
                server.lines.clear()
                with pytest.raises(NotFoundError):
                    await client.get_message("thread_1", value)
                lines += server.lines
            server.lines.clear()
            for value in REFUSED:
                try:
                    await client.get_message(value, "msg_2")
                except PathParameterError as exc:
                    refused.append(exc)
            assert server.lines == []
        return lines, refused

    lines, refused = anyio.run(main)
    assert lines == [expected_line("get_message", 1, encoded) for encoded in HOSTILE.values()]
    assert len(refused) == len(REFUSED)


def test_dot_segments_would_move_the_request_if_they_were_sent() -> None:
    # Why "." and ".." are refused: httpx itself resolves them (RFC 3986 remove_dot_segments).
    import httpx

    with httpx.Client() as raw:
        assert raw.build_request("GET", "http://h/v1/assistants/..").url.raw_path == b"/v1"
        assert raw.build_request("GET", "http://h/v1/threads/../messages/m").url.raw_path == (
            b"/v1/messages/m"
        )
        assert raw.build_request("GET", "http://h/v1/threads/./messages").url.raw_path == (
            b"/v1/threads/messages"
        )
