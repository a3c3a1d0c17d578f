"""Contract check of the generated client against Stoplight Prism, the OpenAPI mock server.

One Prism process (installed from npm into node_modules/ by `make test`) mocks the
effective spec (spec/assistants.yaml with its overlays, as `python -m generator resolve`
writes it) on 127.0.0.1 with `--errors`, so a request that breaks the spec gets a 4xx/422
instead of a mock. Every operation in spec_contract.CONTRACT is called through
AssistantsClient with realistic arguments, and every HTTP exchange is recorded with an
httpx response hook. For each operation we assert: one exchange, routed by Prism to that
operation, 2xx, no `sl-violations` header, and the client returned the operation's
response model parsed from the body Prism generated from the schemas (static mode). Then
controls show the mock does reject bad bodies, queries and a missing key, so that
"0 violations" means something; see BODY_NOT_VALIDATED_BY_PRISM for a spec finding.

Skipped only when node_modules/.bin/prism is missing (run `make test`, or `npm ci`).
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

try:
    from . import prism_support
    from .spec_contract import CONTRACT
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    import prism_support  # type: ignore[no-redef]
    from spec_contract import CONTRACT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parents[1]
PRISM = prism_support.PRISM
PRISM_PACKAGE_JSON = prism_support.PRISM_PACKAGE_JSON

RESOLVE_TIMEOUT = 120.0  # seconds for `python -m generator resolve`
REQUEST_TIMEOUT = 15.0  # seconds for any one HTTP exchange with Prism

# ---- realistic arguments, one call per operation ---------------------------------------

INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
PAGE = {"limit": 20, "order": "asc", "after": "msg_after1", "before": "msg_before1"}
THREAD, RUN, MESSAGE, STEP, ASSISTANT = (
    "thread_abc123",
    "run_abc123",
    "msg_abc123",
    "step_abc123",
    "asst_abc123",
)
WEATHER_FUNCTION = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}

CALLS: dict[str, Callable[[Any, ModuleType], Any]] = {
    "cancelRun": lambda c, m: c.cancel_run(THREAD, RUN),
    "createAssistant": lambda c, m: c.create_assistant(
        model="gpt-4o",
        name="Math tutor",
        instructions="You are a personal math tutor.",
        tools=[m.AssistantToolsCode(type="code_interpreter"), WEATHER_FUNCTION],
        metadata={"team": "qa"},
        temperature=0.2,
    ),
    "createMessage": lambda c, m: c.create_message(
        THREAD,
        role="user",
        content="I need to solve the equation `3x + 11 = 14`. Can you help me?",
        attachments=[{"file_id": "file_abc123", "tools": [{"type": "code_interpreter"}]}],
        metadata={"source": "test"},
    ),
    "createRun": lambda c, m: c.create_run(
        THREAD,
        include=[INCLUDE],
        assistant_id=ASSISTANT,
        instructions="Please address the user as Jane Doe.",
        tools=[{"type": "file_search", "file_search": {"max_num_results": 5}}],
        truncation_strategy={"type": "last_messages", "last_messages": 10},
        tool_choice="auto",
        max_completion_tokens=500,
    ),
    "createThread": lambda c, m: c.create_thread(
        messages=[{"role": "user", "content": "Hello, what is AI?"}],
        metadata={"session": "s1"},
    ),
    "createThreadAndRun": lambda c, m: c.create_thread_and_run(
        assistant_id=ASSISTANT,
        thread={
            "messages": [{"role": "user", "content": "Explain deep learning to a 5 year old."}]
        },
        model="gpt-4o",
        temperature=0.5,
        max_prompt_tokens=2000,
    ),
    "deleteAssistant": lambda c, m: c.delete_assistant(ASSISTANT),
    "deleteMessage": lambda c, m: c.delete_message(THREAD, MESSAGE),
    "deleteThread": lambda c, m: c.delete_thread(THREAD),
    "getAssistant": lambda c, m: c.get_assistant(ASSISTANT),
    "getMessage": lambda c, m: c.get_message(THREAD, MESSAGE),
    "getRun": lambda c, m: c.get_run(THREAD, RUN),
    "getRunStep": lambda c, m: c.get_run_step(THREAD, RUN, STEP, include=[INCLUDE]),
    "getThread": lambda c, m: c.get_thread(THREAD),
    "listAssistants": lambda c, m: c.list_assistants(**PAGE),
    "listMessages": lambda c, m: c.list_messages(THREAD, **PAGE, run_id=RUN),
    "listRunSteps": lambda c, m: c.list_run_steps(THREAD, RUN, **PAGE, include=[INCLUDE]),
    "listRuns": lambda c, m: c.list_runs(THREAD, **PAGE),
    "modifyAssistant": lambda c, m: c.modify_assistant(
        ASSISTANT,
        name="Renamed tutor",
        tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_store_ids": ["vs_abc123"]}},
    ),
    "modifyMessage": lambda c, m: c.modify_message(THREAD, MESSAGE, metadata={"modified": "true"}),
    "modifyRun": lambda c, m: c.modify_run(THREAD, RUN, metadata={"user_id": "user_abc123"}),
    "modifyThread": lambda c, m: c.modify_thread(
        THREAD,
        tool_resources={"code_interpreter": {"file_ids": ["file_abc123"]}},
        metadata={"modified": "true"},
    ),
    "submitToolOuputsToRun": lambda c, m: c.submit_tool_ouputs_to_run(
        THREAD,
        RUN,
        tool_outputs=[{"tool_call_id": "call_abc123", "output": "28C"}],
        stream=False,
    ),
}

# ---- matching an exchange to its operation ---------------------------------------------


def _template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


# Literal paths before templated ones (POST /threads/runs is createThreadAndRun, not
# modifyThread with thread_id="runs"), as Prism routes them.
ROUTES = sorted(
    ((c.method, _template_regex(c.path), c.operation_id, len(c.path_params)) for c in CONTRACT),
    key=lambda route: route[3],
)


def operation_of(method: str, path: str) -> str | None:
    for route_method, regex, operation_id, _ in ROUTES:
        if route_method == method and regex.match(path):
            return operation_id
    return None


# ---- records ---------------------------------------------------------------------------


@dataclass
class Exchange:
    method: str
    url: str
    status: int
    violations: list[Any] | None  # parsed `sl-violations` header, None when absent
    body: str

    @property
    def operation_id(self) -> str | None:
        return operation_of(self.method, httpx.URL(self.url).path)


@dataclass
class Outcome:
    operation_id: str
    expected_model: str
    exchanges: list[Exchange] = field(default_factory=list)
    result: Any = None
    error: BaseException | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(len(e.violations) for e in self.exchanges if e.violations is not None)


class PrismSession:
    """One AssistantsClient pointed at the module's Prism; runs each operation once."""

    def __init__(self, base_url: str, spec: dict[str, Any], package: ModuleType) -> None:
        self.spec = spec
        self.package = package
        self.models = importlib.import_module(f"{package.__name__}.models")
        self.recorded: list[Exchange] = []
        self.http = httpx.Client(
            timeout=REQUEST_TIMEOUT,
            trust_env=False,  # no proxy from the environment: 127.0.0.1 only
            event_hooks={"response": [self._record]},
        )
        self.client = package.AssistantsClient(
            api_key="sk-test", base_url=base_url, max_retries=0, http_client=self.http
        )
        self.outcomes: dict[str, Outcome] = {}

    def _record(self, response: httpx.Response) -> None:
        if not response.is_success:  # keep Prism's error for the report; never read a stream
            response.read()
        raw = response.headers.get("sl-violations")
        violations = None
        if raw is not None:
            try:
                parsed = json.loads(raw)
                violations = parsed if isinstance(parsed, list) else [parsed]
            except ValueError:
                violations = [raw]
        self.recorded.append(
            Exchange(
                response.request.method,
                str(response.request.url),
                response.status_code,
                violations,
                "" if response.is_success else response.text,
            )
        )

    def expected_model(self, operation_id: str) -> str:
        for item in self.spec["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
                    return str(schema["$ref"]).rsplit("/", 1)[-1]
        raise LookupError(f"{operation_id} is not in the effective spec")

    def exercise(self, operation_id: str) -> Outcome:
        if operation_id in self.outcomes:
            return self.outcomes[operation_id]
        outcome = Outcome(operation_id, self.expected_model(operation_id))
        self.recorded = []
        try:
            outcome.result = CALLS[operation_id](self.client, self.models)
        except Exception as exc:  # noqa: BLE001 - every failure is reported below
            outcome.error = exc
        outcome.exchanges = self.recorded
        self.outcomes[operation_id] = outcome
        outcome.problems = self._problems(outcome)
        return outcome

    def _problems(self, outcome: Outcome) -> list[str]:
        problems = []
        if len(outcome.exchanges) != 1:
            problems.append(f"expected 1 HTTP exchange, saw {len(outcome.exchanges)}")
        for ex in outcome.exchanges:
            where = f"{ex.method} {ex.url} -> {ex.status}"
            if ex.operation_id != outcome.operation_id:
                problems.append(f"{where}: routed to {ex.operation_id}, not {outcome.operation_id}")
            if not 200 <= ex.status < 300:
                problems.append(f"{where}: not 2xx; Prism said {ex.body[:2000]}")
            if ex.violations is not None:
                problems.append(f"{where}: sl-violations {json.dumps(ex.violations)}")
        if outcome.error is not None:
            problems.append(
                f"client raised {type(outcome.error).__name__}: {outcome.error}".rstrip()
            )
        else:
            problems += self._type_problems(outcome)
        return problems

    def _type_problems(self, outcome: Outcome) -> list[str]:
        """The result is the operation's 200 model, or a page wrapping it (list operations)."""
        model = getattr(self.models, outcome.expected_model)
        result = outcome.result
        if isinstance(result, model):
            return []
        wrapped = getattr(result, "response", None)
        if not isinstance(wrapped, model):
            return [f"returned {type(result).__name__}, expected {outcome.expected_model}"]
        schema = self.spec["components"]["schemas"][outcome.expected_model]
        item_model = getattr(
            self.models, schema["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[-1]
        )
        items = list(getattr(result, "data", None) or [])
        if not items:
            return [f"{type(result).__name__} has no items; static Prism lists have one"]
        return [
            f"page item {i} is {type(item).__name__}, expected {item_model.__name__}"
            for i, item in enumerate(items)
            if not isinstance(item, item_model)
        ]

    def close(self) -> None:
        self.client.close()
        self.http.close()


# ---- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def effective_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = tmp_path_factory.mktemp("prism") / "spec.json"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "generator", "resolve", "--output", str(spec)],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
            timeout=RESOLVE_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`python -m generator resolve` took more than {RESOLVE_TIMEOUT}s")
    if done.returncode != 0 or not spec.is_file():
        pytest.fail(
            f"`python -m generator resolve` exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return spec


def start_prism(spec: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `prism mock --errors` on a free port; return it once it answers, with its URL."""
    try:
        # The spec's server is https://api.openai.com/v1, but Prism routes the spec's paths
        # (/threads/...) from the root: the base URL has no /v1.
        return prism_support.start_prism(spec, log_path, errors=True)
    except prism_support.PrismStartError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def prism(request: pytest.FixtureRequest) -> Iterator[str]:
    """Base URL of one Prism mock of the effective spec, for the whole module."""
    if not prism_support.prism_installed():
        pytest.skip(f"{PRISM.relative_to(ROOT)} is missing: run `make test` or `npm ci`")
    spec: Path = request.getfixturevalue("effective_spec")
    process, base_url = start_prism(spec, spec.with_name("prism.log"))
    try:
        yield base_url
    finally:
        prism_support.stop(process)


@pytest.fixture(scope="module")
def session(prism: str, effective_spec: Path, generated_on_path: Path) -> Iterator[PrismSession]:
    package = importlib.import_module("assistants_client")
    spec = json.loads(effective_spec.read_text(encoding="utf-8"))
    prism_session = PrismSession(prism, spec, package)
    yield prism_session
    prism_session.close()


@pytest.fixture(scope="module")
def raw_http(prism: str) -> Iterator[httpx.Client]:
    """A plain client on Prism, with the API key, for the controls below."""
    with httpx.Client(
        base_url=prism,
        timeout=REQUEST_TIMEOUT,
        trust_env=False,
        headers={"Authorization": "Bearer sk-test"},
    ) as http:
        yield http


# ---- tests -----------------------------------------------------------------------------


def test_every_contract_operation_has_a_call() -> None:
    assert sorted(CALLS) == sorted(c.operation_id for c in CONTRACT)


@pytest.mark.parametrize("operation_id", [c.operation_id for c in CONTRACT])
def test_operation_conforms_to_prism(session: PrismSession, operation_id: str) -> None:
    outcome = session.exercise(operation_id)
    assert not outcome.problems, f"{operation_id}:\n  " + "\n  ".join(outcome.problems)


def test_all_operations_exercised_without_violations(
    session: PrismSession, capsys: pytest.CaptureFixture[str]
) -> None:
    # Runs whatever the parametrized test did not (e.g. under -k), so it stands alone.
    outcomes = [session.exercise(c.operation_id) for c in CONTRACT]
    exercised = {ex.operation_id for o in outcomes for ex in o.exchanges if ex.operation_id}
    exchanges = sum(len(o.exchanges) for o in outcomes)
    violations = sum(o.violations for o in outcomes)
    failing = [o.operation_id for o in outcomes if o.problems]
    version = "?"
    if PRISM_PACKAGE_JSON.is_file():
        version = json.loads(PRISM_PACKAGE_JSON.read_text(encoding="utf-8")).get("version", "?")
    summary = (
        f"prism {version}: {len(exercised)}/{len(CONTRACT)} operations exercised, "
        f"{exchanges} exchanges, {violations} violations, "
        f"{len(failing)} failing{': ' + ', '.join(failing) if failing else ''}"
    )
    with capsys.disabled():
        print("\n" + summary)
    assert len(exercised) == len(CONTRACT) == 23, summary
    assert violations == 0, summary
    assert not failing, summary


# ---- controls: the mock really rejects what breaks the spec ----------------------------
# Without these, "0 violations" could also mean "Prism validated nothing".

PATH_VALUES = {
    "assistant_id": ASSISTANT,
    "thread_id": THREAD,
    "run_id": RUN,
    "message_id": MESSAGE,
    "step_id": STEP,
}

# The published spec writes null the OpenAPI 3.0 way (`nullable: true` without `type`) in
# CreateRunRequest, CreateThreadAndRunRequest and RunObject; Prism's validator cannot compile
# that and would accept any body for createRun and createThreadAndRun. The overlay
# spec/overlays/nullable-31.yaml restates those places in the 3.1 form, so every body
# operation is checked here, those two included.


@pytest.mark.parametrize("contract", [c for c in CONTRACT if c.body], ids=lambda c: c.operation_id)
def test_prism_rejects_a_body_that_breaks_the_spec(raw_http: httpx.Client, contract: Any) -> None:
    path = contract.path.format(**{name: PATH_VALUES[name] for name in contract.path_params})
    response = raw_http.request(contract.method, path, json=[])  # every body is an object
    assert response.status_code == 422, (
        f"{contract.operation_id}: {response.status_code} {response.text[:500]}"
    )


def test_prism_rejects_a_bad_query_and_a_missing_key(raw_http: httpx.Client, prism: str) -> None:
    bad_query = raw_http.get(f"/threads/{THREAD}/runs", params={"limit": "many"})
    assert bad_query.status_code == 422, bad_query.text[:500]
    with httpx.Client(timeout=REQUEST_TIMEOUT, trust_env=False) as anonymous:
        no_key = anonymous.get(f"{prism}/threads/{THREAD}")
    assert no_key.status_code == 401, no_key.text[:500]
