"""The whole Assistants flow, end to end, through both generated clients against a stateful fake.

create assistant (tool as a dict, and as a model) -> create thread -> 5 user messages ->
streamed run ending in requires_action -> streamed submit_tool_outputs to completion ->
list messages 2 at a time over three pages with auto_paging_iter() -> delete thread and
assistants. Also: leaving a stream early closes its response (and its connection).
"""

from __future__ import annotations

import asyncio
import importlib
import json
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

KEY = "sk-test-flow-5f1c0ffee0ddba11"
MODEL = "gpt-4o"
INSTRUCTIONS = "Answer weather questions by calling get_weather."
QUESTIONS = [
    "Hello!",
    "I am planning a trip.",
    "It is to France.",
    "Mostly Paris.",
    "What's the weather in Paris right now?",
]
TOOL_OUTPUT = "22 °C, sunny ☀"  # not ASCII on purpose: the SSE frames carry raw UTF-8
REPLY_TEXT = f"The weather in Paris: {TOOL_OUTPUT}"
WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "location": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location"],
}
# The same tool twice: as a plain dict (keys in the model's field order) and as models.
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "description": "Current weather for a city",
        "name": "get_weather",
        "parameters": WEATHER_PARAMETERS,
    },
}
RUN_EVENTS = [
    "thread.run.created",
    "thread.run.queued",
    "thread.run.in_progress",
    "thread.run.step.created",
    "thread.run.requires_action",
]
SUBMIT_EVENTS = [
    "thread.run.in_progress",
    "thread.message.created",
    "thread.message.delta",
    "thread.message.completed",
    "thread.run.completed",
]
EVENT_CLASSES = {
    "thread.run.created": "RunStreamEventThreadRunCreated",
    "thread.run.queued": "RunStreamEventThreadRunQueued",
    "thread.run.in_progress": "RunStreamEventThreadRunInProgress",
    "thread.run.step.created": "RunStepStreamEventThreadRunStepCreated",
    "thread.run.requires_action": "RunStreamEventThreadRunRequiresAction",
    "thread.message.created": "MessageStreamEventThreadMessageCreated",
    "thread.message.delta": "MessageStreamEventThreadMessageDelta",
    "thread.message.completed": "MessageStreamEventThreadMessageCompleted",
    "thread.run.completed": "RunStreamEventThreadRunCompleted",
}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


# ---- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ac(generated_on_path: Path) -> ModuleType:
    """The generated package, imported from generated/."""
    return importlib.import_module("assistants_client")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeAssistants]:
    with FakeAssistants(api_key=KEY) as server:
        yield server


def arun(make: Callable[[], Awaitable[T]], limit: float = 30.0) -> T:
    """Run a coroutine to completion on a fresh event loop, bounded in time."""

    async def bounded() -> T:
        return await asyncio.wait_for(make(), limit)

    return asyncio.run(bounded())


def weather_tool_model(models: ModuleType) -> Any:
    return models.AssistantToolsFunction(
        type="function",
        function=models.FunctionObject(
            description="Current weather for a city",
            name="get_weather",
            parameters=WEATHER_PARAMETERS,
        ),
    )


def text_of(message: Any) -> str:
    assert len(message.content) == 1, message.content
    return str(message.content[0].text.value)


# ---- checks shared by the sync and async flows ------------------------------------------


def check_assistants(ac: ModuleType, fake: FakeAssistants, first: Any, second: Any) -> None:
    models = ac.models
    for assistant in (first, second):
        assert type(assistant) is models.AssistantObject
        assert assistant.id.startswith("asst_")
        assert assistant.object == "assistant"
        assert assistant.model == MODEL
        assert assistant.name == "Weather bot"
        assert assistant.instructions == INSTRUCTIONS
        assert len(assistant.tools) == 1
        tool = assistant.tools[0]
        assert type(tool) is models.AssistantToolsFunction
        assert tool.function.name == "get_weather"
        assert tool.function.parameters == WEATHER_PARAMETERS
    assert first.id != second.id
    creates = fake.requests_to("POST", "/assistants")
    assert len(creates) == 2
    # A tool given as a dict and the same tool given as models go out byte for byte the same.
    assert creates[0].body == creates[1].body
    assert creates[0].json() == {
        "model": MODEL,
        "name": "Weather bot",
        "instructions": INSTRUCTIONS,
        "tools": [WEATHER_TOOL],
    }


def check_thread_and_messages(ac: ModuleType, thread: Any, sent: list[Any]) -> None:
    models = ac.models
    assert type(thread) is models.ThreadObject
    assert thread.id.startswith("thread_")
    assert thread.object == "thread"
    assert thread.metadata == {"topic": "weather"}
    assert len(sent) == 5
    for message, question in zip(sent, QUESTIONS, strict=True):
        assert type(message) is models.MessageObject
        assert message.id.startswith("msg_")
        assert message.thread_id == thread.id
        assert message.role == "user"
        assert message.status == "completed"
        assert type(message.content[0]) is models.MessageContentTextObject
        assert text_of(message) == question
    assert len({m.id for m in sent}) == 5


def check_run_events(ac: ModuleType, thread: Any, assistant: Any, events: list[Any]) -> Any:
    """The streamed create_run; returns the tool call the run asks for."""
    models = ac.models
    assert [e.event for e in events] == RUN_EVENTS
    for event in events:
        assert type(event) is getattr(models, EVENT_CLASSES[event.event]), event
    run_id = events[0].data.id
    assert run_id.startswith("run_")
    run_events = [
        e for e in events if e.event.startswith("thread.run.") and ".step." not in e.event
    ]
    for event in run_events:
        assert type(event.data) is models.RunObject
        assert event.data.id == run_id
        assert event.data.thread_id == thread.id
        assert event.data.assistant_id == assistant.id
    assert [e.data.status for e in run_events] == [
        "queued",
        "queued",
        "in_progress",
        "requires_action",
    ]
    step = events[3].data
    assert type(step) is models.RunStepObject
    assert step.run_id == run_id
    assert step.type == "tool_calls"
    assert type(step.step_details) is models.RunStepDetailsToolCallsObject
    assert step.step_details.tool_calls[0].function.output is None

    requires = next(e for e in events if e.event == "thread.run.requires_action")
    action = requires.data.required_action
    assert type(action) is models.RunObjectRequiredAction
    assert action.type == "submit_tool_outputs"
    calls = action.submit_tool_outputs.tool_calls
    assert len(calls) == 1
    call = calls[0]
    assert call.type == "function"
    assert call.id.startswith("call_")
    assert call.id == step.step_details.tool_calls[0].id
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris", "unit": "celsius"}
    return call


def check_submit_events(ac: ModuleType, run_id: str, events: list[Any]) -> Any:
    """The streamed submit_tool_outputs; returns the assistant's reply message."""
    models = ac.models
    assert [e.event for e in events] == SUBMIT_EVENTS
    for event in events:
        assert type(event) is getattr(models, EVENT_CLASSES[event.event]), event
    assert events[0].data.status == "in_progress"
    assert events[0].data.required_action is None
    created, delta, completed = events[1].data, events[2].data, events[3].data
    assert created.role == "assistant"
    assert created.status == "in_progress"
    assert created.run_id == run_id
    assert delta.id == created.id
    assert delta.delta.content[0].text.value == REPLY_TEXT
    assert completed.id == created.id
    assert completed.status == "completed"
    assert text_of(completed) == REPLY_TEXT
    done = events[4].data
    assert done.id == run_id
    assert done.status == "completed"
    assert done.required_action is None
    assert done.usage is not None and done.usage.total_tokens == 92
    return completed


def check_stream_requests(fake: FakeAssistants, thread_id: str, run_id: str, call_id: str) -> None:
    (create,) = fake.requests_to("POST", "/threads/[^/]+/runs")
    assert create.path == f"/v1/threads/{thread_id}/runs"
    assert create.json()["stream"] is True
    assert create.header("Accept") == "text/event-stream"
    (submit,) = fake.requests_to("POST", "/threads/[^/]+/runs/[^/]+/submit_tool_outputs")
    assert submit.path == f"/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"
    assert submit.json() == {
        "tool_outputs": [{"tool_call_id": call_id, "output": TOOL_OUTPUT}],
        "stream": True,
    }
    assert submit.header("Accept") == "text/event-stream"


def list_requests(fake: FakeAssistants) -> list[Any]:
    return fake.requests_to("GET", "/threads/[^/]+/messages")


def check_listing(
    ac: ModuleType, fake: FakeAssistants, thread: Any, sent: list[Any], reply: Any, items: list[Any]
) -> None:
    models = ac.models
    expected_ids = [m.id for m in sent] + [reply.id]
    assert [m.id for m in items] == expected_ids
    assert all(type(m) is models.MessageObject for m in items)
    assert [text_of(m) for m in items] == [*QUESTIONS, REPLY_TEXT]
    assert [m.role for m in items] == ["user"] * 5 + ["assistant"]
    lists = list_requests(fake)
    assert [r.path for r in lists] == [f"/v1/threads/{thread.id}/messages"] * 3
    assert [r.query for r in lists] == [
        [("limit", "2"), ("order", "asc")],
        [("limit", "2"), ("order", "asc"), ("after", expected_ids[1])],
        [("limit", "2"), ("order", "asc"), ("after", expected_ids[3])],
    ]


def check_first_page(ac: ModuleType, page: Any, sent: list[Any], page_type: type) -> None:
    assert type(page) is page_type
    assert type(page.response) is ac.models.ListMessagesResponse
    assert [m.id for m in page.data] == [sent[0].id, sent[1].id]
    assert page.has_more is True
    assert page.response.first_id == sent[0].id
    assert page.response.last_id == sent[1].id


def check_deleted(ac: ModuleType, deleted: Any, kind: str, object_id: str) -> None:
    expected_type = {
        "thread": ac.models.DeleteThreadResponse,
        "assistant": ac.models.DeleteAssistantResponse,
    }[kind]
    assert type(deleted) is expected_type
    assert deleted.id == object_id
    assert deleted.deleted is True
    assert deleted.object == f"{kind}.deleted"


def check_wire(fake: FakeAssistants, expected_errors: int) -> None:
    """Every request carried the key and the beta header; the only errors were the ones we caused."""
    assert fake.requests
    for request in fake.requests:
        assert request.header("Authorization") == f"Bearer {KEY}"
        assert request.header("OpenAI-Beta") == "assistants=v2"
    # assistants, thread, messages, streams, get_run, list pages, deletes, + the 404s
    assert len(fake.requests) == 2 + 1 + 5 + 2 + 1 + 3 + 3 + expected_errors


# ---- the flow ---------------------------------------------------------------------------


def test_full_flow_sync(ac: ModuleType, fake: FakeAssistants) -> None:
    models = ac.models
    with ac.AssistantsClient(
        api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10
    ) as client:
        first = client.create_assistant(
            model=MODEL, name="Weather bot", instructions=INSTRUCTIONS, tools=[WEATHER_TOOL]
        )
        second = client.create_assistant(
            model=MODEL,
            name="Weather bot",
            instructions=INSTRUCTIONS,
            tools=[weather_tool_model(models)],
        )
        check_assistants(ac, fake, first, second)

        thread = client.create_thread(metadata={"topic": "weather"})
        sent = [client.create_message(thread.id, role="user", content=q) for q in QUESTIONS]
        check_thread_and_messages(ac, thread, sent)

        stream = client.create_run(thread.id, assistant_id=first.id, stream=True)
        assert type(stream) is ac.Stream
        with stream:
            events = list(stream)
        assert stream.response.is_closed
        call = check_run_events(ac, thread, first, events)
        run_id = events[0].data.id

        with client.submit_tool_ouputs_to_run(
            thread.id,
            run_id,
            tool_outputs=[{"tool_call_id": call.id, "output": TOOL_OUTPUT}],
            stream=True,
        ) as stream:
            assert type(stream) is ac.Stream
            events = [event for event in stream]
        assert stream.response.is_closed
        reply = check_submit_events(ac, run_id, events)
        check_stream_requests(fake, thread.id, run_id, call.id)

        run = client.get_run(thread.id, run_id)
        assert type(run) is models.RunObject
        assert (run.id, run.status, run.required_action) == (run_id, "completed", None)

        page = client.list_messages(thread.id, limit=2, order="asc")
        check_first_page(ac, page, sent, ac.SyncPage)
        items = []
        for message in page.auto_paging_iter():
            items.append(message)
            # Lazily: the next page is fetched only when this one is used up.
            assert len(list_requests(fake)) == (len(items) + 1) // 2
        check_listing(ac, fake, thread, sent, reply, items)

        check_deleted(ac, client.delete_thread(thread.id), "thread", thread.id)
        with pytest.raises(ac.NotFoundError) as caught:
            client.get_thread(thread.id)
        assert caught.value.status_code == 404
        for assistant in (first, second):
            check_deleted(ac, client.delete_assistant(assistant.id), "assistant", assistant.id)
        assert fake.assistants == {} and fake.threads == {}
    check_wire(fake, expected_errors=1)


def test_full_flow_async(ac: ModuleType, fake: FakeAssistants) -> None:
    models = ac.models

    async def flow() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10
        ) as client:
            first = await client.create_assistant(
                model=MODEL, name="Weather bot", instructions=INSTRUCTIONS, tools=[WEATHER_TOOL]
            )
            second = await client.create_assistant(
                model=MODEL,
                name="Weather bot",
                instructions=INSTRUCTIONS,
                tools=[weather_tool_model(models)],
            )
            check_assistants(ac, fake, first, second)

            thread = await client.create_thread(metadata={"topic": "weather"})
            sent = [
                await client.create_message(thread.id, role="user", content=q) for q in QUESTIONS
            ]
            check_thread_and_messages(ac, thread, sent)

            stream = await client.create_run(thread.id, assistant_id=first.id, stream=True)
            assert type(stream) is ac.AsyncStream
            async with stream:
                events = [event async for event in stream]
            assert stream.response.is_closed
            call = check_run_events(ac, thread, first, events)
            run_id = events[0].data.id

            stream = await client.submit_tool_ouputs_to_run(
                thread.id,
                run_id,
                tool_outputs=[{"tool_call_id": call.id, "output": TOOL_OUTPUT}],
                stream=True,
            )
            assert type(stream) is ac.AsyncStream
            async with stream:
                events = []
                async for event in stream:
                    events.append(event)
            assert stream.response.is_closed
            reply = check_submit_events(ac, run_id, events)
            check_stream_requests(fake, thread.id, run_id, call.id)

            run = await client.get_run(thread.id, run_id)
            assert type(run) is models.RunObject
            assert (run.id, run.status, run.required_action) == (run_id, "completed", None)

            page = await client.list_messages(thread.id, limit=2, order="asc")
            check_first_page(ac, page, sent, ac.AsyncPage)
            items = []
            async for message in page.auto_paging_iter():
                items.append(message)
                assert len(list_requests(fake)) == (len(items) + 1) // 2
            check_listing(ac, fake, thread, sent, reply, items)

            check_deleted(ac, await client.delete_thread(thread.id), "thread", thread.id)
            with pytest.raises(ac.NotFoundError) as caught:
                await client.get_thread(thread.id)
            assert caught.value.status_code == 404
            for assistant in (first, second):
                deleted = await client.delete_assistant(assistant.id)
                check_deleted(ac, deleted, "assistant", assistant.id)
            assert fake.assistants == {} and fake.threads == {}

    arun(flow)
    check_wire(fake, expected_errors=1)


def test_pages_step_by_step_with_next_page(ac: ModuleType, fake: FakeAssistants) -> None:
    """next_page() walks the same cursors by hand and ends with None; desc is the default order."""
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0) as client:
        thread = client.create_thread()
        sent = [client.create_message(thread.id, role="user", content=q) for q in QUESTIONS]
        page = client.list_messages(thread.id, limit=2)
        seen = []
        pages = 0
        while page is not None:
            pages += 1
            seen += [m.id for m in page.data]
            page = page.next_page()
        assert pages == 3
        assert seen == [m.id for m in reversed(sent)]
        # Iterating a page directly is the same as auto_paging_iter().
        first = client.list_messages(thread.id, limit=2, order="asc")
        assert [m.id for m in first] == [m.id for m in sent]


# ---- leaving a stream early ---------------------------------------------------------------


def _prepare_run(client: Any) -> tuple[str, str]:
    assistant = client.create_assistant(model=MODEL, tools=[WEATHER_TOOL])
    thread = client.create_thread()
    client.create_message(thread.id, role="user", content="Weather in Paris?")
    return assistant.id, thread.id


async def _prepare_run_async(client: Any) -> tuple[str, str]:
    assistant = await client.create_assistant(model=MODEL, tools=[WEATHER_TOOL])
    thread = await client.create_thread()
    await client.create_message(thread.id, role="user", content="Weather in Paris?")
    return assistant.id, thread.id


def test_break_out_of_stream_closes_response_sync(ac: ModuleType, fake: FakeAssistants) -> None:
    fake.stream_delay = 0.05  # the server is still sending when the client walks away
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10) as c:
        assistant_id, thread_id = _prepare_run(c)
        stream = c.create_run(thread_id, assistant_id=assistant_id, stream=True)
        for event in stream:
            first = event
            break
        assert first.event == "thread.run.created"
        assert type(first) is ac.models.RunStreamEventThreadRunCreated
        assert stream.response.is_closed  # no `with`: leaving the loop is enough
        assert fake.disconnected.wait(5), "the server never saw the connection drop"
        # The client is still usable afterwards.
        assert c.get_thread(thread_id).id == thread_id


def test_stream_context_manager_closes_response_sync(ac: ModuleType, fake: FakeAssistants) -> None:
    fake.stream_delay = 0.05
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10) as c:
        assistant_id, thread_id = _prepare_run(c)
        with c.create_run(thread_id, assistant_id=assistant_id, stream=True) as stream:
            iterator = iter(stream)
            first = next(iterator)  # the iterator stays alive: only `with` can close it
        assert first.event == "thread.run.created"
        assert stream.response.is_closed
        assert fake.disconnected.wait(5), "the server never saw the connection drop"
        assert c.get_thread(thread_id).id == thread_id


def test_break_out_of_stream_closes_response_async(ac: ModuleType, fake: FakeAssistants) -> None:
    fake.stream_delay = 0.05

    async def go() -> None:
        async with ac.AsyncAssistantsClient(
            api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10
        ) as client:
            assistant_id, thread_id = await _prepare_run_async(client)

            stream = await client.create_run(thread_id, assistant_id=assistant_id, stream=True)
            async with stream:
                async for event in stream:
                    first = event
                    break
            assert first.event == "thread.run.created"
            assert stream.response.is_closed

            assert await asyncio.to_thread(fake.disconnected.wait, 5)
            fake.disconnected.clear()

            # Without `async with`, the abandoned async generator is finalised by the loop.
            bare = await client.create_run(thread_id, assistant_id=assistant_id, stream=True)
            async for event in bare:
                assert event.event == "thread.run.created"
                break
            for _ in range(200):
                if bare.response.is_closed:
                    break
                await asyncio.sleep(0.01)
            assert bare.response.is_closed
            assert await asyncio.to_thread(fake.disconnected.wait, 5)
            assert (await client.get_thread(thread_id)).id == thread_id

    arun(go)


def test_fake_rejects_missing_auth_and_beta_header(fake: FakeAssistants) -> None:
    """The fake is strict like the real API, so the flows above prove the client's headers."""
    good = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "assistants=v2"}
    with httpx.Client(base_url=fake.base_url, timeout=5, trust_env=False) as http:
        no_auth = http.post("/threads", json={}, headers={"OpenAI-Beta": "assistants=v2"})
        basic = http.post(
            "/threads", json={}, headers={**good, "Authorization": "Basic dXNlcjpwYXNz"}
        )
        wrong = http.post("/threads", json={}, headers={**good, "Authorization": "Bearer sk-no"})
        no_beta = http.post("/threads", json={}, headers={"Authorization": f"Bearer {KEY}"})
        old_beta = http.post("/threads", json={}, headers={**good, "OpenAI-Beta": "assistants=v1"})
        created = http.post("/threads", json={}, headers=good)
    for response in (no_auth, basic, wrong):
        assert response.status_code == 401
        assert response.json()["error"]["type"] in ("invalid_request_error", "invalid_api_key")
    for response in (no_beta, old_beta):
        assert response.status_code == 400
        assert "OpenAI-Beta" in response.json()["error"]["message"]
    assert created.status_code == 200
    assert created.json()["object"] == "thread"
    assert list(fake.threads) == [created.json()["id"]]
    assert len(fake.requests) == 6  # rejected requests are recorded too


def test_stream_errors_are_typed(ac: ModuleType, fake: FakeAssistants) -> None:
    """An error status on a streamed call raises before any event; an `error` event raises mid-way."""
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0, timeout=10) as c:
        assistant_id, thread_id = _prepare_run(c)
        with pytest.raises(ac.NotFoundError, match="asst_missing"):
            c.create_run(thread_id, assistant_id="asst_missing", stream=True)
        error = {"message": "The server is overloaded", "type": "server_error"}
        fake.stream_next([("error", {"error": {**error, "param": None, "code": None}})])
        stream = c.create_run(thread_id, assistant_id=assistant_id, stream=True)
        with pytest.raises(ac.StreamError, match="overloaded") as caught:
            list(stream)
        assert caught.value.body["error"]["type"] == "server_error"
        assert stream.response.is_closed


def test_listing_an_empty_thread(ac: ModuleType, fake: FakeAssistants) -> None:
    with ac.AssistantsClient(api_key=KEY, base_url=fake.base_url, max_retries=0) as client:
        thread = client.create_thread()
        try:
            page = client.list_messages(thread.id)
        except ac.APIError as exc:
            raise AssertionError(f"listing an empty thread failed: {exc}") from exc
        assert page.data == [] and page.has_more is False
        assert list(page.auto_paging_iter()) == []
