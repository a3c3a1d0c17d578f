"""Every generated function and client method has the signature the seed-derived table says."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.naming import function_name, parameter_name
from tests.spec_contract import CONTRACT, OperationContract

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("generated_on_path")


def _spec() -> dict[str, Any]:
    return yaml.load((ROOT / "spec" / "assistants.yaml").read_bytes(), Loader=yaml.CSafeLoader)


def _body_fields(contract: OperationContract) -> dict[str, bool]:
    """The body's properties and whether each is required, from the generated model."""
    from assistants_client import models

    if contract.body is None:
        return {}
    model = getattr(models, contract.body)
    return {f.alias or name: f.is_required() for name, f in model.model_fields.items()}


PER_CALL_OPTIONS = ("extra_headers", "extra_query", "extra_body", "timeout", "max_retries")


def _check(func: Callable[..., Any], contract: OperationContract, skip_self: bool) -> None:
    params = list(inspect.signature(func).parameters.values())[1 if skip_self else 0:]
    if skip_self:  # client methods end with the per-call options, all optional
        assert [p.name for p in params[-len(PER_CALL_OPTIONS):]] == list(PER_CALL_OPTIONS)
        assert all(p.default is not p.empty for p in params[-len(PER_CALL_OPTIONS):])
        params = params[:-len(PER_CALL_OPTIONS)]
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    keyword = {p.name: p for p in params if p.kind is p.KEYWORD_ONLY}
    assert [p.name for p in positional] == list(contract.path_params)
    assert all(p.default is p.empty for p in positional)
    wanted = {parameter_name(q.name): q.required for q in contract.query_params}
    wanted.update({parameter_name(name): req for name, req in _body_fields(contract).items()})
    assert sorted(keyword) == sorted(wanted)
    for name, required in wanted.items():
        assert (keyword[name].default is inspect.Parameter.empty) == required, name


@pytest.mark.parametrize("contract", CONTRACT, ids=[c.operation_id for c in CONTRACT])
def test_operation_function_signature(contract: OperationContract) -> None:
    from assistants_client import operations

    _check(getattr(operations, function_name(contract.operation_id)), contract, skip_self=False)


@pytest.mark.parametrize("contract", CONTRACT, ids=[c.operation_id for c in CONTRACT])
def test_client_method_signature(contract: OperationContract) -> None:
    from assistants_client import AssistantsClient

    _check(getattr(AssistantsClient, function_name(contract.operation_id)), contract, skip_self=True)


@pytest.mark.parametrize("contract", CONTRACT, ids=[c.operation_id for c in CONTRACT])
def test_async_client_method_signature(contract: OperationContract) -> None:
    from assistants_client import AsyncAssistantsClient

    method = getattr(AsyncAssistantsClient, function_name(contract.operation_id))
    assert inspect.iscoroutinefunction(inspect.unwrap(method))
    _check(method, contract, skip_self=True)


def test_names_follow_the_operation_ids() -> None:
    from assistants_client import operations

    assert sorted(operations.__all__) == sorted(function_name(c.operation_id) for c in CONTRACT)
    assert "submit_tool_ouputs_to_run" in operations.__all__
    assert "create_run" in operations.__all__ and "list_run_steps" in operations.__all__


def test_include_brackets_become_include() -> None:
    from assistants_client import operations

    for op_name in ("create_run", "list_run_steps", "get_run_step"):
        assert "include" in inspect.signature(getattr(operations, op_name)).parameters


def test_body_fields_match_the_spec_schemas() -> None:
    """The generated request models carry exactly the spec's properties and required lists."""
    schemas = _spec()["components"]["schemas"]
    for contract in CONTRACT:
        if contract.body is None:
            continue
        schema = schemas[contract.body]
        fields = _body_fields(contract)
        assert sorted(fields) == sorted(schema["properties"]), contract.operation_id
        assert sorted(n for n, req in fields.items() if req) == sorted(schema.get("required", []))


def test_deprecated_operations_warn() -> None:
    from assistants_client import operations

    with pytest.warns(DeprecationWarning, match=re.escape("getAssistant is deprecated")):
        request = operations.get_assistant("asst_1")
    assert request.method == "GET" and request.path == "/assistants/asst_1"
    deprecated = {c.operation_id for c in CONTRACT if _spec_operation(c).get("deprecated")}
    for contract in CONTRACT:
        func = getattr(operations, function_name(contract.operation_id))
        assert bool(getattr(func, "__deprecated__", None)) == (contract.operation_id in deprecated)
    assert len(deprecated) == 5


def test_a_deprecated_client_method_warns_once() -> None:
    import warnings

    from assistants_client import AssistantsClient

    from tests.loopback import LoopbackServer

    assistant = {"id": "asst_1", "object": "assistant", "created_at": 1, "name": None, "description": None,
                 "model": "gpt-4o", "instructions": None, "tools": [], "metadata": {}}
    with (LoopbackServer(lambda request: (200, {}, assistant)) as server,
          AssistantsClient(api_key="sk-test", base_url=server.base_url) as client,
          warnings.catch_warnings(record=True) as caught):
        warnings.simplefilter("always")
        assert client.get_assistant("asst_1").id == "asst_1"
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert [str(w.message) for w in deprecations] == ["getAssistant is deprecated by the API"]
    assert deprecations[0].filename == __file__  # it points at the caller's line


def _spec_operation(contract: OperationContract) -> dict[str, Any]:
    return dict(_spec()["paths"][contract.path][contract.method.lower()])


def test_the_package_readme_gives_each_method_its_return_type() -> None:
    """The generated README named the list response (`ListMessagesResponse`) where the method
    returns `SyncPage[MessageObject]`, and left out the stream a streaming call returns."""
    from assistants_client import AssistantsClient

    readme = (ROOT / "generated" / "assistants_client" / "README.md").read_text(encoding="utf-8")
    documented = {name: returns for returns, name in re.findall(r"^> (.+) (\w+)\(", readme, re.MULTILINE)}
    assert len(documented) == len(CONTRACT)
    for contract in CONTRACT:
        name = function_name(contract.operation_id)
        assert documented[name] == inspect.signature(getattr(AssistantsClient, name)).return_annotation, name


ARGUMENT_PROBE = """\
from typing import Any

from assistants_client import AssistantsClient, SyncPage
from assistants_client.models import AssistantToolsCode, CreateMessageRequest, MessageObject

client = AssistantsClient(api_key="k")
messages: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
requests: list[CreateMessageRequest] = [CreateMessageRequest(role="user", content="hi")]
tools: list[AssistantToolsCode] = [AssistantToolsCode(type="code_interpreter")]
parts: list[dict[str, Any]] = [{"type": "text", "text": "hi"}]
client.create_thread(messages=messages)
client.create_thread(messages=requests)
client.create_assistant(model="gpt-4o", tools=tools)
client.create_assistant(model="gpt-4o", tools=(AssistantToolsCode(type="code_interpreter"),))
client.create_message("t", role="user", content=parts)
client.create_run("t", assistant_id="a", include=["step_details.tool_calls[*].file_search.results[*].content"])
client.create_run("t", assistant_id="a", tool_choice={"type": "function", "function": {"name": "f"}})
client.create_run("t", assistant_id="a", response_format={"type": "json_object"}, tool_choice="auto")
client.create_run("t", assistant_id="a", include="step_details.tool_calls[*].file_search.results[*].content")  # error
client.create_run("t", assistant_id="a", include=["step_details"])  # error
client.create_assistant(model="gpt-4o", tools=[1])  # error
client.create_thread(messages=[{"role": "user"}, 2])  # error

page = client.list_messages("t")
reveal_type(page.response)  # reveal: assistants_client.models.ListMessagesResponse
reveal_type(page.response.first_id)  # reveal: str | None
page.response.frist_id  # error
annotated: SyncPage[MessageObject] = page  # the response type has a default
reveal_type(annotated.response)  # reveal: Any
"""


def test_argument_and_page_types_say_what_the_call_takes_and_gives(tmp_path: Path) -> None:
    """List arguments were `list[...]`, which is invariant: a `list[dict[str, Any]]` or a
    `list[AssistantToolsCode]` built beforehand, or a tuple, failed mypy --strict though the
    call works. They are `SequenceNotStr[...]` now; a plain string is still refused. A union
    with a string branch (`tool_choice`, `response_format`) now takes a dict for its object
    branches, as every other nested argument does. A page's `.response` was `Any`."""
    import os
    import subprocess
    import sys

    (tmp_path / "probe.py").write_text(ARGUMENT_PROBE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "probe.py"],
        check=False, cwd=tmp_path, env={**os.environ, "MYPYPATH": str(ROOT / "generated")},
        capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    lines = ARGUMENT_PROBE.splitlines()
    errors = sorted({int(line) for line in re.findall(r"^probe\.py:(\d+): error:", output, re.MULTILINE)})
    assert errors == [i + 1 for i, line in enumerate(lines) if line.endswith("# error")], output
    revealed = dict(re.findall(r'^probe\.py:(\d+): note: Revealed type is "(.+)"', output, re.MULTILINE))
    wanted = {str(i + 1): line.split("# reveal: ")[1] for i, line in enumerate(lines) if "# reveal: " in line}
    assert revealed == wanted, output


def test_the_package_answers_dir_with_its_public_names() -> None:
    """dir() (and so tab completion) lists what `from assistants_client import ...` offers, the lazily
    loaded clients and the public modules included, and nothing private."""
    import assistants_client

    names = dir(assistants_client)
    assert set(assistants_client.__all__) <= set(names)
    assert {"AssistantsClient", "AsyncAssistantsClient", "models", "operations", "client"} <= set(names)
    assert not [name for name in names if name.startswith("_") or name == "TYPE_CHECKING"], names
    assert names == sorted(names)
    for name in names:
        assert getattr(assistants_client, name) is not None or name in assistants_client.__all__
