"""Unit tests of generator.schema_types: what the typer says when a schema has no exact type."""

from __future__ import annotations

from typing import Any

import pytest

from generator.schema_types import SchemaTyper, branch_literal, required_by_every_branch


def typed(schema: dict[str, Any]) -> tuple[str, list[str]]:
    typer = SchemaTyper({}, {}, lambda wanted, preferred="": wanted)
    return typer.hint(schema, "/components/schemas/S", "S").code, [f"{w.pointer}: {w.message}" for w in typer.warnings]


def test_an_exact_enum_types_without_a_word() -> None:
    assert typed({"type": "string", "enum": ["a", "b"]}) == ('Annotated[Literal["a", "b"], OPEN_ENUM]'.replace('"', "'"),
                                                            [])


@pytest.mark.parametrize(("schema", "code", "said"), [
    ({"type": "string", "enum": ["a", 3]}, "Literal['a']", "enum value(s) [3] are not of its type string"),
    ({"enum": ["a", ["b"]]}, "Literal['a'] | list[Any]", "enum value(s) [['b']] cannot be in a Literal"),
    ({"type": "number", "enum": [0.5, 1.5]}, "float", "typed as float"),
    ({"enum": ["class", -2, 1.5]}, "Annotated[Literal['class', -2], OPEN_ENUM] | float", "[1.5] cannot be"),
    ({"enum": [{"k": 1}]}, "dict[str, Any]", "typed as dict[str, Any]"),
    ({"type": "integer", "const": "x"}, "int", "const value(s) ['x'] are not of its type integer"),
])
def test_a_value_no_literal_can_hold_is_a_located_warning(schema: dict[str, Any], code: str, said: str) -> None:
    found, warnings = typed(schema)
    assert found == code
    assert len(warnings) == 1 and warnings[0].startswith("/components/schemas/S/") and said in warnings[0]


TAGGED = {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "a"}}}


@pytest.mark.parametrize(("union", "wanted"), [
    ({"oneOf": [TAGGED, {**TAGGED, "properties": {"kind": {"enum": ["b", "c"]}}}]}, ["kind"]),
    ({"anyOf": [TAGGED, {"required": ["other"]}]}, []),  # one branch does not require `kind`
    ({"oneOf": [TAGGED, {"type": "string"}]}, []),  # a string branch requires nothing
    ({"oneOf": [TAGGED, {"description": "anything"}]}, []),  # neither does a branch that admits anything
    ({"oneOf": [TAGGED, {"oneOf": [TAGGED, {"allOf": [TAGGED]}]}]}, ["kind"]),  # nested, through allOf
    ({"oneOf": [TAGGED, {"type": "null"}]}, ["kind"]),  # a null branch is no shape of the object
    ({}, []),
])
def test_required_by_every_branch(union: dict[str, Any], wanted: list[str]) -> None:
    schema = {"type": "object", "properties": {"note": {"type": "string"}}, **union}
    assert [w for w, _ in required_by_every_branch({}, schema, "/s")] == wanted


def test_branch_literal_joins_consts_and_enums_and_gives_up_on_anything_else() -> None:
    found = required_by_every_branch({}, {"oneOf": [TAGGED, {**TAGGED, "properties": {"kind": {"enum": ["b", None]}}}]},
                                     "/s")
    [(_, declared)] = found
    assert [d.pointer for d in declared if d] == ["/s/oneOf/0/properties/kind", "/s/oneOf/1/properties/kind"]
    expr = branch_literal({}, declared)
    assert expr is not None and expr.input_code == "Literal['a', 'b'] | None"
    [(_, loose)] = required_by_every_branch({}, {"oneOf": [TAGGED, {**TAGGED, "properties": {"kind": {}}}]}, "/s")
    assert branch_literal({}, loose) is None
