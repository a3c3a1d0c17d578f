"""Checks that spec/assistants.yaml is valid OpenAPI 3.1 and matches the seed contract."""

import copy
import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

try:
    from .spec_contract import BY_ID, CONTRACT
except ImportError:  # tests/ is not a package: pytest puts tests/ on sys.path
    from spec_contract import BY_ID, CONTRACT

REPO = Path(__file__).resolve().parents[1]
SPEC_PATH = REPO / "spec" / "assistants.yaml"
REFERENCE = REPO.parent / "shared" / "reference" / "openai-openapi-2026-08-21.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path):
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=LOADER)


@pytest.fixture(scope="module")
def spec() -> dict:
    return load_yaml(SPEC_PATH)


# --- reading operations out of a spec ----------------------------------------


def resolve(spec: dict, node):
    """Follow local "#/..." $refs (e.g. into components/parameters) to the real node."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/") and ref not in seen, f"cannot resolve $ref {ref!r}"
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def iter_operations(spec: dict):
    """Yield (method, path, path_item, operation) for every operation in the spec."""
    for path, item in (spec.get("paths") or {}).items():
        item = resolve(spec, item)
        for method in HTTP_METHODS:
            if method in item:
                yield method.upper(), path, item, item[method]


def effective_parameters(spec: dict, item: dict, op: dict) -> list[dict]:
    """Path-level parameters overridden by operation-level ones, $refs resolved."""
    merged = {}
    for raw in item.get("parameters", []) + op.get("parameters", []):
        param = resolve(spec, raw)
        merged[(param["name"], param["in"])] = param
    return list(merged.values())


def body_of(spec: dict, op: dict) -> tuple[str | None, bool]:
    """(schema name of the JSON request body, required flag); (None, False) if no body."""
    if "requestBody" not in op:
        return None, False
    body = resolve(spec, op["requestBody"])
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), {})
    ref = media.get("schema", {}).get("$ref")
    name = ref.rsplit("/", 1)[-1] if ref else "<inline schema>"
    return name, bool(body.get("required", False))


# --- the contract check --------------------------------------------------------


def param_violations(op_id: str, params: list[dict], contract) -> list[str]:
    out = []
    path_names = [p["name"] for p in params if p["in"] == "path"]
    if path_names != list(contract.path_params):
        out.append(f"{op_id}: path params are {path_names}, expected {list(contract.path_params)}")
    for p in params:
        if p["in"] == "path" and p.get("required") is not True:
            out.append(f"{op_id}: path param '{p['name']}' is not required")
        if p["in"] not in ("path", "query"):
            out.append(f"{op_id}: unexpected {p['in']} param '{p['name']}'")

    actual = {p["name"]: bool(p.get("required", False)) for p in params if p["in"] == "query"}
    expected = {q.name: q.required for q in contract.query_params}
    out += [f"{op_id}: missing query param '{n}'" for n in expected if n not in actual]
    out += [f"{op_id}: unexpected query param '{n}'" for n in actual if n not in expected]
    for name in expected.keys() & actual.keys():
        if actual[name] != expected[name]:
            out.append(
                f"{op_id}: query param '{name}' has required={actual[name]}, "
                f"expected required={expected[name]}"
            )
    if set(actual) == set(expected) and list(actual) != list(expected):
        out.append(f"{op_id}: query params ordered {list(actual)}, expected {list(expected)}")
    return out


def operation_violations(spec: dict, method: str, path: str, item: dict, op: dict) -> list[str]:
    op_id = op["operationId"]
    contract = BY_ID[op_id]
    out = []
    if method != contract.method:
        out.append(f"{op_id}: method is {method}, expected {contract.method}")
    if path != contract.path:
        out.append(f"{op_id}: path is {path}, expected {contract.path}")
    out += param_violations(op_id, effective_parameters(spec, item, op), contract)
    body, required = body_of(spec, op)
    if body != contract.body:
        out.append(f"{op_id}: request body schema is {body}, expected {contract.body}")
    elif body is not None and required != contract.body_required:
        out.append(
            f"{op_id}: request body has required={required}, "
            f"expected required={contract.body_required}"
        )
    return out


def contract_violations(spec: dict) -> list[str]:
    """Every difference between the spec's operations and CONTRACT, one line each."""
    out, seen = [], set()
    for method, path, item, op in iter_operations(spec):
        op_id = op.get("operationId")
        if op_id is None:
            out.append(f"<no operationId>: {method} {path} has no operationId")
        elif op_id in seen:
            out.append(f"{op_id}: duplicate operationId at {method} {path}")
        elif op_id not in BY_ID:
            out.append(f"{op_id}: unexpected operation at {method} {path}")
        else:
            out += operation_violations(spec, method, path, item, op)
        seen.add(op_id)
    for c in CONTRACT:
        if c.operation_id not in seen:
            out.append(f"{c.operation_id}: missing operation ({c.method} {c.path})")
    return out


# --- tests against the real spec -------------------------------------------------


def test_spec_is_valid_openapi_31(spec):
    assert str(spec.get("openapi", "")).startswith("3.1"), spec.get("openapi")
    errors = [str(e) for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert errors == []


def test_spec_matches_contract(spec):
    assert contract_violations(spec) == []


@pytest.mark.parametrize("op_id", sorted(BY_ID))
def test_operation_matches_contract(spec, op_id):
    mine = [v for v in contract_violations(spec) if v.startswith(f"{op_id}:")]
    assert mine == []


# --- mutations: the check must notice each of these ------------------------------


def find_op(spec: dict, op_id: str) -> dict:
    return next(op for *_, op in iter_operations(spec) if op.get("operationId") == op_id)


def find_param(spec: dict, op_id: str, name: str) -> dict:
    op = find_op(spec, op_id)
    return next(p for p in op["parameters"] if resolve(spec, p)["name"] == name)


@pytest.fixture
def mutant(spec) -> dict:
    return copy.deepcopy(spec)


def test_renamed_query_param_is_reported(mutant):
    find_param(mutant, "createRun", "include[]")["name"] = "include"
    found = contract_violations(mutant)
    assert "createRun: missing query param 'include[]'" in found
    assert "createRun: unexpected query param 'include'" in found


def test_dropped_query_param_is_reported(mutant):
    op = find_op(mutant, "listMessages")
    op["parameters"] = [p for p in op["parameters"] if p["name"] != "run_id"]
    assert contract_violations(mutant) == ["listMessages: missing query param 'run_id'"]


def test_renamed_path_param_is_reported(mutant):
    find_param(mutant, "getRun", "run_id")["name"] = "runId"
    assert contract_violations(mutant) == [
        "getRun: path params are ['thread_id', 'runId'], expected ['thread_id', 'run_id']"
    ]


def test_flipped_query_required_flag_is_reported(mutant):
    find_param(mutant, "listRuns", "limit")["required"] = True
    assert contract_violations(mutant) == [
        "listRuns: query param 'limit' has required=True, expected required=False"
    ]


def test_flipped_body_required_flag_is_reported(mutant):
    find_op(mutant, "createThread")["requestBody"]["required"] = True
    assert contract_violations(mutant) == [
        "createThread: request body has required=True, expected required=False"
    ]


def test_dropped_operation_is_reported(mutant):
    del mutant["paths"]["/threads/{thread_id}/runs/{run_id}/steps/{step_id}"]["get"]
    assert contract_violations(mutant) == [
        "getRunStep: missing operation (GET /threads/{thread_id}/runs/{run_id}/steps/{step_id})"
    ]


def test_wrong_method_and_body_schema_are_reported(mutant):
    runs = mutant["paths"]["/threads/{thread_id}/runs/{run_id}"]
    runs["put"] = runs.pop("post")
    runs["put"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/CreateRunRequest"
    }
    found = contract_violations(mutant)
    assert "modifyRun: method is PUT, expected POST" in found
    assert "modifyRun: request body schema is CreateRunRequest, expected ModifyRunRequest" in found


def test_query_param_via_components_ref_is_resolved(mutant):
    op = find_op(mutant, "listMessages")
    index = next(i for i, p in enumerate(op["parameters"]) if p["name"] == "run_id")
    mutant.setdefault("components", {}).setdefault("parameters", {})["RunId"] = op["parameters"][index]
    op["parameters"][index] = {"$ref": "#/components/parameters/RunId"}
    assert contract_violations(mutant) == []
    mutant["components"]["parameters"]["RunId"]["name"] = "runId"
    assert "listMessages: missing query param 'run_id'" in contract_violations(mutant)


# --- prose: our descriptions are written by us, not copied -----------------------


def prose_strings(node):
    """Every string under a `description` or `summary` key, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield value
            else:
                yield from prose_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from prose_strings(value)


def normalise(text: str) -> str:
    return " ".join(text.split())


def long_paragraphs(texts, min_len: int = 30) -> set[str]:
    paragraphs = (normalise(p) for t in texts for p in re.split(r"\n\s*\n", t))
    return {p for p in paragraphs if len(p) >= min_len}


@pytest.fixture(scope="module")
def reference_paragraphs() -> set[str]:
    if not REFERENCE.exists():
        pytest.skip(f"reference spec not present: {REFERENCE}")
    paragraphs = long_paragraphs(prose_strings(load_yaml(REFERENCE)))
    assert paragraphs, "found no prose in the reference; the walk is broken"
    return paragraphs


def copied_paragraphs(spec_text: str, reference: set[str]) -> list[str]:
    """Reference paragraphs found in the spec's raw text or in its parsed strings."""
    parsed = yaml.load(spec_text, Loader=LOADER)
    haystack = "\0".join([normalise(spec_text)] + [normalise(s) for s in prose_strings(parsed)])
    return sorted(p for p in reference if p in haystack)


def test_prose_is_not_copied_from_reference(reference_paragraphs):
    spec_text = SPEC_PATH.read_text(encoding="utf-8")
    assert copied_paragraphs(spec_text, reference_paragraphs) == []


def test_copied_prose_would_be_caught(spec, reference_paragraphs):
    stolen = max(reference_paragraphs, key=len)
    mutated = copy.deepcopy(spec)
    mutated["info"]["description"] = f"Intro.\n\n{stolen}"
    spec_text = yaml.safe_dump(mutated, width=60)  # folds long lines, changes quoting
    assert stolen in copied_paragraphs(spec_text, reference_paragraphs)
