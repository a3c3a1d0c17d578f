"""Client configuration and per-call options of the generated clients, against the fake API.

Constructor arguments and their environment defaults, headers (organization, project,
default_headers), user-supplied httpx clients and who closes what, per-call extras,
secrecy of the API key (repr, errors, DEBUG logs), forward compatibility of responses,
and the wire form of arguments (omitted vs None, models vs dicts).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import httpx
import pytest

try:
    from .fake_assistants import FakeAssistants
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from fake_assistants import FakeAssistants

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

T = TypeVar("T")

KEY = "sk-test-config-7d3a91e4b2c8f605"
WRONG_KEY = "sk-test-wrong-0b8e55d1a9c3e7f2"
UNUSED_URL = "http://127.0.0.1:9/v1"  # the discard port: nothing should ever be sent here
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
ENV_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
PARAMETERS = {"type": "object", "properties": {"location": {"type": "string"}}}


# ---- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ac(generated_on_path: Path) -> ModuleType:
    """The generated package, imported from generated/."""
    return importlib.import_module("assistants_client")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS + ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeAssistants]:
    with FakeAssistants(api_key=KEY) as server:
        yield server


@pytest.fixture
def client(ac: ModuleType, fake: FakeAssistants) -> Iterator[Any]:
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10) as c:
        yield c


def arun(make: Callable[[], Awaitable[T]], limit: float = 30.0) -> T:
    """Run a coroutine to completion on a fresh event loop, bounded in time."""

    async def bounded() -> T:
        return await asyncio.wait_for(make(), limit)

    return asyncio.run(bounded())


def header_values(request: Any, name: str) -> list[str]:
    return [v for k, v in request.headers if k.lower() == name.lower()]


# ---- api key and base url ---------------------------------------------------------------


def test_missing_api_key_is_a_clear_error_when_a_call_needs_it(
    ac: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client is built without a key (public operations of other APIs work so); a call
    that needs one raises before anything is sent, naming the scheme, argument and variable."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for key in (None, ""):
        with (
            ac.AssistantsClient(api_key=key, base_url=UNUSED_URL, max_retries=0) as client,
            pytest.raises(ac.CredentialsError) as caught,
        ):
            client.list_assistants()
        message = str(caught.value)
        assert "'ApiKeyAuth'" in message and "api_key=" in message and "OPENAI_API_KEY" in message
        assert message.startswith("GET /assistants needs credentials")
        assert isinstance(caught.value, ac.APIError)

    async def go() -> BaseException:
        async with ac.AsyncAssistantsClient(base_url=UNUSED_URL, max_retries=0) as client:
            with pytest.raises(ac.CredentialsError) as async_caught:
                await client.get_thread("thread_1")
            return async_caught.value

    assert "AsyncAssistantsClient(...)" in str(arun(go))


def test_env_api_key_and_base_url_are_used(
    ac: ModuleType, fake: FakeAssistants, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url + "/")  # a trailing slash is fine
    with ac.AssistantsClient(max_retries=0) as client:
        assert client.base_url == fake.base_url
        thread = client.create_thread()

    async def go() -> Any:
        async with ac.AsyncAssistantsClient(max_retries=0) as client:
            assert client.base_url == fake.base_url
            return await client.get_thread(thread.id)

    assert arun(go).id == thread.id
    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/v1/threads"),
        ("GET", f"/v1/threads/{thread.id}"),
    ]
    assert all(r.header("Authorization") == f"Bearer {KEY}" for r in fake.requests)


def test_explicit_arguments_win_over_env(
    ac: ModuleType, fake: FakeAssistants, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", WRONG_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", UNUSED_URL)
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0) as client:
        assert client.base_url == fake.base_url
        thread = client.create_thread()

    async def go() -> Any:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=0
        ) as client:
            return await client.get_thread(thread.id)

    assert arun(go).id == thread.id
    assert len(fake.requests) == 2
    assert all(r.header("Authorization") == f"Bearer {KEY}" for r in fake.requests)


def test_default_base_url(ac: ModuleType) -> None:
    with ac.AssistantsClient(api_key=KEY) as client:
        assert client.base_url == "https://api.openai.com/v1"  # no request is made


# ---- headers -----------------------------------------------------------------------------


def test_organization_and_project_headers_only_when_set(
    ac: ModuleType, fake: FakeAssistants
) -> None:
    with ac.AssistantsClient(
        api_key=KEY, base_url=fake.base_url, organization="org-123", project="proj_456"
    ) as client:
        client.create_thread()
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url) as client:
        client.create_thread()

    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, organization="org-123", project="proj_456"
        ) as client:
            await client.create_thread()
        async with ac.AsyncAssistantsClient(api_key=KEY, base_url=fake.base_url) as client:
            await client.create_thread()

    arun(go)
    with_ids, without, async_with_ids, async_without = fake.requests
    for request in (with_ids, async_with_ids):
        assert header_values(request, "OpenAI-Organization") == ["org-123"]
        assert header_values(request, "OpenAI-Project") == ["proj_456"]
    for request in (without, async_without):
        assert header_values(request, "OpenAI-Organization") == []
        assert header_values(request, "OpenAI-Project") == []


def test_default_headers_on_every_call_and_can_override(
    ac: ModuleType, fake: FakeAssistants
) -> None:
    headers = {"X-Team": "weather", "OpenAI-Beta": "assistants=v2, experiments=1"}
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, default_headers=headers) as c:
        thread = c.create_thread()
        c.create_message(thread.id, role="user", content="hi")
        list(c.list_messages(thread.id))

    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, default_headers=headers
        ) as client:
            await client.get_thread(thread.id)

    arun(go)
    assert len(fake.requests) == 4
    for request in fake.requests:
        assert header_values(request, "X-Team") == ["weather"]
        assert header_values(request, "OpenAI-Beta") == ["assistants=v2, experiments=1"]
        assert header_values(request, "Authorization") == [f"Bearer {KEY}"]


def test_default_headers_override_is_case_insensitive(ac: ModuleType, fake: FakeAssistants) -> None:
    with ac.AssistantsClient(
        api_key=KEY, base_url=fake.base_url, default_headers={"openai-beta": "assistants=v2, x=1"}
    ) as client:
        client.create_thread()
    assert header_values(fake.requests[0], "OpenAI-Beta") == ["assistants=v2, x=1"]


def test_extra_headers_override_is_case_insensitive(ac: ModuleType, fake: FakeAssistants) -> None:
    with ac.AssistantsClient(api_key=WRONG_KEY, base_url=fake.base_url, max_retries=0) as client:
        try:
            client.create_thread(extra_headers={"authorization": f"Bearer {KEY}"})
        except ac.AuthenticationError:
            pass  # the fake reads the first Authorization line: the client's own key
    assert header_values(fake.requests[0], "Authorization") == [f"Bearer {KEY}"]


def test_beta_header_cannot_be_dropped_silently(ac: ModuleType, fake: FakeAssistants) -> None:
    """Overriding the beta header with a wrong value reaches the server, which says why."""
    with (
        ac.AssistantsClient(
            api_key=KEY,
            base_url=fake.base_url,
            max_retries=0,
            default_headers={"OpenAI-Beta": "assistants=v1"},
        ) as client,
        pytest.raises(ac.BadRequestError, match="OpenAI-Beta"),
    ):
        client.create_thread()


# ---- user-supplied http clients -------------------------------------------------------------


def test_user_http_client_is_used_and_not_closed_sync(ac: ModuleType, fake: FakeAssistants) -> None:
    seen: list[tuple[str, str]] = []
    http = httpx.Client(
        event_hooks={"request": [lambda r: seen.append((r.method, str(r.url)))]},
        trust_env=False,
    )
    try:
        client = ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, http_client=http)
        thread = client.create_thread()
        client.close()
        assert not http.is_closed
        with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, http_client=http) as again:
            assert again.get_thread(thread.id).id == thread.id
        assert not http.is_closed
        assert seen == [
            ("POST", f"{fake.base_url}/threads"),
            ("GET", f"{fake.base_url}/threads/{thread.id}"),
        ]
        assert http.get(f"{fake.base_url}/threads/{thread.id}").status_code == 401  # still open
    finally:
        http.close()

    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url) as own:
        own.create_thread()
        inner = own._transport.http
        assert isinstance(inner, httpx.Client) and inner is not http
        assert not inner.is_closed
    assert inner.is_closed


def test_user_http_client_is_used_and_not_closed_async(
    ac: ModuleType, fake: FakeAssistants
) -> None:
    seen: list[tuple[str, str]] = []

    async def hook(request: httpx.Request) -> None:
        seen.append((request.method, str(request.url)))

    async def go() -> None:
        http = httpx.AsyncClient(event_hooks={"request": [hook]}, trust_env=False)
        try:
            client = ac.AsyncAssistantsClient(api_key=KEY, base_url=fake.base_url, http_client=http)
            thread = await client.create_thread()
            await client.close()
            assert not http.is_closed
            async with ac.AsyncAssistantsClient(
                api_key=KEY, base_url=fake.base_url, http_client=http
            ) as again:
                assert (await again.get_thread(thread.id)).id == thread.id
            assert not http.is_closed
            assert seen == [
                ("POST", f"{fake.base_url}/threads"),
                ("GET", f"{fake.base_url}/threads/{thread.id}"),
            ]
            response = await http.get(f"{fake.base_url}/threads/{thread.id}")
            assert response.status_code == 401  # still open
        finally:
            await http.aclose()

        async with ac.AsyncAssistantsClient(api_key=KEY, base_url=fake.base_url) as own:
            await own.create_thread()
            inner = own._transport.http
            assert isinstance(inner, httpx.AsyncClient)
            assert not inner.is_closed
        assert inner.is_closed

    arun(go)


# ---- per-call options ----------------------------------------------------------------------


def check_extras(fake: FakeAssistants, thread_id: str, message: Any) -> None:
    create, plain, listing = fake.requests[-3:]
    assert header_values(create, "X-Trace-Id") == ["trace-1"]
    assert create.query == [("debug", "true"), ("tag", "a"), ("tag", "b")]
    assert create.json() == {
        "role": "user",
        "content": "hi",
        "metadata": {"source": "extra_body"},
        "x_experimental": True,
    }
    assert message.metadata == {"source": "extra_body"}  # the server acted on the merged body
    # Per-call options do not stick to the client.
    assert header_values(plain, "X-Trace-Id") == []
    assert plain.query == [] and plain.json() == {"role": "user", "content": "again"}
    assert listing.query == [("limit", "1"), ("order", "asc"), ("page_hint", "x")]
    assert header_values(listing, "X-Trace-Id") == ["trace-2"]


def test_per_call_extras_reach_the_server_sync(client: Any, fake: FakeAssistants) -> None:
    thread = client.create_thread()
    message = client.create_message(
        thread.id,
        role="user",
        content="hi",
        extra_headers={"X-Trace-Id": "trace-1"},
        extra_query={"debug": True, "tag": ["a", "b"]},
        extra_body={"metadata": {"source": "extra_body"}, "x_experimental": True},
        timeout=5.0,
        max_retries=1,
    )
    client.create_message(thread.id, role="user", content="again")
    page = client.list_messages(
        thread.id,
        limit=1,
        order="asc",
        extra_query={"page_hint": "x"},
        extra_headers={"X-Trace-Id": "trace-2"},
        timeout=httpx.Timeout(5.0),
        max_retries=0,
    )
    assert [m.id for m in page.data] == [message.id]
    check_extras(fake, thread.id, message)


def test_extra_query_replaces_a_documented_parameter_and_yields_to_the_cursor(
    client: Any, fake: FakeAssistants
) -> None:
    """`extra_query` replaces a parameter of the same name (it used to repeat it: `limit=5&limit=1`).
    On later pages the cursor wins: an `after` given there used to be sent beside every new
    cursor, and a server that reads the last value would serve the same page forever."""
    thread = client.create_thread()
    ids = [client.create_message(thread.id, role="user", content=str(i)).id for i in range(3)]
    page = client.list_messages(
        thread.id, limit=5, order="asc", extra_query={"limit": 1, "after": ids[0], "hint": "x"}
    )
    assert [m.id for m in page.data] == [ids[1]]
    assert [m.id for m in page.auto_paging_iter()] == ids[1:]
    first, second = fake.requests[-2:]
    assert first.query == [("order", "asc"), ("limit", "1"), ("after", ids[0]), ("hint", "x")]
    assert second.query == [("order", "asc"), ("after", ids[1]), ("limit", "1"), ("hint", "x")]


def test_list_arguments_may_be_any_sequence(ac: ModuleType, client: Any, fake: FakeAssistants) -> None:
    """List arguments are typed `SequenceNotStr[...]`: a tuple (or any sequence) is sent as a list."""
    from assistants_client.models import AssistantToolsCode

    tools = (AssistantToolsCode(type="code_interpreter"), {"type": "file_search"})
    assistant = client.create_assistant(model="gpt-4o", tools=tools)
    thread = client.create_thread(messages=({"role": "user", "content": "hi"},))
    step_include = ("step_details.tool_calls[*].file_search.results[*].content",)
    created_assistant, created_thread = fake.requests[-2:]
    assert created_assistant.json()["tools"] == [{"type": "code_interpreter"}, {"type": "file_search"}]
    assert [t.type for t in assistant.tools] == ["code_interpreter", "file_search"]
    assert created_thread.json() == {"messages": [{"role": "user", "content": "hi"}]}
    request = ac.operations.list_run_steps(thread.id, "run_x", include=step_include)
    assert request.query_params() == [("include[]", step_include[0])]


def test_per_call_extras_reach_the_server_async(ac: ModuleType, fake: FakeAssistants) -> None:
    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=0
        ) as client:
            thread = await client.create_thread()
            message = await client.create_message(
                thread.id,
                role="user",
                content="hi",
                extra_headers={"X-Trace-Id": "trace-1"},
                extra_query={"debug": True, "tag": ["a", "b"]},
                extra_body={"metadata": {"source": "extra_body"}, "x_experimental": True},
                timeout=5.0,
                max_retries=1,
            )
            await client.create_message(thread.id, role="user", content="again")
            page = await client.list_messages(
                thread.id,
                limit=1,
                order="asc",
                extra_query={"page_hint": "x"},
                extra_headers={"X-Trace-Id": "trace-2"},
                timeout=httpx.Timeout(5.0),
                max_retries=0,
            )
            assert [m.id for m in page.data] == [message.id]
            check_extras(fake, thread.id, message)

    arun(go)


def test_extra_body_reaches_a_streamed_call(client: Any, fake: FakeAssistants) -> None:
    assistant = client.create_assistant(model="gpt-4o")
    thread = client.create_thread()
    with client.create_run(
        thread.id,
        assistant_id=assistant.id,
        stream=True,
        extra_body={"metadata": {"via": "extra_body"}},
        extra_headers={"X-Trace-Id": "s1"},
    ) as stream:
        events = list(stream)
    assert events[0].data.metadata == {"via": "extra_body"}
    request = fake.requests[-1]
    assert request.json() == {
        "assistant_id": assistant.id,
        "stream": True,
        "metadata": {"via": "extra_body"},
    }
    assert header_values(request, "X-Trace-Id") == ["s1"]


FAIL_FAST = {"retry-after-ms": "1"}  # retries without the backoff sleep
SERVER_ERROR = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}


def test_per_call_max_retries_and_timeout_take_effect_sync(
    ac: ModuleType, fake: FakeAssistants
) -> None:
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=2) as client:
        thread = client.create_thread()
        fake.clear_requests()

        fake.respond_next(500, SERVER_ERROR, FAIL_FAST)
        with pytest.raises(ac.InternalServerError):
            client.get_thread(thread.id, max_retries=0)
        assert len(fake.requests) == 1

        fake.respond_next(500, SERVER_ERROR, FAIL_FAST)
        fake.respond_next(503, SERVER_ERROR, FAIL_FAST)
        assert client.get_thread(thread.id).id == thread.id  # the client's own max_retries=2
        assert len(fake.requests) == 4
        assert [r.header("x-retry-count") for r in fake.requests[1:]] == ["0", "1", "2"]

        fake.respond_next(200, {}, delay=2.0)
        with pytest.raises(ac.APITimeoutError):
            client.get_thread(thread.id, timeout=0.2, max_retries=0)
        assert len(fake.requests) == 5


def test_per_call_max_retries_and_timeout_take_effect_async(
    ac: ModuleType, fake: FakeAssistants
) -> None:
    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=0
        ) as client:
            thread = await client.create_thread()
            fake.clear_requests()
            fake.respond_next(500, SERVER_ERROR, FAIL_FAST)
            assert (await client.get_thread(thread.id, max_retries=1)).id == thread.id
            assert len(fake.requests) == 2
            fake.respond_next(200, {}, delay=2.0)
            with pytest.raises(ac.APITimeoutError):
                await client.get_thread(thread.id, timeout=httpx.Timeout(0.2))
            assert len(fake.requests) == 3

    arun(go)


# ---- the API key stays secret ----------------------------------------------------------------


def test_api_key_not_in_repr(ac: ModuleType, fake: FakeAssistants) -> None:
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url) as client:
        text = repr(client) + str(client) + repr(client._transport)
    async_client = ac.AsyncAssistantsClient(api_key=KEY, base_url=fake.base_url)
    text += repr(async_client) + str(async_client) + repr(async_client._transport)
    arun(async_client.close)
    assert KEY not in text
    assert fake.base_url in text


def test_api_key_not_in_401_error(ac: ModuleType, fake: FakeAssistants) -> None:
    with (
        ac.AssistantsClient(api_key=WRONG_KEY, base_url=fake.base_url, max_retries=0) as c,
        pytest.raises(ac.AuthenticationError) as caught,
    ):
        c.create_thread()

    async def go() -> BaseException:
        async with ac.AsyncAssistantsClient(
            api_key=WRONG_KEY, base_url=fake.base_url, max_retries=0
        ) as client:
            with pytest.raises(ac.AuthenticationError) as async_caught:
                await client.create_thread()
            return async_caught.value

    for exc in (caught.value, arun(go)):
        assert exc.status_code == 401
        assert "Incorrect API key" in str(exc)
        assert WRONG_KEY not in str(exc)
        assert WRONG_KEY not in repr(exc)
    assert len(fake.requests) == 2


def test_api_key_not_in_debug_logs(
    ac: ModuleType, fake: FakeAssistants, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("httpx", "httpcore", "assistants_client"):
        caplog.set_level(logging.DEBUG, logger=name)
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=1) as client:
        assistant = client.create_assistant(model="gpt-4o")
        fake.respond_next(500, SERVER_ERROR, FAIL_FAST)  # a retry: the runtime logs it
        thread = client.create_thread()
        with client.create_run(thread.id, assistant_id=assistant.id, stream=True) as stream:
            list(stream)
    with (
        ac.AssistantsClient(api_key=WRONG_KEY, base_url=fake.base_url, max_retries=0) as c,
        pytest.raises(ac.AuthenticationError),
    ):
        c.create_thread()

    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=1
        ) as client:
            fake.respond_next(500, SERVER_ERROR, FAIL_FAST)
            await client.get_thread(thread.id)

    arun(go)
    records = caplog.records
    assert any(r.name.startswith("httpcore") and r.levelno == logging.DEBUG for r in records)
    assert any(r.name.startswith("httpx") for r in records)
    assert any(
        r.name.startswith("assistants_client") and "retrying" in r.getMessage() for r in records
    )
    everything = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in records
    )
    for secret in (KEY, WRONG_KEY):
        assert secret not in everything


# ---- forward compatibility -----------------------------------------------------------------


def test_unknown_fields_and_enum_values_are_kept(
    ac: ModuleType, client: Any, fake: FakeAssistants
) -> None:
    assistant = client.create_assistant(model="gpt-4o")
    thread = client.create_thread()
    run = client.create_run(thread.id, assistant_id=assistant.id)
    assert run.status == "queued"
    future = json.loads(json.dumps(fake.runs[run.id]))
    future["status"] = "paused_for_review"
    future["review"] = {"reviewer": "human", "eta_seconds": 30}
    future["required_action"]["submit_tool_outputs"]["tool_calls"][0]["confidence"] = 0.9
    fake.respond_next(200, future)
    got = client.get_run(thread.id, run.id)
    assert type(got) is ac.models.RunObject
    assert got.status == "paused_for_review"
    assert got.model_extra == {"review": {"reviewer": "human", "eta_seconds": 30}}
    assert got.review == {"reviewer": "human", "eta_seconds": 30}
    call = got.required_action.submit_tool_outputs.tool_calls[0]
    assert call.model_extra == {"confidence": 0.9}
    assert got.id == run.id and got.required_action.type == "submit_tool_outputs"


def test_unknown_tool_type_becomes_unknown_variant(
    ac: ModuleType, client: Any, fake: FakeAssistants
) -> None:
    future_tool = {"type": "computer_use", "computer_use": {"display": [1024, 768]}, "beta": True}
    assistant = client.create_assistant(
        model="gpt-4o",
        tools=[{"type": "function", "function": {"name": "get_weather"}}, future_tool],
    )
    assert fake.requests[-1].json()["tools"][1] == future_tool  # sent as given
    for got in (assistant, client.get_assistant(assistant.id)):
        function_tool, unknown = got.tools
        assert type(function_tool) is ac.models.AssistantToolsFunction
        assert function_tool.function.name == "get_weather"
        assert type(unknown) is ac.UnknownVariant
        assert unknown.type == "computer_use"
        assert unknown.computer_use == {"display": [1024, 768]}
        assert unknown.beta is True
        assert unknown.model_extra == future_tool


def test_unknown_stream_events_become_unknown_variant(
    ac: ModuleType, client: Any, fake: FakeAssistants
) -> None:
    assistant = client.create_assistant(model="gpt-4o")
    thread = client.create_thread()
    known = json.loads(
        json.dumps(
            client.create_run(thread.id, assistant_id=assistant.id).model_dump(
                mode="json", by_alias=True
            )
        )
    )
    known["sparkle"] = "new"
    fake.stream_next(
        [
            ("thread.run.created", known),
            ("thread.run.paused", {"id": known["id"], "reason": "review"}),
        ]
    )
    with client.create_run(thread.id, assistant_id=assistant.id, stream=True) as stream:
        created, paused = list(stream)
    assert type(created) is ac.models.RunStreamEventThreadRunCreated
    assert created.data.model_extra == {"sparkle": "new"}
    assert type(paused) is ac.UnknownVariant
    assert paused.event == "thread.run.paused"
    assert paused.data == {"id": known["id"], "reason": "review"}


# ---- wire form of arguments ------------------------------------------------------------------


def test_omitted_arguments_are_not_sent_and_none_is_null(client: Any, fake: FakeAssistants) -> None:
    assistant = client.create_assistant(model="gpt-4o", name=None, description="d")
    assert fake.requests[-1].body == b'{"model":"gpt-4o","name":null,"description":"d"}'
    assert assistant.name is None and assistant.description == "d"

    thread = client.create_thread()
    assert fake.requests[-1].body == b"{}"
    client.create_message(thread.id, role="user", content="hi", attachments=None)
    assert fake.requests[-1].json() == {"role": "user", "content": "hi", "attachments": None}
    client.create_run(thread.id, assistant_id=assistant.id, instructions=None, stream=None)
    assert fake.requests[-1].json() == {
        "assistant_id": assistant.id,
        "instructions": None,
        "stream": None,
    }
    client.list_messages(thread.id)
    listing = fake.requests[-1]
    assert listing.raw_query == "" and listing.body == b""
    assert listing.header("Content-Type") is None


def test_models_and_dicts_give_identical_wire_bodies(
    ac: ModuleType, client: Any, fake: FakeAssistants
) -> None:
    m = ac.models
    assistant = client.create_assistant(model="gpt-4o")
    as_models: dict[str, Any] = {
        "additional_messages": [
            m.CreateMessageRequest(
                role="user",
                content=[m.MessageRequestContentTextObject(type="text", text="hi")],
                metadata={"k": "v"},
            )
        ],
        "tools": [
            m.AssistantToolsFunction(
                type="function",
                function=m.FunctionObject(name="get_weather", parameters=PARAMETERS, strict=None),
            ),
            m.AssistantToolsCode(type="code_interpreter"),
        ],
        "truncation_strategy": m.TruncationObject(type="last_messages", last_messages=3),
        "tool_choice": m.AssistantsNamedToolChoice(
            type="function", function=m.AssistantsNamedToolChoiceFunction(name="get_weather")
        ),
        "response_format": m.ResponseFormatJsonObject(type="json_object"),
    }
    as_dicts: dict[str, Any] = {
        "additional_messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi"}], "metadata": {"k": "v"}}
        ],
        "tools": [
            {
                "type": "function",
                "function": {"name": "get_weather", "parameters": PARAMETERS, "strict": None},
            },
            {"type": "code_interpreter"},
        ],
        "truncation_strategy": {"type": "last_messages", "last_messages": 3},
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "response_format": {"type": "json_object"},
    }
    threads = [client.create_thread() for _ in range(2)]
    runs = [
        client.create_run(thread.id, assistant_id=assistant.id, **kwargs)
        for thread, kwargs in zip(threads, (as_models, as_dicts), strict=True)
    ]
    bodies = [r.body for r in fake.requests_to("POST", "/threads/[^/]+/runs")]
    assert bodies[0].replace(threads[0].id.encode(), b"T") == bodies[1].replace(
        threads[1].id.encode(), b"T"
    )
    assert json.loads(bodies[1]) == {"assistant_id": assistant.id, **as_dicts}
    assert runs[0].truncation_strategy == runs[1].truncation_strategy

    # submit_tool_outputs: a model item and a dict item
    calls = [
        fake.runs[r.id]["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
        for r in runs
    ]
    client.submit_tool_ouputs_to_run(
        threads[0].id,
        runs[0].id,
        tool_outputs=[
            m.SubmitToolOutputsRunRequestToolOutputsItem(tool_call_id=calls[0], output="ok")
        ],
    )
    client.submit_tool_ouputs_to_run(
        threads[1].id, runs[1].id, tool_outputs=[{"tool_call_id": calls[1], "output": "ok"}]
    )
    submits = [
        r.body for r in fake.requests_to("POST", "/threads/[^/]+/runs/[^/]+/submit_tool_outputs")
    ]
    assert submits[0].replace(calls[0].encode(), b"C") == submits[1].replace(
        calls[1].encode(), b"C"
    )
    assert json.loads(submits[1]) == {"tool_outputs": [{"tool_call_id": calls[1], "output": "ok"}]}

    # create_thread with a message model vs a dict
    client.create_thread(messages=[m.CreateMessageRequest(role="user", content="hello")])
    client.create_thread(messages=[{"role": "user", "content": "hello"}])
    a, b = fake.requests_to("POST", "/threads")[-2:]
    assert a.body == b.body == b'{"messages":[{"role":"user","content":"hello"}]}'
