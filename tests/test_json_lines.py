"""Problems in a JSON spec name their line too: `json_lines.json_lines` against the text.

On hand-written text, the lines are known; on the corpus's published JSON specs they must
agree with a second, independent reading of the text (a plain tokenizer that records every
node's line), for pointers picked at random, missing ones and ones through `$ref`s included.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from generator.json_lines import json_lines
from generator.load import LoadedSpec, load_spec
from generator.pipeline import with_lines
from generator.problems import Problem, SpecError
from generator.spec import pointer

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "specs"

TEXT = """\
{
  "openapi": "3.1.0",
  "info": {"title": "T", "version": "1"},
  "paths": {
    "/things/{id}": {
      "get": {
        "parameters": [
          {"name": "id", "in": "path", "required": true,
           "schema": {"type": "string"}},
          {"$ref": "#/components/parameters/Limit"}
        ],
        "responses": {"200": {"description": "ok"}}
      }
    }
  },
  "components": {
    "parameters": {
      "Limit": {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "default": 20}
      }
    },
    "schemas": {
      "A~B/C": {"type": "object", "enum": [1,
        2, [3,
          4]]},
      "esc\\u0061ped": {"description": "a \\"quoted\\" {brace} [bracket]",
        "type": "string"}
    }
  }
}
"""

EXPECTED = {
    "": 1,
    "/info/title": 3,
    "/paths/~1things~1{id}/get/parameters/0/schema": 9,  # a member: the line of its key
    "/paths/~1things~1{id}/get/parameters/0/required": 8,
    "/paths/~1things~1{id}/get/parameters/1": 10,  # an item: the line it starts on
    "/paths/~1things~1{id}/get/parameters/1/in": 20,  # through the $ref: where it is written
    "/paths/~1things~1{id}/get/parameters/1/schema/default": 21,
    "/paths/~1things~1{id}/get/responses/200/content": 12,  # missing: its nearest ancestor
    "/components/schemas/A~0B~1C/enum/1": 26,
    "/components/schemas/A~0B~1C/enum/2/1": 27,
    "/components/schemas/escaped/type": 29,  # the key as JSON reads it (\\u0061 is "a")
    "/nope/at/all": 1,
}


def test_lines_of_members_items_missing_nodes_and_refs() -> None:
    assert json_lines(TEXT.encode(), list(EXPECTED)) == EXPECTED


def test_a_byte_order_mark_and_text_on_one_line() -> None:
    raw = "\ufeff".encode() + json.dumps({"a": {"b": [1, {"c": 2}]}}).encode()
    assert json_lines(raw, ["/a/b/1/c", "/a/x"]) == {"/a/b/1/c": 1, "/a/x": 1}


def test_no_lines_for_text_that_is_not_json() -> None:
    assert json_lines(b'{"a": [1, 2', ["/a/1"]) == {}
    assert json_lines(b"\xff\xfe", ["/a"]) == {}
    assert json_lines(TEXT.encode(), []) == {}


def test_problems_in_a_json_spec_get_their_lines(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(TEXT, encoding="utf-8")
    loaded = LoadedSpec(spec, TEXT.encode(), json.loads(TEXT))
    problems = [Problem("/components/parameters/Limit/in", "bad"), Problem("", "whole"),
                Problem("OVERLAY#/actions/0", "an overlay's")]
    assert [p.line for p in with_lines(problems, loaded)] == [20, None, None]


@pytest.mark.parametrize(("text", "where"), [
    ('{\n "a": 1,\n "b": {"c": 1,\n  "c": 2}\n}\n', ("/b/c", 4)),  # the repeated key
    ('{\n "a": 1,\n "b": "\\ud800"\n}\n', ("/b", 3)),  # a lone surrogate
])
def test_a_json_spec_refused_while_loading_names_the_line(tmp_path: Path, text: str, where: tuple[str, int]) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        load_spec(spec)
    [problem] = raised.value.problems
    assert (problem.pointer, problem.line) == where


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|[^\s\[\]{},:"]+')


def every_line(text: str) -> dict[str, int]:
    """Every node's line, read by a tokenizer that shares nothing with `json_lines`."""
    found: dict[str, int] = {}
    stack: list[list[Any]] = []  # per open container: [pointer, is an object, key, index, a key comes next]
    line, last, key_line = 1, 0, 0
    for match in _TOKEN.finditer(text):
        line += text.count("\n", last, match.start())
        last, token = match.start(), match.group()
        frame = stack[-1] if stack else None
        if token in ",:]}":
            if token in "]}":
                stack.pop()
            elif token == "," and frame is not None:
                frame[3] += 1
                frame[4] = frame[1]
            continue
        if frame is not None and frame[4]:
            frame[2], frame[4], key_line = json.loads(token), False, line
            continue
        at, at_line = ("", line) if frame is None else (
            (frame[0] + pointer(frame[2]), key_line) if frame[1] else (f"{frame[0]}/{frame[3]}", line))
        found[at] = at_line
        if token in "[{":
            stack.append([at, token == "{", None, 0, token == "{"])
    return found


def test_the_reference_reading_agrees_on_the_hand_written_text() -> None:
    reference = every_line(TEXT)
    assert {p: reference[p] for p in EXPECTED if p in reference} == {
        p: n for p, n in EXPECTED.items() if p in reference}


JSON_SPECS = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.skipif(not JSON_SPECS, reason=f"{CORPUS} is absent")
@pytest.mark.parametrize("path", JSON_SPECS, ids=lambda p: p.stem)
def test_lines_agree_with_an_independent_reading_of_published_specs(path: Path) -> None:
    raw = path.read_bytes()
    reference = every_line(raw.decode("utf-8").removeprefix("\ufeff"))
    picked = random.Random(path.name).sample(sorted(reference), min(3000, len(reference)))
    found = json_lines(raw, picked + [p + "/missing" for p in picked[:300]])
    assert {p: found.get(p) for p in picked} == {p: reference[p] for p in picked}
    for p in picked[:300]:  # a missing child: its parent's line, or the line a $ref leads to
        assert found.get(p + "/missing") is not None
