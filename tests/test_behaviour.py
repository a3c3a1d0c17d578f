"""Behaviour of the generated client against a recording server on 127.0.0.1.

Every operation in spec_contract.CONTRACT is called through AssistantsClient; we check
what went over the wire (method, raw path, query pairs, JSON body, headers) and what came
back (the declared model, parsed). Focused tests cover null vs omitted, path encoding,
errors and retries, nested/union serialisation and extra response fields.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

import pydantic
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generated"))

import assistants_client
from assistants_client import AssistantsClient, BadRequestError, NotFoundError, models
from assistants_client._runtime import transport as runtime
from assistants_client._runtime.pagination import SyncPage

from tests.loopback import LoopbackServer, sequence
from tests.payloads import example, schema_name, success_example, success_schema
from tests.spec_contract import CONTRACT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
PATH_VALUES = {
    "assistant_id": "asst_A1",
    "thread_id": "thread_T2",
    "run_id": "run_R3",
    "message_id": "msg_M4",
    "step_id": "step_S5",
}
# Query arguments by wire name: (python keyword, value passed).
QUERY_ARGS = {
    "limit": ("limit", 7),
    "order": ("order", "asc"),
    "after": ("after", "a1"),
    "before": ("before", "b1"),
    "run_id": ("run_id", "run_Q6"),
    "include[]": ("include", [INCLUDE, INCLUDE]),  # repeated on purpose
}
# One optional body argument per body operation, on top of the spec's required ones.
OPTIONAL_BODY_ARG = {
    "createAssistant": {"name": "helper"},
    "createMessage": {"metadata": {"k": "v"}},
    "createRun": {"instructions": "be brief"},
    "createThread": {"metadata": {"k": "v"}},
    "createThreadAndRun": {"temperature": 0.5},
    "modifyAssistant": {"name": "renamed"},
    "modifyMessage": {"metadata": {"k": "v"}},
    "modifyRun": {"metadata": {"k": "v"}},
    "modifyThread": {"metadata": {"k": "v"}},
    "submitToolOuputsToRun": {"stream": False},
}

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

with (REPO / "spec" / "assistants.yaml").open(encoding="utf-8") as _f:
    SPEC = yaml.safe_load(_f)


# ---- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict:
    return SPEC


@pytest.fixture(scope="module")
def loopback():
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def server(loopback, monkeypatch):
    """The shared server with no recorded requests; HTTP proxies from the env are ignored."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    loopback.reset()
    return loopback


@pytest.fixture
def make_client(server):
    clients = []

    def make(max_retries: int = 0) -> AssistantsClient:
        client = AssistantsClient(
            api_key="sk-test", base_url=f"{server.base_url}/v1", max_retries=max_retries
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client) -> AssistantsClient:
    return make_client()


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(runtime, "retry_delay", lambda attempt, response: 0)


def serve(server, status: int, payload, headers: dict | None = None) -> None:
    server.reset(lambda request: (status, headers or {}, payload))


# ---- calling an operation from its contract -------------------------------------------


def method_name(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def body_args(spec: dict, contract) -> dict:
    """The body's required properties (minimal values from the spec) plus one optional one."""
    if contract.body is None:
        return {}
    required = example(spec, spec["components"]["schemas"][contract.body])
    optional = OPTIONAL_BODY_ARG[contract.operation_id]
    assert not optional.keys() & required.keys(), "the extra argument must be optional"
    return {**required, **optional}


def call(client: AssistantsClient, spec: dict, contract):
    """Call the client method for `contract`; returns (result, body arguments passed)."""
    path_args = [PATH_VALUES[name] for name in contract.path_params]
    query_kwargs = dict(QUERY_ARGS[p.name] for p in contract.query_params)
    body = body_args(spec, contract)
    method = getattr(client, method_name(contract.operation_id))
    return method(*path_args, **query_kwargs, **body), body


def expected_path(contract) -> str:
    path = contract.path
    for name in contract.path_params:
        path = path.replace("{" + name + "}", PATH_VALUES[name])
    return "/v1" + path


def expected_query(contract) -> list[tuple[str, str]]:
    pairs = []
    for param in contract.query_params:
        value = QUERY_ARGS[param.name][1]
        pairs += [(param.name, str(v)) for v in (value if isinstance(value, list) else [value])]
    return pairs


def ids(contract) -> str:
    return contract.operation_id


# ---- every operation ------------------------------------------------------------------


def unwrap_page(result):
    """List operations return a page; its `response` is the list model the server sent."""
    if isinstance(result, SyncPage):
        if not isinstance(result.response, dict):  # a parsed page exposes the list's items
            assert result.data == list(result.response.data)
        return result.response
    return result


@pytest.mark.parametrize("contract", CONTRACT, ids=ids)
def test_request_on_the_wire(contract, spec, server, client, monkeypatch):
    # Only the request matters here; response parsing is covered by the next test.
    monkeypatch.setattr(runtime, "parse_response", lambda kind, content: json.loads(content))
    payload = success_example(spec, contract.operation_id)
    serve(server, 200, payload)
    result, body = call(client, spec, contract)

    [seen] = server.requests
    assert unwrap_page(result) == payload
    assert seen.method == contract.method
    assert seen.path == expected_path(contract)
    assert seen.query == expected_query(contract)
    assert seen.header("Authorization") == "Bearer sk-test"
    assert seen.header("OpenAI-Beta") == "assistants=v2"  # from spec/overlays/client.yaml
    if contract.body is None:
        assert seen.body == b""
    else:
        assert seen.header("Content-Type") == "application/json"
        assert seen.json() == body


@pytest.mark.parametrize("contract", CONTRACT, ids=ids)
def test_response_parses_into_model(contract, spec, server, client):
    payload = success_example(spec, contract.operation_id)
    serve(server, 200, payload)
    result, _ = call(client, spec, contract)

    model = getattr(models, schema_name(success_schema(spec, contract.operation_id)))
    result = unwrap_page(result)
    assert isinstance(result, model)
    assert result.model_dump(mode="json", by_alias=True, exclude_unset=True) == payload


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
def test_every_schema_has_a_model_accepting_its_minimal_example(spec, name):
    instance = example(spec, spec["components"]["schemas"][name])
    adapter = pydantic.TypeAdapter(getattr(models, name))
    parsed = adapter.validate_python(instance)
    assert adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True) == instance


def test_include_is_sent_in_bracket_form(spec, server, client):
    serve(server, 200, success_example(spec, "getRunStep"))
    client.get_run_step("t", "r", "s", include=[INCLUDE, INCLUDE])
    raw = server.requests[0].raw_query
    assert raw.count("include%5B%5D=") + raw.count("include[]=") == 2


# ---- arguments ------------------------------------------------------------------------


def test_explicit_none_is_null_and_omitted_is_absent(spec, server, client):
    serve(server, 200, success_example(spec, "modifyAssistant"))
    client.modify_assistant("asst_1", instructions=None)
    assert server.requests[0].json() == {"instructions": None}


def test_path_parameter_is_one_encoded_segment(spec, server, client):
    value = "a/b?c#d%2F../é"
    serve(server, 200, success_example(spec, "getThread"))
    client.get_thread(value)

    seen = server.requests[0]
    assert seen.path == "/v1/threads/a%2Fb%3Fc%23d%252F..%2F%C3%A9"
    assert seen.raw_query == ""
    assert unquote(seen.path.split("/")[3]) == value


def test_empty_path_parameter_is_rejected_before_sending(server, client):
    with pytest.raises(ValueError, match="run_id"):
        client.get_run("thread_1", "")
    assert server.requests == []


def test_nested_models_and_discriminated_union_serialise(spec, server, client):
    serve(server, 200, success_example(spec, "createAssistant"))
    client.create_assistant(
        model="gpt-4o",
        tools=[
            {"type": "function", "function": {"name": "f"}},
            models.AssistantToolsFunction(
                type="function", function=models.FunctionObject(name="g")
            ),
            models.AssistantToolsCode(type="code_interpreter"),
        ],
        response_format=models.ResponseFormatJsonSchema(
            type="json_schema",
            json_schema=models.ResponseFormatJsonSchemaJsonSchema(
                name="out", schema_={"type": "object"}
            ),
        ),
    )
    assert server.requests[0].json() == {
        "model": "gpt-4o",
        "tools": [
            {"type": "function", "function": {"name": "f"}},
            {"type": "function", "function": {"name": "g"}},
            {"type": "code_interpreter"},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "out", "schema": {"type": "object"}},
        },
    }


# ---- responses ------------------------------------------------------------------------


def test_response_union_is_parsed_by_discriminator(spec, server, client):
    payload = success_example(spec, "getAssistant")
    payload["tools"] = [{"type": "function", "function": {"name": "f"}}, {"type": "file_search"}]
    serve(server, 200, payload)
    assistant = client.get_assistant("asst_1")

    assert isinstance(assistant.tools[0], models.AssistantToolsFunction)
    assert assistant.tools[0].function.name == "f"
    assert isinstance(assistant.tools[1], models.AssistantToolsFileSearch)


def test_unknown_response_field_is_kept(spec, server, client):
    serve(server, 200, {**success_example(spec, "getThread"), "surprise": {"n": 1}})
    thread = client.get_thread("thread_1")
    assert thread.model_extra == {"surprise": {"n": 1}}


@pytest.mark.parametrize(
    "field, value",
    [
        ("tool_choice", "auto"),
        ("tool_choice", {"type": "file_search"}),
        ("tool_choice", None),
        ("truncation_strategy", None),
    ],
)
def test_run_object_accepts_every_tool_choice_form(spec, server, client, field, value):
    # Regression: allOf[$ref, {nullable: true}] once became an empty model, rejecting "auto".
    serve(server, 200, {**success_example(spec, "getRun"), field: value})
    run = client.get_run("thread_1", "run_1")
    assert isinstance(run, models.RunObject)
    assert run.model_dump(mode="json", exclude_unset=True)[field] == value


# ---- errors and retries ---------------------------------------------------------------


def test_404_raises_not_found_with_body_and_request_id(server, client):
    error = {"error": {"message": "No thread found", "type": "invalid_request_error"}}
    serve(server, 404, error, {"x-request-id": "req_404"})
    with pytest.raises(NotFoundError) as caught:
        client.get_thread("thread_missing")

    assert caught.value.status_code == 404
    assert caught.value.body == error
    assert caught.value.request_id == "req_404"
    assert "No thread found" in str(caught.value)


def test_400_is_not_retried(server, make_client, no_sleep):
    serve(server, 400, {"error": {"message": "bad"}})
    with pytest.raises(BadRequestError) as caught:
        make_client(max_retries=2).get_thread("thread_1")
    assert caught.value.status_code == 400
    assert len(server.requests) == 1


def test_500_then_200_succeeds_on_retry(spec, server, make_client, no_sleep):
    payload = success_example(spec, "createThread")
    server.reset(sequence((500, {}, {"error": {"message": "boom"}}), (200, {}, payload)))
    thread = make_client(max_retries=1).create_thread(metadata={"k": "v"})

    assert isinstance(thread, models.ThreadObject)
    assert thread.id == payload["id"]
    assert len(server.requests) == 2
    first, second = server.requests
    assert first.path == second.path == "/v1/threads"
    assert first.json() == second.json() == {"metadata": {"k": "v"}}  # body re-sent intact


def test_500_exhausting_retries_raises_internal_server_error(server, make_client, no_sleep):
    serve(server, 500, {"error": {"message": "boom"}})
    with pytest.raises(assistants_client.InternalServerError):
        make_client(max_retries=1).get_thread("thread_1")
    assert len(server.requests) == 2
