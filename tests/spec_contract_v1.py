"""Hand-written contract for the v1 Assistants API (the 2024-04-12 published spec).

Sources: /work/shared/seeds/002_*.txt (Speakeasy Go SDK docs) and 003_*.txt
(OpenAPI Generator Go docs), both describing Assistants API v1 with its 28
endpoints. This table is typed from those documents, not generated from the
reference yaml it is checked against (tests/test_reference_specs.py).

Where the seeds differ (none of it changes a method, path or parameter set):
- Both name operations as Go methods (CancelRun, SubmitToolOuputsToRun); we record
  the lowerCamel operationIds, as tests/spec_contract.py does for v2. Both keep the
  published typo "Ouputs".
- Only 003 gives HTTP methods and paths (its "HTTP request" table); 002 has neither.
- 002 orders arguments alphabetically (GetMessageFile(ctx, fileID, messageID,
  threadID); CancelRun(ctx, runID, threadID)) and puts the body first; 003 follows
  the path ({thread_id}, {message_id}, {file_id}). Path order is taken from 003.
- 002 lists ListAssistants' query params alphabetically (after, before, limit,
  order) and hides the other list operations' query params inside request structs;
  003 lists limit, order, after, before for all six list operations, which is the
  order recorded here. They disagree on types (limit int64 vs int32; order an enum
  `QueryParamOrder` vs a string defaulting to "desc"), not on the set. Both mark
  every query param optional.
- 003 spells parameters as Go identifiers (threadId, runId); its URIs show the wire
  spelling ({thread_id}, {run_id}), so ListMessages' `runId` filter is recorded as
  `run_id` (the spelling seeds 000/001 give for the same v2 filter).
- Neither seed has `include[]` anywhere: it is a v2 addition, like deleteMessage,
  which v1 does not have.
- Body requiredness comes from 002: every body is passed by value (required) except
  CreateThread's, passed as a pointer (`&shared.CreateThreadRequest{}`), i.e.
  optional. 003 shows the body types but no required flags.
"""

try:
    from .spec_contract import OperationContract, Param
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from spec_contract import OperationContract, Param  # type: ignore[no-redef]

# The cursor-pagination quartet shared by the six list operations, in 003's order.
PAGING = (
    Param("limit", False),
    Param("order", False),
    Param("after", False),
    Param("before", False),
)

A = ("assistant_id",)
AF = ("assistant_id", "file_id")
T = ("thread_id",)
TR = ("thread_id", "run_id")
TM = ("thread_id", "message_id")
TMF = ("thread_id", "message_id", "file_id")


def _op(op_id, method, path, path_params=(), query=(), body=None, body_required=False):
    return OperationContract(op_id, method, path, tuple(path_params), tuple(query), body, body_required)


CONTRACT: tuple[OperationContract, ...] = (
    _op("cancelRun", "POST", "/threads/{thread_id}/runs/{run_id}/cancel", TR),
    _op("createAssistant", "POST", "/assistants",
        body="CreateAssistantRequest", body_required=True),
    _op("createAssistantFile", "POST", "/assistants/{assistant_id}/files", A,
        body="CreateAssistantFileRequest", body_required=True),
    _op("createMessage", "POST", "/threads/{thread_id}/messages", T,
        body="CreateMessageRequest", body_required=True),
    _op("createRun", "POST", "/threads/{thread_id}/runs", T,
        body="CreateRunRequest", body_required=True),
    # The only operation whose body 002 marks optional (passed as a pointer).
    _op("createThread", "POST", "/threads",
        body="CreateThreadRequest", body_required=False),
    _op("createThreadAndRun", "POST", "/threads/runs",
        body="CreateThreadAndRunRequest", body_required=True),
    _op("deleteAssistant", "DELETE", "/assistants/{assistant_id}", A),
    _op("deleteAssistantFile", "DELETE", "/assistants/{assistant_id}/files/{file_id}", AF),
    _op("deleteThread", "DELETE", "/threads/{thread_id}", T),
    _op("getAssistant", "GET", "/assistants/{assistant_id}", A),
    _op("getAssistantFile", "GET", "/assistants/{assistant_id}/files/{file_id}", AF),
    _op("getMessage", "GET", "/threads/{thread_id}/messages/{message_id}", TM),
    _op("getMessageFile", "GET", "/threads/{thread_id}/messages/{message_id}/files/{file_id}", TMF),
    _op("getRun", "GET", "/threads/{thread_id}/runs/{run_id}", TR),
    _op("getRunStep", "GET", "/threads/{thread_id}/runs/{run_id}/steps/{step_id}",
        ("thread_id", "run_id", "step_id")),
    _op("getThread", "GET", "/threads/{thread_id}", T),
    _op("listAssistantFiles", "GET", "/assistants/{assistant_id}/files", A, PAGING),
    _op("listAssistants", "GET", "/assistants", (), PAGING),
    _op("listMessageFiles", "GET", "/threads/{thread_id}/messages/{message_id}/files", TM, PAGING),
    _op("listMessages", "GET", "/threads/{thread_id}/messages", T,
        PAGING + (Param("run_id", False),)),
    _op("listRunSteps", "GET", "/threads/{thread_id}/runs/{run_id}/steps", TR, PAGING),
    _op("listRuns", "GET", "/threads/{thread_id}/runs", T, PAGING),
    _op("modifyAssistant", "POST", "/assistants/{assistant_id}", A,
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

assert len(CONTRACT) == len(BY_ID) == 28
assert [c.operation_id for c in CONTRACT] == sorted(BY_ID)
