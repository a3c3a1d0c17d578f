"""Unit tests of the live check's helpers: values synthesised from schemas, arguments of a
call, and how a failed call is told apart (tests/live_args.py, tests/live_check.py)."""

from __future__ import annotations

import re
from typing import Any

import pydantic
import pytest

from tests.live_args import SchemaCheck, Synth, build_arguments, from_pattern
from tests.live_check import alone_rounds, identical_paths
from tests.live_judge import field_mismatches, unexplained

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "paths": {
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "post": {
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 5},
                    },
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    },
                },
            },
        },
        "/pets/{id}": {"get": {}},
        "/pets/{name}": {"get": {}, "put": {}},
    },
    "components": {
        "schemas": {
            "Pet": {
                "allOf": [{"$ref": "#/components/schemas/Named"}],
                "required": ["born", "tags"],
                "properties": {
                    "born": {"type": "string", "format": "date-time"},
                    "tags": {
                        "type": "array",
                        "minItems": 2,
                        "uniqueItems": True,
                        "items": {"type": "string"},
                    },
                    "nickname": {"type": "string"},
                },
            },
            "Named": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string", "example": "Rex"}},
            },
            "Shape": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Circle"},
                    {"$ref": "#/components/schemas/Square"},
                ],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"round": "#/components/schemas/Circle"},
                },
            },
            "Circle": {
                "type": "object",
                "required": ["kind"],
                "properties": {"kind": {"type": "string"}, "r": {"type": "number"}},
            },
            "Square": {
                "type": "object",
                "required": ["kind", "side"],
                "properties": {"kind": {"type": "string"}, "side": {"type": "integer"}},
            },
        }
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        r"^AC[0-9a-fA-F]{32}$",
        r"^(SM|MM)[0-9a-fA-F]{32}$",
        r"^([01]\d|2[0-3]):?([0-5]\d)$",
        r"^[a-zA-Z0-9_]+:[a-zA-Z0-9_]+$",
        r"^\S+@\S+\.\w{2,}$",
        r"(ab)\1",
    ],
)
def test_a_string_from_a_pattern_matches_it(pattern: str) -> None:
    text = from_pattern(pattern)
    assert text is not None and re.search(pattern, text)


def test_synthesised_values_meet_their_schemas() -> None:
    check = SchemaCheck(DOC)
    synth = Synth(DOC, check)
    pet = synth.value({"$ref": "#/components/schemas/Pet"})
    assert pet["name"] == "Rex"  # the schema's example
    assert len(set(pet["tags"])) == 2 and "nickname" not in pet  # unique items; required only
    assert check.problem({"$ref": "#/components/schemas/Pet"}, pet) is None
    shape = synth.value({"$ref": "#/components/schemas/Shape"})
    assert shape["kind"] == "round"  # the discriminator's mapping key for the first branch


def _param(name: str, wire: str, location: str, required: bool, type_: str) -> dict[str, Any]:
    return {"name": name, "wire": wire, "location": location, "required": required, "type": type_}


UPDATE_PET = {  # as _surface.json describes an operation
    "name": "update_pet",
    "method": "POST",
    "path": "/pets/{petId}",
    "params": [
        _param("pet_id", "petId", "path", True, "int"),
        _param("limit", "limit", "query", True, "int"),
        _param("x_trace", "X-Trace", "header", False, "str"),
        _param("name", "name", "body", True, "str"),
        _param("born", "born", "body", True, "datetime.datetime"),
        _param("tags", "tags", "body", True, "list[str]"),
        _param("nickname", "nickname", "body", False, "str"),
    ],
}


def test_the_arguments_of_a_call() -> None:
    args = build_arguments(Synth(DOC, SchemaCheck(DOC)), UPDATE_PET)
    assert args.positional == [1]
    assert args.keywords["limit"] == 5  # the minimum
    assert "x_trace" not in args.keywords and "nickname" not in args.keywords  # optional
    assert args.keywords["born"].tzinfo is not None  # a datetime, as a user passes it
    assert args.body == {
        "name": "Rex",
        "born": "2024-01-02T03:04:05+00:00",
        "tags": ["live-check", "live-check1"],
    }
    asked = build_arguments(Synth(DOC, SchemaCheck(DOC)), UPDATE_PET, {("header", "x-trace")})
    assert asked.keywords["x_trace"] == "live-check"  # an optional one Prism asked for


def test_paths_identical_up_to_parameter_names_are_called_apart() -> None:
    rivals = identical_paths(DOC)
    assert rivals == {
        ("GET", "/pets/{id}"): ["/pets/{name}"],
        ("GET", "/pets/{name}"): ["/pets/{id}"],
    }
    ops = [{"path": "/pets/{id}"}, {"path": "/pets/{name}"}, {"path": "/owners/{id}"}]
    assert [[op["path"] for op in r] for r in alone_rounds(ops)] == [
        ["/pets/{id}", "/owners/{id}"],
        ["/pets/{name}"],
    ]


def test_form_and_multipart_fields_are_compared_as_openapi_encodes_them() -> None:
    meant = {"n": 1, "ok": True, "tags": ["a", "b"], "meta": {"k": "v"}, "file": b"\x00"}
    fields = [
        ("n", None, b"1"),
        ("ok", None, b"true"),
        ("tags", None, b"a"),
        ("tags", None, b"b"),
        ("meta", "application/json", b'{"k": "v"}'),
        ("file", "application/octet-stream", b"\x00"),
    ]
    assert field_mismatches(meant, fields, multipart=True) == []
    fields[4] = ("meta", None, b'{"k": "v"}')  # a JSON part needs its content type
    assert field_mismatches(meant, fields, multipart=True) == [
        "meta: meant {'k': 'v'}, sent b'{\"k\": \"v\"}' (no type)"
    ]


class Deadman(pydantic.BaseModel):
    kind: str
    name: str


class Threshold(pydantic.BaseModel):
    kind: int


def test_a_client_error_is_explained_where_the_body_breaks_its_schema() -> None:
    check = SchemaCheck(DOC)
    body = {"kind": "deadman"}
    schema = {
        "type": "object",
        "required": ["kind", "name"],
        "properties": {"kind": {"type": "string"}},
    }
    with pytest.raises(pydantic.ValidationError) as caught:
        pydantic.TypeAdapter(Deadman | Threshold).validate_python(body)
    error = ValueError("unusable")
    error.__cause__ = caught.value
    # Deadman misses `name` as the schema says; Threshold's complaint is in the other branch
    assert unexplained(error, check.errors(schema, body), body) is None
    # where the body meets its schema, the client's complaint is its own
    assert unexplained(error, [], body) == "Deadman.name: Field required"
