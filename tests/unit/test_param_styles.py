"""Unit tests of the runtime's parameter serialisation: the OpenAPI style examples, every row.

The table is the one in the OpenAPI Specification's "Style Examples" (3.0.4 and 3.1.1, where the
label rows follow RFC 6570): a parameter `color` that is undefined (an empty string here), the
string "blue", the array ["blue", "black", "brown"] or the object {"R": 100, "G": 200, "B": 150},
in each style and explode. Path styles give the text that replaces `{color}`; query styles the
query string (`&`-joined, without the `?`); header styles the header's value. Cells the table
marks n/a are left out. Then what the table does not show: booleans, reserved characters, dates.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from generator.runtime.encoding import (
    format_path,
    styled_header_value,
    styled_path_value,
    styled_query,
)

VALUES: dict[str, Any] = {"empty": "", "string": "blue", "array": ["blue", "black", "brown"],
                          "object": {"R": 100, "G": 200, "B": 150}}

# (location, style, explode) -> the table's cells for empty, string, array, object (None: n/a)
TABLE: dict[tuple[str, str, bool], tuple[str | None, ...]] = {
    ("path", "matrix", False): (";color", ";color=blue", ";color=blue,black,brown", ";color=R,100,G,200,B,150"),
    ("path", "matrix", True): (";color", ";color=blue", ";color=blue;color=black;color=brown", ";R=100;G=200;B=150"),
    ("path", "label", False): (".", ".blue", ".blue,black,brown", ".R,100,G,200,B,150"),
    ("path", "label", True): (".", ".blue", ".blue.black.brown", ".R=100.G=200.B=150"),
    ("path", "simple", False): (None, "blue", "blue,black,brown", "R,100,G,200,B,150"),
    ("path", "simple", True): (None, "blue", "blue,black,brown", "R=100,G=200,B=150"),
    ("header", "simple", False): (None, "blue", "blue,black,brown", "R,100,G,200,B,150"),
    ("header", "simple", True): (None, "blue", "blue,black,brown", "R=100,G=200,B=150"),
    ("query", "form", False): ("color=", "color=blue", "color=blue,black,brown", "color=R,100,G,200,B,150"),
    ("query", "form", True): ("color=", "color=blue", "color=blue&color=black&color=brown", "R=100&G=200&B=150"),
    ("query", "spaceDelimited", False): (None, None, "color=blue%20black%20brown", "color=R%20100%20G%20200%20B%20150"),
    ("query", "pipeDelimited", False): (None, None, "color=blue%7Cblack%7Cbrown", "color=R%7C100%7CG%7C200%7CB%7C150"),
    ("query", "deepObject", True): (None, None, None, "color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150"),
}
# How the generator names a query style (build_operations.query_style) and a path/header one.
QUERY_CODES = {("form", True): "", ("form", False): "csv", ("spaceDelimited", False): "space",
               ("pipeDelimited", False): "pipe", ("deepObject", True): "deepObject"}

CASES = [(where, style, explode, kind, expected)
         for (where, style, explode), cells in TABLE.items()
         for kind, expected in zip(VALUES, cells, strict=True) if expected is not None]


def serialise(where: str, style: str, explode: bool, value: Any) -> str:
    if where == "query":
        return "&".join(styled_query("color", value, QUERY_CODES[style, explode]))
    code = style + ("*" if explode else "")
    return styled_path_value("color", value, code) if where == "path" else styled_header_value(value, code)


@pytest.mark.parametrize(("where", "style", "explode", "kind", "expected"), CASES,
                         ids=[f"{w}-{s}-{'explode' if e else 'no-explode'}-{k}" for w, s, e, k, _ in CASES])
def test_the_specifications_style_examples(where: str, style: str, explode: bool, kind: str, expected: str) -> None:
    assert serialise(where, style, explode, VALUES[kind]) == expected


def test_every_style_of_the_table_is_covered() -> None:
    assert {(w, s) for w, s, _ in TABLE} == {("path", "matrix"), ("path", "label"), ("path", "simple"),
                                             ("header", "simple"), ("query", "form"), ("query", "spaceDelimited"),
                                             ("query", "pipeDelimited"), ("query", "deepObject")}


def test_booleans_are_true_and_false_everywhere() -> None:
    assert format_path("/flags/{on}", {"on": True}) == "/flags/true"
    assert styled_path_value("on", [True, False], "matrix*") == ";on=true;on=false"
    assert styled_query("on", False, "") == ["on=false"]
    assert styled_query("on", {"a": True}, "deepObject") == ["on%5Ba%5D=true"]
    assert styled_header_value([True, False], "simple") == "true,false"


def test_reserved_characters_are_escaped_unless_allowed() -> None:
    value = "a/b?c=d&e#f,g h"
    assert styled_query("q", value, "") == ["q=a%2Fb%3Fc%3Dd%26e%23f%2Cg%20h"]
    assert styled_query("q", value, "", reserved=True) == ["q=a/b?c=d&e#f,g%20h"]
    assert format_path("/files/{name}", {"name": value}) == "/files/a%2Fb%3Fc%3Dd%26e%23f%2Cg%20h"
    # values are encoded; the separators a style puts between them are not
    assert styled_query("q", ["a,b", "c"], "csv") == ["q=a%2Cb,c"]


def test_a_path_array_fills_one_segment_in_its_style() -> None:
    assert format_path("/pets/{ids}", {"ids": [1, 2, 3]}) == "/pets/1,2,3"
    assert format_path("/pets/{ids}", {"ids": ["a/b", "c"]}, [("ids", "label")]) == "/pets/.a%2Fb,c"
    assert format_path("/pets{ids}", {"ids": [1, 2]}, [("ids", "matrix*")]) == "/pets;ids=1;ids=2"


def test_dates_are_iso_8601() -> None:
    when = datetime.datetime(2026, 12, 7, 18, 30, tzinfo=datetime.UTC)
    assert styled_query("since", when, "") == ["since=2026-12-07T18%3A30%3A00%2B00%3A00"]
    assert styled_header_value(datetime.date(2026, 12, 7), "simple") == "2026-12-07"
