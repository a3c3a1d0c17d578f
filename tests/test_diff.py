"""`python -m generator diff OLD NEW`: the API change report, on real and small specs.

The report's exact text for each kind of change is pinned by the golden cases in
tests/golden/diffs/ (see tests/test_golden.py); these tests drive the command line,
check the published Assistants API's own history, and pin on small surfaces the
rules that pair a removed and an added operation or model as one renamed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.apidiff import (
    Types,
    accepts,
    compare,
    model_renames,
    operation_renames,
    readable,
    short_summary,
)
from generator.surface import Field, Model, Operation, Param, Surface

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec" / "assistants.yaml"
REFERENCE = REPO.parent / "shared" / "reference"
V1 = REFERENCE / "openai-openapi-2024-04-12.yaml"
V2 = REFERENCE / "openai-openapi-2024-10-17.yaml"
V2026 = REFERENCE / "openai-openapi-2026-08-21.yaml"
DIFFS = REPO / "tests" / "golden" / "diffs"
needs_reference = pytest.mark.skipif(not V2026.is_file(), reason="../shared/reference is not present")

FILE_OPERATIONS = {
    "create_assistant_file": "createAssistantFile",
    "list_assistant_files": "listAssistantFiles",
    "get_assistant_file": "getAssistantFile",
    "delete_assistant_file": "deleteAssistantFile",
    "list_message_files": "listMessageFiles",
    "get_message_file": "getMessageFile",
}


# A folder without a pyproject.toml: these specs are not this project's, so its overlays must not apply.
NO_SETTINGS = REPO / "tests"


def run_cli(*args: str | Path, cwd: Path = NO_SETTINGS,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full_env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, check=False)


def json_report(*args: str | Path) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    proc = run_cli("diff", *args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout), proc


def by_subject(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["subject"], c["kind"]): c for c in report["changes"]}


# --- the published Assistants API --------------------------------------------------------


@pytest.fixture(scope="module")
def v1_to_v2() -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    if not V2.is_file():
        pytest.skip("../shared/reference is not present")
    return json_report(V1, V2, "--tag", "Assistants")


@needs_reference
def test_v1_to_v2_file_operations_removed_and_breaking(v1_to_v2: tuple[dict[str, Any], Any]) -> None:
    report, _ = v1_to_v2
    changes = by_subject(report)
    for name, operation_id in FILE_OPERATIONS.items():
        change = changes[(name, "removed")]
        assert change["section"] == "operation"
        assert change["breaking"] is True
        assert f"`{operation_id}`" in change["detail"]
    removed = {c["subject"] for c in report["changes"] if c["section"] == "operation" and c["kind"] == "removed"}
    assert removed == set(FILE_OPERATIONS)


@needs_reference
def test_v1_to_v2_delete_message_added(v1_to_v2: tuple[dict[str, Any], Any]) -> None:
    report, _ = v1_to_v2
    added = [c for c in report["changes"] if c["section"] == "operation" and c["kind"] == "added"]
    assert [c["subject"] for c in added] == ["delete_message"]
    assert added[0]["breaking"] is False and "`deleteMessage`" in added[0]["detail"]


@needs_reference
def test_v1_to_v2_include_is_an_added_optional_argument(v1_to_v2: tuple[dict[str, Any], Any]) -> None:
    report, _ = v1_to_v2
    changes = by_subject(report)
    for operation in ("create_run", "list_run_steps", "get_run_step"):
        change = changes[(f"{operation}(include)", "added")]
        assert change["section"] == "parameter"
        assert change["breaking"] is False
        assert "optional query argument `include` (sent as `include[]`)" in change["detail"]
    includes = {c["subject"] for c in report["changes"] if c["subject"].endswith("(include)")}
    assert includes == {"create_run(include)", "list_run_steps(include)", "get_run_step(include)"}


@needs_reference
def test_v1_to_v2_fails_on_breaking_only_when_asked(v1_to_v2: tuple[dict[str, Any], Any]) -> None:
    report, proc = v1_to_v2
    assert proc.returncode == 0
    assert report["summary"]["breaking"] > 0
    strict = run_cli("diff", V1, V2, "--tag", "Assistants", "--fail-on-breaking")
    assert strict.returncode == 1, strict.stderr
    assert f"{report['summary']['breaking']} breaking change(s)" in strict.stderr
    assert strict.stdout.startswith("## API changes:")  # the report is still printed


@needs_reference
def test_v2_to_2026_report_is_produced() -> None:
    proc = run_cli("diff", V2, V2026, "--tag", "Assistants")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("## API changes:")
    assert lines[2].startswith("**") and "breaking" in lines[2]
    assert "`create_assistant`" in proc.stdout  # deprecated by 2026
    assert "operation `create_assistant` is now deprecated" in proc.stdout


@needs_reference
def test_markdown_and_json_say_the_same(v1_to_v2: tuple[dict[str, Any], Any]) -> None:
    report, _ = v1_to_v2
    markdown = run_cli("diff", V1, V2, "--tag", "Assistants").stdout
    assert f"**{report['summary']['headline']}**" in markdown
    for change in report["changes"]:
        assert f"- {change['kind']}: {change['detail']}" in markdown


def test_a_spec_against_itself_has_no_changes() -> None:
    proc = run_cli("diff", SPEC, SPEC, "--fail-on-breaking")
    assert proc.returncode == 0, proc.stderr
    assert "no changes to the client's API" in proc.stdout
    report, proc = json_report(SPEC, SPEC)
    assert report["changes"] == [] and report["summary"]["breaking"] == 0


def test_golden_case_fails_on_breaking() -> None:
    proc = run_cli("diff", DIFFS / "enums" / "old.yaml", DIFFS / "enums" / "new.yaml", "--fail-on-breaking")
    assert proc.returncode == 1
    proc = run_cli("diff", DIFFS / "unchanged" / "old.yaml", DIFFS / "unchanged" / "new.yaml", "--fail-on-breaking")
    assert proc.returncode == 0


def test_renames_show_in_both_formats_and_fail_on_breaking() -> None:
    old, new = DIFFS / "renames" / "old.yaml", DIFFS / "renames" / "new.yaml"
    report, proc = json_report(old, new, "--fail-on-breaking")
    assert proc.returncode == 1
    renamed = {(c["section"], c["subject"]): c for c in report["changes"] if c["kind"] == "renamed"}
    assert set(renamed) == {("operation", "list_all_dogs"), ("operation", "schedule_walk"),
                            ("model", "DogWalker"), ("model", "DogWalkerHome")}
    assert all(c["breaking"] for c in renamed.values())
    markdown = run_cli("diff", old, new).stdout
    assert "- renamed: `list_dogs` → `list_all_dogs` (GET /dogs)" in markdown
    assert "- renamed: `Walker` → `DogWalker`" in markdown
    assert "Dog.walker" not in markdown


def test_filters_apply_to_both_sides() -> None:
    old, new = DIFFS / "operations" / "old.yaml", DIFFS / "operations" / "new.yaml"
    report, _ = json_report(old, new, "--operation", "listStores")
    assert [(c["subject"], c["kind"]) for c in report["changes"]] == [("list_stores", "deprecated")]


def test_a_bad_spec_is_refused_with_its_pointer(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((DIFFS / "enums" / "new.yaml").read_text().replace(
        '$ref: "#/components/schemas/Color"', '$ref: "#/components/schemas/Colour"'))
    proc = run_cli("diff", DIFFS / "enums" / "old.yaml", bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"in {bad}" in proc.stderr
    assert "error: /components/schemas/NewPet/properties/color/$ref (line " in proc.stderr


# --- generate says what it changed -------------------------------------------------------


def test_generate_over_an_existing_tree_prints_the_change_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    case = DIFFS / "operations"
    first = run_cli("generate", "--spec", case / "old.yaml", "--out", out, "--package", "zoo")
    assert first.returncode == 0, first.stderr
    assert "API changes" not in first.stdout  # nothing was there before
    second = run_cli("generate", "--spec", case / "new.yaml", "--out", out, "--package", "zoo")
    assert second.returncode == 0, second.stderr
    lines = second.stdout.splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("API changes: "))
    expected = json.loads((case / "expected.json").read_text())
    assert lines[summary] == f"API changes: {expected['summary']['headline']}"
    listed = lines[summary + 1:summary + 11]  # breaking changes first, at most ten lines
    assert listed[0] == "  BREAKING operation removed: delete_pet (deletePet, DELETE /pets/{pet_id})"
    assert sum(line.startswith("  BREAKING ") for line in listed) == min(10, expected["summary"]["breaking"])
    total = len(expected["changes"])
    assert lines[summary + 11] == (f"  ... and {total - 10} more; `diff OLD_SPEC NEW_SPEC` gives the full report")
    again = run_cli("generate", "--spec", case / "new.yaml", "--out", out, "--package", "zoo",
                    env={"OAPI_PYGEN_CACHE": "0"})
    assert again.returncode == 0 and "API changes" not in again.stdout


# --- the type algebra behind "narrowed" and "widened" ----------------------------------


def surface(aliases: dict[str, str]) -> Surface:
    return Surface({}, {name: Model(name, "alias", hint) for name, hint in aliases.items()})


@pytest.mark.parametrize(("wide", "narrow"), [
    ("str | None", "str"),
    ("str", "Literal['a', 'b']"),
    ("float", "int"),
    ("list[float]", "list[int]"),
    ("dict[str, Any]", "dict[str, str]"),
    ("Any", "list[Pet]"),
    ("Annotated[Literal['a', 'b'], OPEN_ENUM]", "Literal['a']"),
    ("Cat | Dog | UnknownVariant", "Bird"),
    ("Color | None", "Literal['red']"),
])
def test_accepts(wide: str, narrow: str) -> None:
    types = Types(surface({"Color": "Annotated[Literal['red', 'green'], OPEN_ENUM]"}))
    assert accepts(types.of(wide), types.of(narrow))
    if types.of(wide) != types.of(narrow):
        assert not accepts(types.of(narrow), types.of(wide))


def test_aliases_are_seen_through_and_literals_under_a_primitive_dropped() -> None:
    types = Types(surface({"Metadata": "dict[str, str] | None", "Loop": "list[Loop]"}))
    assert types.of("Metadata") == types.of("dict[str, str] | None")
    assert types.of("str | Literal['gpt-4o']") == types.of("str")
    assert types.of("list[Loop]")  # a self-referencing alias ends instead of recursing


def test_argument_containers_are_the_list_and_dict_they_take() -> None:
    """Arguments are typed `SequenceNotStr[...]` / `Mapping[...]` where fields are `list` /
    `dict`: the same values, so moving between the two is no change to report."""
    types = Types(surface({}))
    assert types.of("SequenceNotStr[Cat | dict[str, Any]] | None") == types.of("list[Cat | dict[str, Any]] | None")
    assert types.of("Mapping[str, int]") == types.of("dict[str, int]")


def test_readable_leaves_out_annotations() -> None:
    hint = "list[Annotated[Annotated[Cat, Tag('Cat')] | Annotated[UnknownVariant, Tag('')], Discriminator(f)]]"
    assert readable(hint) == "list[Cat | UnknownVariant]"


def test_surface_round_trips_through_json(tmp_path: Path) -> None:
    stored = REPO / "generated" / "assistants_client" / "_surface.json"
    loaded = Surface.from_json(stored.read_bytes())
    assert len(loaded.operations) == 23
    assert loaded.to_json(json.loads(stored.read_bytes())["_comment"]) == stored.read_bytes()
    assert compare(loaded, loaded) == []
    with pytest.raises(ValueError):
        Surface.from_json(b'{"format": 99}')
    with pytest.raises(ValueError):
        Surface.from_json(b'[]')
    copy = tmp_path / "copy.json"
    shutil.copy(stored, copy)
    assert Surface.from_json(copy.read_bytes()) == loaded


def test_a_required_field_with_an_alias_is_required_in_the_surface(tmp_path: Path) -> None:
    """`class` becomes `class_` with `Field(alias="class")`: still required (it has no default)."""
    from generator.pipeline import Options, api_surface

    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /things:\n    get:\n"
        "      operationId: getThing\n      responses:\n        '200':\n          description: ok\n"
        "          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}\n"
        "components:\n  schemas:\n    Thing:\n      type: object\n      required: [class]\n"
        "      properties:\n        class: {type: string}\n        note: {type: string}\n")
    fields = {f.name: f for f in api_surface(Options(spec=spec)).models["Thing"].fields}
    assert (fields["class_"].wire, fields["class_"].required) == ("class", True)
    assert fields["note"].required is False


# --- renamed operations and models: the pairing rules -----------------------------------


def op(name: str, method: str, path: str, *params: Param, returns: str = "Pet") -> Operation:
    return Operation(name, name, method, path, params, returns)


def cls(name: str, *fields: tuple[str, str, bool]) -> Model:
    return Model(name, "class", fields=tuple(Field(f, f, hint, required) for f, hint, required in fields))


def api(*items: Operation | Model) -> Surface:
    return Surface({i.name: i for i in items if isinstance(i, Operation)},
                   {i.name: i for i in items if isinstance(i, Model)})


PET = cls("Pet", ("id", "str", True))


def test_an_operation_at_its_old_endpoint_under_a_new_name_is_renamed() -> None:
    old = api(op("list_pets", "GET", "/pets"), op("get_pet", "GET", "/pets/{pet_id}"), op("feed", "POST", "/food"))
    new = api(op("list_all_pets", "GET", "/pets"), op("fetch_pet", "GET", "/pets/{id}"), op("eat", "PUT", "/food"))
    assert operation_renames(old, new) == {"list_pets": "list_all_pets", "get_pet": "fetch_pet"}


def test_an_operation_kept_under_its_name_is_never_paired() -> None:
    old = api(op("list_pets", "GET", "/pets"), op("find_pets", "GET", "/pets/search"))
    new = api(op("list_pets", "GET", "/animals"), op("search_pets", "GET", "/pets"))
    assert operation_renames(old, new) == {}


def test_a_renamed_operation_is_one_breaking_change_and_its_arguments_are_compared() -> None:
    limit = Param("limit", "limit", "query", False, "int")
    page = Param("page", "page", "query", False, "int")
    old = api(op("list_pets", "GET", "/pets", limit), PET)
    new = api(op("list_all_pets", "GET", "/pets", limit, page), PET)
    assert [(c.section, c.kind, c.subject, c.detail, c.breaking) for c in compare(old, new)] == [
        ("operation", "renamed", "list_all_pets", "`list_pets` → `list_all_pets` (GET /pets)", True),
        ("parameter", "added", "list_all_pets(page)", "`list_all_pets`: optional query argument `page`: `int`",
         False),
    ]


def test_a_model_of_the_same_shape_under_a_new_name_is_renamed() -> None:
    old = api(cls("Owner", ("id", "str", True), ("nick", "str | None", False)), PET)
    new = api(cls("Keeper", ("nick", "None | str", False), ("id", "str", True)), PET)  # order is no matter
    assert model_renames(old, new) == {"Owner": "Keeper"}


def test_an_enum_or_alias_renamed_keeps_its_values() -> None:
    old = api(Model("Color", "alias", "Annotated[Literal['red', 'blue'], OPEN_ENUM]"), Model("Id", "alias", "str"))
    new = api(Model("Colour", "alias", "Annotated[Literal['blue', 'red'], OPEN_ENUM]"), Model("Key", "alias", "str"))
    assert model_renames(old, new) == {"Color": "Colour", "Id": "Key"}


@pytest.mark.parametrize("other", [
    cls("Keeper", ("id", "str", False)),  # no longer required
    cls("Keeper", ("id", "int", True)),  # another type
    cls("Keeper", ("key", "str", True)),  # another field name
    cls("Keeper", ("id", "str", True), ("nick", "str | None", False)),  # one more field
    Model("Keeper", "alias", "str"),  # another kind
])
def test_a_model_of_another_shape_is_not_a_rename(other: Model) -> None:
    assert model_renames(api(cls("Owner", ("id", "str", True))), api(other)) == {}


def test_a_class_without_fields_is_never_paired() -> None:
    assert model_renames(api(cls("Empty")), api(cls("Nothing"))) == {}


def test_mentions_of_renamed_models_count_as_the_same() -> None:
    old = api(cls("Owner", ("address", "OwnerAddress | None", False)), cls("OwnerAddress", ("city", "OwnerCity", True)),
              cls("OwnerCity", ("name", "str", True), ("zip", "int", True)))
    new = api(cls("Keeper", ("address", "KeeperAddress | None", False)),
              cls("KeeperAddress", ("city", "KeeperCity", True)), cls("KeeperCity", ("zip", "int", True),
                                                                    ("name", "str", True)))
    assert model_renames(old, new) == {"Owner": "Keeper", "OwnerAddress": "KeeperAddress", "OwnerCity": "KeeperCity"}


def test_a_model_mentioning_itself_is_renamed_with_its_mentions() -> None:
    old = api(cls("Node", ("children", "list[Node]", True), ("label", "str", True)))
    new = api(cls("TreeNode", ("children", "list[TreeNode]", True), ("label", "str", True)))
    assert model_renames(old, new) == {"Node": "TreeNode"}


def test_only_unambiguous_pairs_are_taken() -> None:
    named = ("name", "str", True)
    two_by_two = (api(cls("Rabbit", named), cls("Hamster", named)), api(cls("Ferret", named), cls("Gerbil", named)))
    two_by_one = (api(cls("Rabbit", named), cls("Hamster", named)), api(cls("Ferret", named)))
    one_by_two = (api(cls("Rabbit", named)), api(cls("Ferret", named), cls("Gerbil", named)))
    for old, new in (two_by_two, two_by_one, one_by_two):
        assert model_renames(old, new) == {}
        assert [c.kind for c in compare(old, new)].count("renamed") == 0
    mixed = (api(cls("Rabbit", named), cls("Hamster", named), cls("Owner", ("id", "int", True))),
             api(cls("Ferret", named), cls("Gerbil", named), cls("Keeper", ("id", "int", True))))
    assert model_renames(*mixed) == {"Owner": "Keeper"}


def test_pairing_does_not_depend_on_order() -> None:
    named, aged = ("name", "str", True), ("age", "int", True)
    models = [cls("A", named), cls("B", aged), cls("C", named)]
    news = [cls("X", named), cls("Y", aged), cls("Z", ("b", "Y", True))]
    olds = models + [cls("D", ("b", "B", True))]
    assert model_renames(api(*olds), api(*news)) == model_renames(api(*olds[::-1]), api(*news[::-1])) == {
        "B": "Y", "D": "Z"}


def test_a_renamed_model_is_no_change_where_it_is_mentioned() -> None:
    owner = cls("Owner", ("id", "str", True))
    old = api(cls("Pet", ("owner", "Owner | None", False), ("vet", "Owner | int", True)), owner,
              op("get_owner", "GET", "/owner", returns="Owner"), op("get_pet", "GET", "/pet"))
    new = api(cls("Pet", ("owner", "Keeper | None", False), ("vet", "Keeper | str", True)),
              cls("Keeper", ("id", "str", True)), op("get_owner", "GET", "/owner", returns="Keeper"),
              op("get_pet", "GET", "/pet"))
    assert [(c.section, c.kind, c.subject, c.detail, c.breaking) for c in compare(old, new)] == [
        ("model", "renamed", "Keeper", "`Owner` → `Keeper`", True),
        ("field", "retyped", "Pet.vet", "`Pet.vet`: type changed, `Owner | int` → `Keeper | str`", True),
    ]


def test_a_renamed_model_is_compared_as_an_unchanged_one() -> None:
    old = api(Model("Owner", "class", fields=(Field("id", "id", "str", True),)), PET)
    new = api(Model("Keeper", "class", fields=(Field("id", "ID", "str", True, deprecated=True),)), PET)
    assert [(c.kind, c.subject) for c in compare(old, new)] == [
        ("renamed", "Keeper"), ("wire-name", "Keeper.id"), ("deprecated", "Keeper.id")]


def test_the_short_summary_counts_renames() -> None:
    old = api(op("list_pets", "GET", "/pets", returns="Owner"), cls("Owner", ("id", "str", True)))
    new = api(op("list_all_pets", "GET", "/pets", returns="Keeper"), cls("Keeper", ("id", "str", True)))
    assert short_summary(compare(old, new)) == [
        "API changes: 2 breaking, 0 not breaking (operations: renamed 1; models: renamed 1)",
        "  BREAKING operation renamed: list_pets → list_all_pets (GET /pets)",
        "  BREAKING model renamed: Owner → Keeper",
    ]
