"""Hand-written contract for spec/assistants.yaml, taken from the seed documents.

Sources: /work/shared/seeds/000_*.txt (Go-style docs), 001_*.txt (camelCase docs)
and 004_*.txt (Rust-style docs), all describing Assistants API v2. This table is
typed from those documents, not generated from the spec it checks.

Where the seeds differ (none of it changes a method, path or parameter set):
- 004 names operations in snake_case (create_run, submit_tool_ouputs_to_run);
  000 and 001 use the camelCase operationIds recorded here.
- 000 and 004 spell the `include[]` query parameter as the identifier
  `include_left_square_bracket_right_square_bracket`; only 001 shows the wire
  name `include[]`, which is what we record.
- 000 repeats required path params (and createRun's body) in its "optional"
  tables for createRun, listMessages, listRuns, listRunSteps and getRunStep;
  001 and 004 mark them required, so we treat them as required path params.
- 000 gives `order` no type or default; 001 and 004 say string, default desc.
All three agree that createThread's body is optional and every other body is
required, and all three keep the published typo "submitToolOuputsToRun".
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str  # wire name, e.g. "include[]"
    required: bool


@dataclass(frozen=True)
class OperationContract:
    operation_id: str  # as published, e.g. "submitToolOuputsToRun" (sic)
    method: str  # "GET", "POST", "DELETE"
    path: str  # "/threads/{thread_id}/runs"
    path_params: tuple[str, ...]  # in the order they appear in the path
    query_params: tuple[Param, ...]  # in the order the seeds list them
    body: str | None  # request body schema name, or None
    body_required: bool


# The cursor-pagination quartet shared by the four list operations.
PAGING = (
    Param("limit", False),
    Param("order", False),
    Param("after", False),
    Param("before", False),
)
INCLUDE = Param("include[]", False)

T = ("thread_id",)
TR = ("thread_id", "run_id")
TM = ("thread_id", "message_id")


def _op(op_id, method, path, path_params=(), query=(), body=None, body_required=False):
    return OperationContract(op_id, method, path, tuple(path_params), tuple(query), body, body_required)


CONTRACT: tuple[OperationContract, ...] = (
    _op("cancelRun", "POST", "/threads/{thread_id}/runs/{run_id}/cancel", TR),
    _op("createAssistant", "POST", "/assistants",
        body="CreateAssistantRequest", body_required=True),
    _op("createMessage", "POST", "/threads/{thread_id}/messages", T,
        body="CreateMessageRequest", body_required=True),
    _op("createRun", "POST", "/threads/{thread_id}/runs", T, (INCLUDE,),
        body="CreateRunRequest", body_required=True),
    # The only operation whose body the seeds mark optional.
    _op("createThread", "POST", "/threads",
        body="CreateThreadRequest", body_required=False),
    _op("createThreadAndRun", "POST", "/threads/runs",
        body="CreateThreadAndRunRequest", body_required=True),
    _op("deleteAssistant", "DELETE", "/assistants/{assistant_id}", ("assistant_id",)),
    _op("deleteMessage", "DELETE", "/threads/{thread_id}/messages/{message_id}", TM),
    _op("deleteThread", "DELETE", "/threads/{thread_id}", T),
    _op("getAssistant", "GET", "/assistants/{assistant_id}", ("assistant_id",)),
    _op("getMessage", "GET", "/threads/{thread_id}/messages/{message_id}", TM),
    _op("getRun", "GET", "/threads/{thread_id}/runs/{run_id}", TR),
    _op("getRunStep", "GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}",
        ("thread_id", "run_id", "step_id"), (INCLUDE,)),
    _op("getThread", "GET", "/threads/{thread_id}", T),
    _op("listAssistants", "GET", "/assistants", (), PAGING),
    _op("listMessages", "GET", "/threads/{thread_id}/messages", T,
        PAGING + (Param("run_id", False),)),
    _op("listRunSteps", "GET", "/threads/{thread_id}/runs/{run_id}/steps", TR,
        PAGING + (INCLUDE,)),
    _op("listRuns", "GET", "/threads/{thread_id}/runs", T, PAGING),
    _op("modifyAssistant", "POST", "/assistants/{assistant_id}", ("assistant_id",),
        body="ModifyAssistantRequest", body_required=True),
    _op("modifyMessage", "POST", "/threads/{thread_id}/messages/{message_id}", TM,
        body="ModifyMessageRequest", body_required=True),
    _op("modifyRun", "POST", "/threads/{thread_id}/runs/{run_id}", TR,
        body="ModifyRunRequest", body_required=True),
    _op("modifyThread", "POST", "/threads/{thread_id}", T,
        body="ModifyThreadRequest", body_required=True),
    # "Ouputs" (sic) is the published operationId; the path says "outputs".
    _op("submitToolOuputsToRun", "POST", "/threads/{thread_id}/runs/{run_id}/submit_tool_outputs",
        TR, body="SubmitToolOutputsRunRequest", body_required=True),
)

BY_ID: dict[str, OperationContract] = {c.operation_id: c for c in CONTRACT}

assert len(CONTRACT) == len(BY_ID) == 23
assert [c.operation_id for c in CONTRACT] == sorted(BY_ID)
