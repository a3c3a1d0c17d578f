"""Problems name their YAML line: `load.yaml_lines` against the composed document it stands in for.

Most pointers are placed from the parser's events alone; those whose way passes a
`$ref`, an alias or a merge key go to the composed document. Either way a pointer
must land on the line the composed document gives it (`_lines_from_nodes`).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.load import _lines_from_events, _lines_from_nodes, load_spec, yaml_lines
from generator.spec import pointer

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"

TEXT = """\
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /things/{id}:
    get:
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
        - $ref: '#/components/parameters/Limit'
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Thing'
components:
  parameters:
    Limit:
      name: limit
      in: query
      schema: &int
        type: integer
        default: 20
  schemas:
    Base: &base
      type: object
      properties:
        a~b: {type: string}
        "c/d": *int
    Thing:
      <<: *base
      required:
        - name
      properties:
        name:
          type: string
        tags:
          type: array
          items:
            type: string
"""

EXPECTED = {
    "": 1,
    "/info/title": 2,
    "/paths/~1things~1{id}/get/parameters/0/schema": 10,
    "/paths/~1things~1{id}/get/parameters/1/in": 23,  # through the $ref: where it is written
    "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/properties/tags": 41,
    "/components/schemas/Base/properties/a~0b": 31,
    "/components/schemas/Base/properties/c~1d/default": 26,  # through the alias: the anchored node
    "/components/schemas/Thing/required/0": 36,
    "/components/schemas/Thing/required/7": 36,  # missing: its nearest ancestor
    "/components/schemas/Thing/properties/tags/items/type": 43,
    "/components/schemas/Thing/properties/nope/type": 38,
    "/components/schemas/Thing/description": 34,
}


def test_lines_of_pointers_direct_and_through_refs_aliases_and_merges() -> None:
    raw = TEXT.encode()
    assert yaml_lines(raw, list(EXPECTED)) == EXPECTED
    assert _lines_from_nodes(TEXT, list(EXPECTED)) == EXPECTED


def test_pointers_with_indirection_go_to_the_composed_document() -> None:
    found, unsure = _lines_from_events(TEXT, list(EXPECTED))
    assert set(unsure) == {
        "/paths/~1things~1{id}/get/parameters/1/in",
        "/paths/~1things~1{id}/get/responses/200/content/application~1json/schema/properties/tags",
        "/components/schemas/Base/properties/c~1d/default",
        "/components/schemas/Thing/required/7",  # an index: "7" and "07" are one to the composed lookup
        "/components/schemas/Thing/description",  # Thing has a merge key
    }
    assert found == {p: n for p, n in EXPECTED.items() if p not in unsure}


def test_no_lines_for_text_that_is_not_yaml() -> None:
    assert yaml_lines(b"a: [1, 2\n", ["/a/0"]) == {}
    assert yaml_lines(b"\xff\xfe", ["/a"]) == {}
    assert yaml_lines(TEXT.encode(), []) == {}


def _pointers(value: Any, at: str = "") -> list[str]:
    out = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _pointers(child, at + pointer(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _pointers(child, at + pointer(index))
    return out


SPECS = sorted(REFERENCE.glob("*.yaml")) + [Path(__file__).resolve().parents[1] / "spec" / "assistants.yaml"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_lines_agree_with_the_composed_document_on_real_specs(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    raw = path.read_bytes()
    every = [p for p in _pointers(load_spec(path).doc) if p]
    picked = random.Random(path.name).sample(every, min(3000, len(every)))
    picked += [p + "/missing" for p in picked[:300]] + [p + "/0" for p in picked[:100]]
    picked += [p + "/01" for p in picked[:100]]
    lines = yaml_lines(raw, picked)
    assert lines == _lines_from_nodes(raw.decode("utf-8"), picked)
    assert len(lines) == len(set(picked))


def test_loader_events_are_what_the_finder_expects() -> None:
    """The finder reads libyaml's events by type; a document starts and ends as it assumes."""
    kinds = [type(e).__name__ for e in yaml.parse("a: 1\n", Loader=yaml.CSafeLoader)]
    assert kinds == ["StreamStartEvent", "DocumentStartEvent", "MappingStartEvent", "ScalarEvent",
                     "ScalarEvent", "MappingEndEvent", "DocumentEndEvent", "StreamEndEvent"]
