"""--allow-partial on small hand-written documents: each repair, each kind of isolation.

A repair must be made exactly where validation would otherwise refuse the document (it
refuses the original, accepts the repaired one), say where with one warning, and leave
the document it was given as it was. An isolation takes out the smallest part holding an
error, says so, and the result validates.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from generator.edit import Editor, tokens_of
from generator.isolate import isolate, isolate_once
from generator.problems import Problem, SpecError
from generator.repair import repair
from generator.spec import iter_schemas, pointer
from generator.validate import validate

Doc = dict[str, Any]
OP = ("paths", "/animals/{id}", "get")


def spec(version: str = "3.0.3") -> Doc:
    """A valid document: one operation with a path parameter, two component schemas."""
    return {
        "openapi": version,
        "info": {"title": "Zoo", "version": "1"},
        "paths": {"/animals/{id}": {"get": {
            "operationId": "getAnimal",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Animal"}}}}}}}},
        "components": {"schemas": {
            "Animal": {"type": "object", "required": ["id"],
                       "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
            "Cage": {"type": "object", "properties": {"size": {"type": "integer"}}}}},
    }


def at(doc: Any, *tokens: Any) -> Any:
    for token in tokens:
        doc = doc[token]
    return doc


def animal(doc: Doc) -> Any:
    return at(doc, "components", "schemas", "Animal")


def repaired(doc: Doc) -> tuple[Doc, list[Problem]]:
    """Repair `doc`, checking what every repair must do: the original is refused and left as it was,
    the repaired document is accepted, and every warning is a located "repaired" warning."""
    before = copy.deepcopy(doc)
    with pytest.raises(SpecError):
        validate(doc)
    fixed, notes = repair(doc)
    assert doc == before, "the document given was changed"
    validate(fixed)
    assert notes and all(n.level == "warning" and n.kind == "repaired" and n.pointer for n in notes)
    return fixed, notes


def test_a_valid_document_is_given_back_as_it_is() -> None:
    doc = spec()
    assert repair(doc) == (doc, [])
    assert repair(doc)[0] is doc


@pytest.mark.parametrize("code", ["4xx", "2xx", "5xx", "4xX"])
def test_a_lowercase_response_range_is_read_upper_case(code: str) -> None:
    doc = spec()
    responses = at(doc, *OP, "responses")
    responses[code] = {"description": "a range"}
    responses["default"] = {"description": "anything else"}
    fixed, [note] = repaired(doc)
    assert list(at(fixed, *OP, "responses")) == ["200", code.upper(), "default"]  # in its place
    assert note.pointer == pointer(*OP, "responses", code)
    assert f"{code!r} is read as {code.upper()!r}" in note.message


def test_a_lowercase_range_beside_its_upper_case_twin_is_left_to_validation() -> None:
    doc = spec()
    at(doc, *OP, "responses").update({"4xx": {"description": "a"}, "4XX": {"description": "b"}})
    assert repair(doc) == (doc, [])


def test_required_flags_on_properties_become_the_objects_required_list() -> None:
    doc = spec()
    props = animal(doc)["properties"]
    props["name"]["required"] = True
    props["nickname"] = {"type": "string", "required": False}
    props["home"] = {"type": "object", "required": True, "properties": {"street": {"type": "string",
                                                                                    "required": True}}}
    listed = animal(doc)["required"]
    fixed, notes = repaired(doc)
    assert animal(fixed)["required"] == ["id", "name", "home"]
    assert listed == ["id"]  # the original list was not extended in place
    assert animal(fixed)["properties"]["home"]["required"] == ["street"]
    assert "required" not in animal(fixed)["properties"]["nickname"]
    base = pointer("components", "schemas", "Animal", "properties")
    assert sorted(n.pointer for n in notes) == [base + "/home/properties/street/required", base + "/home/required",
                                                base + "/name/required", base + "/nickname/required"]
    assert any("'name' added to its object's `required` list" in n.message for n in notes)
    assert any("stays optional" in n.message for n in notes)


def test_a_required_flag_that_is_not_on_a_property_is_dropped() -> None:
    doc = spec()
    at(doc, *OP, "parameters", 0, "schema")["required"] = True
    fixed, [note] = repaired(doc)
    assert at(fixed, *OP, "parameters", 0) == {"name": "id", "in": "path", "required": True,
                                               "schema": {"type": "string"}}  # the parameter's own stays
    assert "not on a property" in note.message


def test_const_in_a_30_document_becomes_a_one_value_enum() -> None:
    doc = spec()
    animal(doc)["properties"]["kind"] = {"type": "string", "const": "animal"}
    animal(doc)["properties"]["const"] = {"type": "string"}  # a property called const is no keyword
    fixed, [note] = repaired(doc)
    assert animal(fixed)["properties"]["kind"] == {"type": "string", "enum": ["animal"]}
    assert animal(fixed)["properties"]["const"] == {"type": "string"}
    assert note.pointer.endswith("/properties/kind/const") and '`enum: ["animal"]`' in note.message


@pytest.mark.parametrize("taken", [False, True])
def test_a_title_on_an_operation_moves_to_x_title_or_goes(taken: bool) -> None:
    doc = spec()
    at(doc, *OP)["title"] = "Fetch an animal"
    if taken:
        at(doc, *OP)["x-title"] = "kept"
    fixed, [note] = repaired(doc)
    assert "title" not in at(fixed, *OP)
    assert at(fixed, *OP)["x-title"] == ("kept" if taken else "Fetch an animal")
    assert note.pointer == pointer(*OP, "title")
    assert ("dropped" if taken else "moved to `x-title`") in note.message


@pytest.mark.parametrize(("patterns", "extra", "expected"), [
    ({"^a": {"type": "integer"}}, None, {"type": "integer"}),
    ({"^a": {"type": "integer"}, "^b": {"type": "integer"}}, None, {"type": "integer"}),
    ({"^a": {"type": "integer"}, "^b": {"type": "string"}}, None,
     {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    ({"^a": {"type": "integer"}}, {"type": "boolean"}, {"anyOf": [{"type": "integer"}, {"type": "boolean"}]}),
    ({"^a": {"type": "integer"}}, True, True),
])
def test_pattern_properties_in_a_30_document_become_additional_properties(
        patterns: dict[str, Any], extra: Any, expected: Any) -> None:
    doc = spec()
    tags: Doc = {"type": "object", "patternProperties": patterns}
    if extra is not None:
        tags["additionalProperties"] = extra
    animal(doc)["properties"]["tags"] = tags
    fixed, [note] = repaired(doc)
    assert animal(fixed)["properties"]["tags"] == {"type": "object", "additionalProperties": expected}
    assert note.pointer.endswith("/properties/tags/patternProperties")


def test_nested_pattern_properties_are_repaired_inside_out() -> None:
    doc = spec()
    inner = {"type": "object", "patternProperties": {"^x": {"type": "string", "const": "x"}}}
    animal(doc)["properties"]["tags"] = {"type": "object", "patternProperties": {"^a": inner}}
    fixed, notes = repaired(doc)
    assert animal(fixed)["properties"]["tags"]["additionalProperties"] == {
        "type": "object", "additionalProperties": {"type": "string", "enum": ["x"]}}
    assert len(notes) == 3


def test_an_undeclared_path_parameter_is_added_as_a_required_string() -> None:
    doc = spec()
    doc["paths"]["/animals/{id}/cages/{cageId}"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    fixed, notes = repaired(doc)
    added = {"name": "cageId", "in": "path", "required": True, "schema": {"type": "string"}}
    assert fixed["paths"]["/animals/{id}/cages/{cageId}"]["get"]["parameters"] == [
        {**added, "name": "id"}, added]
    assert [n.pointer for n in notes] == [pointer("paths", "/animals/{id}/cages/{cageId}", "get")] * 2


def test_a_path_parameter_declared_on_the_path_item_is_not_added_again() -> None:
    doc = spec()
    item = doc["paths"]["/animals/{id}"]
    item["parameters"] = item["get"].pop("parameters")
    assert repair(doc) == (doc, [])


def test_a_dangling_schema_ref_becomes_any_value_described_as_dangling() -> None:
    doc = spec()
    animal(doc)["properties"]["keeper"] = {"$ref": "#/components/schemas/Keeper"}
    fixed, [note] = repaired(doc)
    keeper = animal(fixed)["properties"]["keeper"]
    assert list(keeper) == ["description"] and "'#/components/schemas/Keeper'" in keeper["description"]
    assert note.pointer.endswith("/properties/keeper/$ref")


def test_a_dangling_ref_where_no_schema_belongs_is_left_to_isolation() -> None:
    doc = spec()
    at(doc, *OP, "parameters").append({"$ref": "#/components/parameters/Limit"})
    assert repair(doc) == (doc, [])


def test_an_empty_enum_in_a_30_document_is_removed() -> None:
    doc = spec()
    animal(doc)["properties"]["name"]["enum"] = []
    fixed, [note] = repaired(doc)
    assert animal(fixed)["properties"]["name"] == {"type": "string"}
    assert note.pointer.endswith("/properties/name/enum")


def test_type_null_in_a_30_document_becomes_the_nullable_form_typed_none() -> None:
    doc = spec()
    animal(doc)["properties"]["gone"] = {"type": "null", "description": "Always null."}
    animal(doc)["properties"]["maybe"] = {"oneOf": [{"type": "string"}, {"type": "null"}]}
    fixed, notes = repaired(doc)
    null = {"nullable": True, "enum": [None]}
    assert animal(fixed)["properties"]["gone"] == {"description": "Always null.", **null}
    assert animal(fixed)["properties"]["maybe"]["oneOf"][1] == null
    assert len(notes) == 2


@pytest.mark.parametrize("change", [
    lambda s: s.update(const="x"),
    lambda s: s.update(enum=[]),
    lambda s: s.update(type="null"),
    lambda s: s.update(patternProperties={"^a": {"type": "integer"}}),
])
def test_31_keywords_are_left_alone_in_a_31_document(change: Callable[[Doc], None]) -> None:
    doc = spec("3.1.0")
    change(animal(doc)["properties"]["name"])
    validate(doc)
    assert repair(doc) == (doc, [])


def test_schemas_are_found_only_where_schemas_are_written() -> None:
    doc = spec()
    at(doc, *OP, "responses", "200", "content", "application/json")["example"] = {"const": 1, "title": "x"}
    found = [pointer(*tokens) for tokens, _, _ in iter_schemas(doc)]
    assert found == [
        "/components/schemas/Animal", "/components/schemas/Animal/properties/id",
        "/components/schemas/Animal/properties/name", "/components/schemas/Cage",
        "/components/schemas/Cage/properties/size", pointer(*OP, "parameters", 0, "schema"),
        pointer(*OP, "responses", "200", "content", "application/json", "schema")]


def test_the_editor_copies_only_the_way_to_a_change() -> None:
    doc = spec()
    before = copy.deepcopy(doc)
    editor = Editor(doc)
    editor.node(("components", "schemas", "Animal"))["x-new"] = 1
    editor.node(("components", "schemas", "Animal", "required")).append("name")
    assert doc == before and editor.changed
    assert editor.doc["paths"] is doc["paths"]  # shared, not copied
    assert editor.doc["components"]["schemas"]["Cage"] is doc["components"]["schemas"]["Cage"]
    assert animal(editor.doc)["required"] == ["id", "name"] and animal(editor.doc)["x-new"] == 1
    assert tokens_of(doc, pointer(*OP, "parameters", 0)) == [*OP, "parameters", 0]
    assert tokens_of(doc, "/nope") is None


# --- isolation ------------------------------------------------------------------------------

def isolated(doc: Doc) -> tuple[Doc, list[Problem]]:
    """Isolate what `validate` refuses in `doc`, checking that `doc` is left as it was and that
    the result validates."""
    before = copy.deepcopy(doc)
    with pytest.raises(SpecError) as raised:
        validate(doc)
    pruned, _, notes = isolate(doc, list(raised.value.problems), validate)
    assert doc == before
    validate(pruned)
    assert all(n.level == "warning" and n.pointer for n in notes)
    return pruned, notes


def with_second_operation(doc: Doc) -> Doc:
    doc["paths"]["/cages"] = {"get": {"operationId": "listCages", "responses": {"200": {"description": "ok"}}}}
    return doc


def test_an_error_in_an_operation_drops_that_operation() -> None:
    doc = with_second_operation(spec())
    doc["paths"]["/cages"]["delete"] = {"deprecated": "maybe", "responses": {"204": {"description": "x"}}}
    pruned, [note] = isolated(doc)
    assert set(pruned["paths"]["/cages"]) == {"get"} and pruned["paths"]["/animals/{id}"] == doc["paths"]["/animals/{id}"]
    assert note.kind == "dropped-operation" and note.pointer == "/paths/~1cages/delete/deprecated"
    assert note.message == "operation DELETE /cages dropped: 'maybe' is not of type 'boolean'"


def test_an_error_in_a_path_item_outside_its_operations_drops_its_operations() -> None:
    doc = with_second_operation(spec())
    item = doc["paths"]["/animals/{id}"]
    item["parameters"] = [{"name": "q", "in": "nowhere", "schema": {"type": "string"}}]
    item["put"] = {"operationId": "putAnimal", "responses": {"200": {"description": "ok"}}}
    pruned, notes = isolated(doc)
    assert list(pruned["paths"]) == ["/cages"]
    assert sorted(n.message.split(" dropped")[0] for n in notes) == [
        "operation GET /animals/{id} (getAnimal)", "operation PUT /animals/{id} (putAnimal)"]
    assert {n.kind for n in notes} == {"dropped-operation"}
    assert {n.pointer for n in notes} == {"/paths/~1animals~1{id}/parameters/0"}


def test_an_error_in_a_component_schema_replaces_it_by_any_value() -> None:
    doc = spec()
    animal(doc)["properties"]["name"]["minLength"] = -1
    pruned, [note] = isolated(doc)
    assert pruned["paths"] == doc["paths"]  # the operation that uses it stays
    [description] = animal(pruned).values()
    assert list(animal(pruned)) == ["description"]
    assert "-1 is less than the minimum of 0" in description
    assert "/components/schemas/Animal/properties/name/minLength" in description
    assert note.kind == "replaced-schema" and note.pointer == "/components/schemas/Animal/properties/name/minLength"


def test_an_error_in_another_component_drops_it_and_the_operations_that_use_it() -> None:
    doc = with_second_operation(spec())
    doc["components"]["headers"] = {"Count": {"schema": {"type": "integer"}, "explode": 3}}
    doc["components"]["responses"] = {"Cages": {"description": "x", "headers": {
        "X-Count": {"$ref": "#/components/headers/Count"}}}}
    doc["paths"]["/cages"]["get"]["responses"]["200"] = {"$ref": "#/components/responses/Cages"}
    pruned, notes = isolated(doc)
    assert list(pruned["paths"]) == ["/animals/{id}"]
    assert "headers" not in pruned["components"] or not pruned["components"]["headers"]
    assert not pruned["components"].get("responses")
    kinds = sorted((n.kind, n.pointer) for n in notes)
    assert kinds == [("dropped-component", "/components/headers/Count/explode"),
                     ("dropped-component", "/components/responses/Cages"),
                     ("dropped-operation", "/components/headers/Count/explode")]
    assert "it uses /components/headers/Count, which is invalid" in notes[-1].message


def test_an_error_in_an_optional_part_drops_that_part() -> None:
    doc = spec()
    doc["servers"] = [{"url": "https://a.example"}, {"description": "no url"}, {"url": "https://c.example"}]
    doc["info"]["contact"] = {"email": 42}
    doc["tags"] = [{"name": "a"}, {"name": "b", "description": 3}]
    doc["externalDocs"] = {"description": "no url"}
    pruned, notes = isolated(doc)
    assert pruned["servers"] == [{"url": "https://a.example"}, {"url": "https://c.example"}]
    assert pruned["tags"] == [{"name": "a"}] and "externalDocs" not in pruned
    assert "contact" not in pruned["info"] and pruned["paths"] == doc["paths"]
    assert sorted((n.kind, n.pointer) for n in notes) == [
        ("dropped", "/externalDocs"), ("dropped", "/info/contact/email"), ("dropped", "/servers/1"),
        ("dropped", "/tags/1/description")]


def test_an_error_in_a_webhook_drops_that_webhook() -> None:
    doc = spec("3.1.0")
    doc["webhooks"] = {"fed": {"post": {"deprecated": "maybe", "responses": {"200": {"description": "ok"}}}}}
    pruned, [note] = isolated(doc)
    assert "webhooks" not in pruned and (note.kind, note.pointer) == ("dropped", "/webhooks/fed/post/deprecated")
    assert note.message.startswith("webhook 'fed' dropped: ")


def test_an_error_with_nothing_sensible_to_take_out_stays_an_error() -> None:
    doc = spec()
    doc["info"]["title"] = 7
    animal(doc)["properties"]["name"]["minLength"] = -1
    with pytest.raises(SpecError) as raised:
        validate(doc)
    pruned, notes, left = isolate_once(doc, list(raised.value.problems))
    assert (pruned, notes) == (doc, [])  # nothing is taken out while an error stays
    assert [p.pointer for p in left] == ["/info/title"]
    with pytest.raises(SpecError) as again:
        isolate(doc, list(raised.value.problems), validate)
    assert [p.pointer for p in again.value.problems] == ["/info/title"]


def test_errors_found_after_a_first_isolation_are_isolated_in_later_rounds() -> None:
    """A dangling parameter $ref stops validation before the validator runs; once its operation
    is gone, the validator finds the error in the other operation."""
    doc = with_second_operation(spec())
    at(doc, *OP, "parameters").append({"$ref": "#/components/parameters/Limit"})
    doc["paths"]["/cages"]["get"]["deprecated"] = "maybe"
    doc["paths"]["/pens"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    pruned, notes = isolated(doc)
    assert list(pruned["paths"]) == ["/pens"]
    assert [n.pointer for n in notes] == [pointer(*OP, "parameters", 1, "$ref"),
                                          "/paths/~1cages/get/deprecated"]
