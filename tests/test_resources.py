"""Resources: the `resources` golden package against a loopback server, lazy loading, and grouping.

Each call goes through its resource (`client.animals.list()`, `client.enclosures.cleanings.cancel(...)`),
sync and async, and the server sees the operation's method and path. Importing the package and
building the client loads no resource module; using a resource loads its module only.

Grouping is shown on a small spec: the spec's extensions (`x-oapi-pygen-grouping`,
`x-oapi-pygen-resource`), which are checked, and the project's settings (`Layout`, in process,
and `grouping` and `[tool.oapi-pygen.resources]` in pyproject.toml), which win over them.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from generator.build import build_package
from generator.pipeline import Options, generate
from generator.problems import SpecError
from generator.resources import (
    FLAT_LIMIT,
    GROUPING_EXTENSION,
    NO_LAYOUT,
    RESOURCE_EXTENSION,
    Layout,
)
from generator.validate import validate
from tests.cli_support import run_cli
from tests.golden_support import install_case
from tests.loopback import LoopbackServer, Recorded, Reply

GOLDEN = Path(__file__).resolve().parent / "golden" / "resources" / "expected"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
ANIMAL = {"id": "a1", "name": "Okapi"}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resources")
    install_case(GOLDEN, folder / "zr_resources")
    return folder


@pytest.fixture(scope="module")
def package(root: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(root))
    import zr_resources

    yield zr_resources
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("zr_resources")]:
        del sys.modules[name]


def route(request: Recorded) -> Reply:
    if request.path == "/v1/animals" and request.method == "GET":
        return 200, {}, {"data": [ANIMAL], "has_more": False}
    if request.path.startswith("/v1/animals") and request.method in ("GET", "POST") and "feed" not in request.path:
        return 200, {}, ANIMAL
    if request.path == "/v1/keepers":
        return 200, {}, [{"name": "Ada"}]
    if request.path == "/v1/enclosures/e1/cleanings" and request.method == "GET":
        return 200, {}, ["2026-01-02T03:04:05Z"]
    if request.path == "/v1/enclosures/e1/gates" and request.method == "GET":
        return 200, {}, ["north"]
    if request.path == "/v1/enclosures/e1" and request.method == "GET":
        return 200, {}, {"id": "e1"}
    if request.path == "/v1/health":
        return 200, {"Content-Type": "text/plain"}, "fine"
    if request.path == "/v1/tickets":
        return 200, {}, 7
    return 204, {}, None


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    with LoopbackServer(route) as srv:
        yield srv


CALLS: list[tuple[str, Callable[[Any], Any], str, str]] = [
    ("animals.list", lambda c: c.animals.list(ids=["a1", "a2"]), "GET", "/v1/animals?ids=a1&ids=a2"),
    ("animals.create", lambda c: c.animals.create(name="Okapi"), "POST", "/v1/animals"),
    ("animals.get", lambda c: c.animals.get("a1"), "GET", "/v1/animals/a1"),
    ("animals.feed", lambda c: c.animals.feed("a1"), "POST", "/v1/animals/a1/feed"),
    ("keepers.list", lambda c: c.keepers.list(), "GET", "/v1/keepers"),
    ("enclosures.get", lambda c: c.enclosures.get("e1"), "GET", "/v1/enclosures/e1"),
    ("enclosures.cleanings.list", lambda c: c.enclosures.cleanings.list("e1"), "GET", "/v1/enclosures/e1/cleanings"),
    ("enclosures.cleanings.schedule", lambda c: c.enclosures.cleanings.schedule("e1"), "POST",
     "/v1/enclosures/e1/cleanings"),
    ("enclosures.cleanings.cancel", lambda c: c.enclosures.cleanings.cancel("e1", "c9"), "DELETE",
     "/v1/enclosures/e1/cleanings/c9"),
    ("enclosures.gates.list", lambda c: c.enclosures.gates.list("e1"), "GET", "/v1/enclosures/e1/gates"),
    ("enclosures.gates.replace", lambda c: c.enclosures.gates.replace("e1", body=["north"]), "PUT",
     "/v1/enclosures/e1/gates"),
    ("health.check", lambda c: c.health.check(), "GET", "/v1/health"),
    ("visitors.tickets.sell", lambda c: c.visitors.tickets.sell(), "POST", "/v1/tickets"),
]


@pytest.mark.parametrize(("name", "call", "method", "target"), CALLS, ids=[c[0] for c in CALLS])
def test_each_call_reaches_its_operation_sync_and_async(package: ModuleType, server: LoopbackServer, name: str,
                                                         call: Callable[[Any], Any], method: str,
                                                         target: str) -> None:
    with package.ZooClient(base_url=server.base_url + "/v1", max_retries=0) as client:
        sync_result = call(client)

    async def go() -> Any:
        async with package.AsyncZooClient(base_url=server.base_url + "/v1", max_retries=0) as client:
            return await call(client)

    async_result = asyncio.run(go())
    assert [(r.method, r.target) for r in server.requests] == [(method, target)] * 2
    assert type(sync_result).__name__.removeprefix("Sync") == type(async_result).__name__.removeprefix("Async")


def test_results_are_typed(package: ModuleType, server: LoopbackServer) -> None:
    with package.ZooClient(base_url=server.base_url + "/v1", max_retries=0) as client:
        assert [a.name for a in client.animals.list()] == ["Okapi"]  # a page, iterated
        assert client.keepers.list()[0].name == "Ada"
        assert client.enclosures.cleanings.list("e1")[0].year == 2026
        assert client.visitors.tickets.sell() == 7
        assert client.enclosures.gates is client.enclosures.gates  # built once per client


def test_the_surface_knows_resources() -> None:
    surface = json.loads((GOLDEN / "_surface.json").read_text(encoding="utf-8"))
    assert sorted(surface["operations"]) == sorted(c[0] for c in CALLS)
    assert surface["operations"]["animals.list"]["operation_id"] == "listAnimals"


def test_modules_load_on_first_use(root: Path) -> None:
    """Importing the package and building the client loads no resource, builder or model module
    and creates no model class; using a resource loads its own modules and no other's."""
    code = (
        "import sys, pydantic, zr_resources\n"
        "def models():\n"
        "    found, todo = set(), [pydantic.BaseModel]\n"
        "    while todo:\n"
        "        for sub in todo.pop().__subclasses__():\n"
        "            if sub.__module__.startswith('zr_resources.models'):\n"
        "                found.add(sub.__name__)\n"
        "            todo.append(sub)\n"
        "    return sorted(found)\n"
        "parts = ('resources', 'operations', 'models')\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.split('.')[0] == 'zr_resources' and m.split('.')[1:2]\n"
        "                        and m.split('.')[1] in parts)\n"
        "client = zr_resources.ZooClient(base_url='http://127.0.0.1:9')\n"
        "print(loaded(), models())\n"
        "client.animals\n"
        "print(loaded(), models())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    before, after = result.stdout.splitlines()
    assert before == "[] []"
    assert after == ("['zr_resources.models', 'zr_resources.models._shared', 'zr_resources.models.animals', "
                     "'zr_resources.operations', "
                     "'zr_resources.operations.animals', 'zr_resources.resources', "
                     "'zr_resources.resources.animals'] ['Animal', 'AnimalList']")


def test_lazy_folders_star_import_and_list_every_name(root: Path) -> None:
    """`from pkg.models import *` gets every model (the lazy __init__ answers `__all__`), `dir()`
    lists them, and `__init__.pyi` names the same ones for type checkers."""
    code = ("import zr_resources.models as m, zr_resources.operations as o\n"
            "ns = {}\n"
            "exec('from zr_resources.models import *', ns)\n"
            "print(sorted(k for k in ns if not k.startswith('__')) == m.__all__ == dir(m), len(m.__all__))\n"
            "print(o.__all__ == dir(o) and callable(o.list_animals))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    stub = (root / "zr_resources" / "models" / "__init__.pyi").read_text(encoding="utf-8")
    named = sorted(line.split()[-1] for line in stub.splitlines() if line.startswith("from ."))
    assert result.stdout.splitlines() == [f"True {len(named)}", "True"]


def test_a_spec_with_one_tag_keeps_a_flat_client() -> None:
    """The Assistants spec tags every operation `Assistants`: no resources, the methods as before."""
    client = (Path(__file__).resolve().parents[1] / "generated" / "assistants_client" / "client.py").read_text()
    assert "cached_property" not in client and "    def create_assistant(" in client
    assert not (Path(__file__).resolve().parents[1] / "generated" / "assistants_client" / "resources").exists()


# --- grouping on small specs: the spec's extensions ----------------------------------------------


def _op(operation_id: str, tags: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": operation_id, "responses": {"204": {"description": "Done."}}, **extra}
    if tags is not None:
        op["tags"] = tags
    return op


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def zoo(**root: Any) -> dict[str, Any]:
    """Animals (three operations), Staff (keepers and their shifts) and an untagged health check,
    all under /v1: by tags animals, staff and health; by paths animals, keepers and health."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Zoo", "version": "1.0"},
        "paths": {
            "/v1/animals": {"get": _op("listAnimals", ["Animals"]), "post": _op("createAnimal", ["Animals"])},
            "/v1/animals/{id}": {"get": _op("getAnimal", ["Animals"], parameters=ID)},
            "/v1/keepers": {"get": _op("listKeepers", ["Staff"])},
            "/v1/keepers/{id}/shifts": {"get": _op("listShifts", ["Staff"], parameters=ID)},
            "/v1/health": {"get": _op("checkHealth")},
        },
        **root,
    }


OPERATIONS = ["listAnimals", "createAnimal", "getAnimal", "listKeepers", "listShifts", "checkHealth"]


def placed(doc: dict[str, Any], layout: Layout = NO_LAYOUT) -> tuple[dict[str, str], list[str]]:
    """operationId -> how it is called (`animals.list`), and the build's warnings."""
    validate(doc)
    pkg, problems = build_package(doc, "zoo", "ZooClient", "ZOO", layout=layout)
    return {op.operation_id: op.call_path for op in pkg.calls}, [p.render() for p in problems]


def calls(doc: dict[str, Any], layout: Layout = NO_LAYOUT) -> list[str]:
    """How each operation is called, in the order of OPERATIONS; the build had nothing to say."""
    called, problems = placed(doc, layout)
    assert problems == []
    return [called[name] for name in OPERATIONS]


BY_TAGS = ["animals.list", "animals.create", "animals.get", "staff.list_keepers", "staff.list_shifts", "health.check"]
BY_PATHS = ["animals.list", "animals.create", "animals.get", "keepers.list", "keepers.list_shifts", "health.check"]
FLAT = ["list_animals", "create_animal", "get_animal", "list_keepers", "list_shifts", "check_health"]


@pytest.mark.parametrize(("written", "expected"), [
    ({}, BY_TAGS), ({GROUPING_EXTENSION: None}, BY_TAGS), ({GROUPING_EXTENSION: "tags"}, BY_TAGS),
    ({GROUPING_EXTENSION: "paths"}, BY_PATHS), ({GROUPING_EXTENSION: "flat"}, FLAT),
])
def test_the_spec_chooses_the_grouping(written: dict[str, Any], expected: list[str]) -> None:
    assert calls(zoo(**written)) == expected


def untagged(count: int, **root: Any) -> dict[str, Any]:
    """`count` untagged operations, alternately under /v1/users and /v1/orders."""
    paths = {f"/v1/{'users' if i % 2 else 'orders'}/{i}": {"get": _op(f"getThing{i}")} for i in range(count)}
    return {"openapi": "3.1.0", "info": {"title": "Shop", "version": "1"}, "paths": paths, **root}


@pytest.mark.parametrize(("count", "written", "roots"), [
    (FLAT_LIMIT, {}, set()),  # small enough for a flat client
    (FLAT_LIMIT + 1, {}, {"orders", "users"}),  # too many: by path
    (FLAT_LIMIT + 1, {GROUPING_EXTENSION: "flat"}, set()),  # unless the spec says otherwise
    (FLAT_LIMIT + 1, {GROUPING_EXTENSION: "tags"}, set()),
])
def test_a_big_spec_without_tags_goes_by_path(count: int, written: dict[str, Any], roots: set[str]) -> None:
    called, problems = placed(untagged(count, **written))
    assert problems == [] and len(called) == count
    assert {call.split(".")[0] for call in called.values() if "." in call} == roots
    called, _ = placed(untagged(FLAT_LIMIT + 1), Layout(grouping="flat"))  # or the project does
    assert not any("." in call for call in called.values())


def test_a_tag_renames_its_resource_or_keeps_its_operations_on_the_client() -> None:
    tags = [{"name": "Staff", RESOURCE_EXTENSION: "people"}, {"name": "Animals", RESOURCE_EXTENSION: ""}]
    assert calls(zoo(tags=tags)) == ["list_animals", "create_animal", "get_animal", "people.list_keepers",
                                     "people.list_shifts", "health.check"]


def problems_of(doc: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(doc)
    return [(p.pointer, p.message) for p in caught.value.problems]


@pytest.mark.parametrize("value", ["tag", "Tags", "", 5, True, ["tags"]])
def test_an_unknown_grouping_is_an_error_naming_the_allowed_ones(value: Any) -> None:
    assert problems_of(zoo(**{GROUPING_EXTENSION: value})) == [
        ("/x-oapi-pygen-grouping", f"must be one of tags, paths, flat, not {value!r}")]


PATH_HINT = 'write dotted Python identifiers such as fine_tuning.jobs (or "" for the client itself)'
NAME_HINT = 'write a Python identifier such as files (or "" for the client itself)'


@pytest.mark.parametrize(("value", "why"), [
    ("pet-store.pets", f"'pet-store.pets' is not a resource path: {PATH_HINT}"),
    ("fine_tuning..jobs", f"'fine_tuning..jobs' is not a resource path: {PATH_HINT}"),
    ("Fine Tuning", f"'Fine Tuning' is not a resource path: {PATH_HINT}"),
    ("zoo.class", "'zoo.class' is not a resource path: 'class' is a Python keyword"),
    (5, 'must be a resource path such as fine_tuning.jobs (or "" for the client itself), not 5'),
])
def test_an_operation_placed_at_no_resource_path_is_an_error(value: Any, why: str) -> None:
    doc = zoo()
    doc["paths"]["/v1/health"]["get"][RESOURCE_EXTENSION] = value
    assert problems_of(doc) == [("/paths/~1v1~1health/get/x-oapi-pygen-resource", why)]


@pytest.mark.parametrize(("value", "why"), [
    ("fine_tuning.jobs", f"'fine_tuning.jobs' is not a resource name: {NAME_HINT}"),
    ("Animal Keepers", f"'Animal Keepers' is not a resource name: {NAME_HINT}"),
    ({"name": "x"}, "must be a resource name such as files (or \"\" for the client itself), not {'name': 'x'}"),
])
def test_a_tag_renamed_to_no_resource_name_is_an_error(value: Any, why: str) -> None:
    doc = zoo(tags=[{"name": "Animals"}, {"name": "Staff", RESOURCE_EXTENSION: value}])
    assert problems_of(doc) == [("/tags/1/x-oapi-pygen-resource", why)]


def test_allow_partial_drops_an_operation_placed_at_no_resource_path(tmp_path: Path) -> None:
    """A bad place costs its operation; a bad grouping, which concerns them all, stays an error."""
    doc = zoo()
    doc["paths"]["/v1/health"]["get"][RESOURCE_EXTENSION] = "the health"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    result = generate(Options(spec=spec, package="zoo", client_name="ZooClient", allow_partial=True))
    assert sorted(json.loads(result.files["_surface.json"])["operations"]) == sorted(BY_TAGS[:-1])  # no health
    assert [(p.pointer, p.kind) for p in result.coverage.warnings] == [
        ("/paths/~1v1~1health/get/x-oapi-pygen-resource", "dropped-operation")]
    spec.write_text(json.dumps(zoo(**{GROUPING_EXTENSION: "tag"})), encoding="utf-8")
    with pytest.raises(SpecError, match="x-oapi-pygen-grouping"):
        generate(Options(spec=spec, package="zoo", client_name="ZooClient", allow_partial=True))


# --- grouping on small specs: the project's settings -----------------------------------------------


@pytest.mark.parametrize(("written", "grouping", "expected"), [
    ({}, "paths", BY_PATHS), ({}, "flat", FLAT), ({}, "tags", BY_TAGS),
    ({GROUPING_EXTENSION: "paths"}, "tags", BY_TAGS), ({GROUPING_EXTENSION: "flat"}, "paths", BY_PATHS),
    ({GROUPING_EXTENSION: "paths"}, None, BY_PATHS),
])
def test_the_projects_grouping_wins_over_the_specs(written: dict[str, Any], grouping: str | None,
                                                   expected: list[str]) -> None:
    assert calls(zoo(**written), Layout(grouping)) == expected


@pytest.mark.parametrize(("renames", "expected"), [
    ({"staff": "people"}, ["animals.list", "animals.create", "animals.get", "people.list_keepers",
                           "people.list_shifts", "health.check"]),
    # into another resource, as a sub-resource; the words of its new place leave its method names
    ({"health": "animals.health"}, [*BY_TAGS[:5], "animals.health.check"]),
    ({"animals": ""}, [*FLAT[:3], *BY_TAGS[3:]]),  # onto the client
    ({"staff": "animals"}, [*BY_TAGS[:3], "animals.list_keepers", "animals.list_shifts", "health.check"]),  # merged
    # each names a resource as the client would have it without them: no chains
    ({"staff": "health", "health": "staff"}, [*BY_TAGS[:3], "health.list_keepers", "health.list_shifts",
                                              "staff.check_health"]),
])
def test_the_project_renames_resources(renames: dict[str, str], expected: list[str]) -> None:
    assert calls(zoo(), Layout(None, tuple(sorted(renames.items())))) == expected


def test_a_rename_names_the_resource_after_the_specs_own_rename() -> None:
    doc = zoo(tags=[{"name": "Staff", RESOURCE_EXTENSION: "people"}])
    assert calls(doc, Layout(None, (("people", "crew"),)))[3:5] == ["crew.list_keepers", "crew.list_shifts"]


def test_the_longest_renamed_resource_decides() -> None:
    """enclosures.gates leaves enclosures, which takes its other sub-resource along; the methods
    keep `enclosure`, which their new places no longer say."""
    doc = yaml.safe_load((GOLDEN.parent / "spec.yaml").read_text(encoding="utf-8"))
    called, problems = placed(doc, Layout(None, (("enclosures", "pens"), ("enclosures.gates", "gates"))))
    assert problems == []
    assert sorted(c for c in called.values() if "pens" in c or "gates" in c) == [
        "gates.list_enclosure", "gates.replace_enclosure", "pens.cleanings.cancel_enclosure",
        "pens.cleanings.list_enclosure", "pens.cleanings.schedule_enclosure", "pens.get_enclosure"]


def test_a_rename_of_a_resource_the_client_lacks_is_a_warning_naming_those_it_has() -> None:
    called, problems = placed(zoo(), Layout(None, (("keepers", "people"), ("staff", "crew"))))
    assert [called[name] for name in OPERATIONS][3:5] == ["crew.list_keepers", "crew.list_shifts"]
    said = "warning: /: [tool.oapi-pygen.resources] renames"
    keepers = f"{said} 'keepers' (to 'people'), but the client has no resource 'keepers'"
    assert problems == [f"{keepers}; its resources: animals, health, staff"]
    _, problems = placed(zoo(), Layout("flat", (("staff", "crew"),)))
    staff = f"{said} 'staff' (to 'crew'), but the client has no resource 'staff'"
    assert problems == [f"{staff}; its resources: none, its operations are all on the client"]


SETTINGS = """\
[tool.oapi-pygen]
spec = "zoo.json"
package = "zoo"
client-name = "ZooClient"
"""


@pytest.mark.parametrize(("written", "settings", "args", "expected"), [
    (None, 'grouping = "paths"\n', (), BY_PATHS),
    ("paths", 'grouping = "tags"\n', (), BY_TAGS),
    ("paths", 'grouping = "flat"\n', (), FLAT),
    ("paths", '[tool.oapi-pygen.resources]\nkeepers = "people"\nhealth = "animals.health"\n', (),
     [*BY_PATHS[:3], "people.list_keepers", "people.list_shifts", "animals.health.check"]),
    (None, 'grouping = "paths"\n[tool.oapi-pygen.resources]\nkeepers = "staff"\n', (),
     [*BY_PATHS[:3], "staff.list_keepers", "staff.list_shifts", "health.check"]),
    ("paths", 'grouping = "tags"\n', ("--grouping", "flat"), FLAT),
])
def test_pyproject_toml_sets_the_grouping_and_renames(tmp_path: Path, written: str | None, settings: str,
                                                      args: tuple[str, ...], expected: list[str]) -> None:
    """The settings through the command line, as a project uses them, over the spec's grouping;
    `check` agrees with what `generate` wrote."""
    (tmp_path / "zoo.json").write_text(json.dumps(zoo(**{GROUPING_EXTENSION: written})), encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(SETTINGS + settings, encoding="utf-8")
    proc = run_cli("generate", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    surface = json.loads((tmp_path / "generated" / "zoo" / "_surface.json").read_text(encoding="utf-8"))
    called = {entry["operation_id"]: call for call, entry in surface["operations"].items()}
    assert [called[name] for name in OPERATIONS] == expected
    assert "warning" not in proc.stderr
    assert run_cli("check", *args, cwd=tmp_path).returncode == 0
