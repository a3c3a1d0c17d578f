"""Regression tests for the bugs tests/test_properties.py found, one small spec each.

Each spec is the shrunk example (made readable by hand) that failed a property. It is
generated in memory, written to a temporary folder under its own package name, imported
and exercised: what the test asserts is what was broken.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest

from generator.pipeline import Options, generate

COMPONENT = "#/components/schemas/"


def spec_of(schemas: dict[str, Any], top: dict[str, Any], version: str = "3.1.0") -> dict[str, Any]:
    """A spec whose GET /thing returns `top` and whose POST /thing takes it as the JSON body."""
    content = {"application/json": {"schema": top}}
    return {
        "openapi": version,
        "info": {"title": "Regression", "version": "1"},
        "paths": {"/thing": {
            "get": {"operationId": "getThing", "responses": {"200": {"description": "ok", "content": content}}},
            "post": {"operationId": "createThing", "requestBody": {"required": True, "content": content},
                     "responses": {"204": {"description": "stored"}}},
        }},
        "components": {"schemas": schemas},
    }


class Package:
    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name

    def module(self, module: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{module}")

    @property
    def models(self) -> ModuleType:
        return self.module("models")

    @property
    def operations(self) -> ModuleType:
        return self.module("operations")

    def source(self, module: str = "models") -> str:
        return (self.root / self.name / f"{module}.py").read_text(encoding="utf-8")

    def parse(self, value: Any) -> Any:
        """The GET response parsed the way the client parses it."""
        request = self.operations.get_thing()
        return self.module("_runtime.transport").parse_response(request.response_type, json.dumps(value).encode())

    def dump(self, parsed: Any) -> Any:
        adapter = pydantic.TypeAdapter(self.operations.get_thing().response_type)
        return adapter.dump_python(parsed, mode="json", by_alias=True, exclude_unset=True)


@pytest.fixture
def build(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[[dict[str, Any]], Package]]:
    """Generate a spec and import the package (warnings are errors), named after the test."""
    name = "reg_" + request.node.name.removeprefix("test_")
    sys.path.insert(0, str(tmp_path))

    def build(spec: dict[str, Any]) -> Package:
        path = tmp_path / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        files = generate(Options(spec=path, package=name, client_name="ThingClient", env_prefix="THING")).files
        (tmp_path / name).mkdir()
        for file, data in files.items():
            (tmp_path / name / file).parent.mkdir(exist_ok=True)
            (tmp_path / name / file).write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for module in ("models", "operations", "client"):
                importlib.import_module(f"{name}.{module}")
        return Package(tmp_path, name)

    yield build
    sys.path.remove(str(tmp_path))
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def mypy_strict(package: Package) -> str:
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", package.name],
                            cwd=package.root, capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


# ---- names ------------------------------------------------------------------------------


def test_schema_named_like_an_import_does_not_hide_it(build: Any) -> None:
    """A schema called like a name models.py imports (`OpenUnion`, once `Discriminator`) made a
    class that hid the import, so every tagged union failed at import."""
    schemas = {
        "True": {"type": "object", "required": ["object"], "properties": {"object": {"enum": ["True"]}}},
        "OpenUnion": {"type": "object", "required": ["object"], "properties": {"object": {"type": "string"}}},
        "Either": {"anyOf": [{"$ref": COMPONENT + "True"}, {"$ref": COMPONENT + "OpenUnion"}],
                   "discriminator": {"propertyName": "object"}},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Either"}))
    assert type(package.parse({"object": "OpenUnion"})) is package.models.OpenUnionModel
    assert type(package.parse({"object": "True"})) is package.models.TrueModel


def test_property_named_like_a_model_does_not_hide_it(build: Any) -> None:
    """A property `FooBar` beside a field of type `FooBar` made pydantic read the annotation
    `FooBar | None` in the class namespace, as `None | None`: import failed."""
    schemas = {
        "fooBar": {"type": "object", "properties": {"construct": {"type": "number"}}},
        "Holder": {"type": "object", "properties": {"a": {"$ref": COMPONENT + "fooBar"},
                                                    "FooBar": {"type": "number"}}},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    holder = package.parse({"a": {"construct": 1.5}, "FooBar": 2.5})
    assert type(holder.a) is package.models.FooBar
    assert holder.FooBar_ == 2.5
    assert package.dump(holder) == {"a": {"construct": 1.5}, "FooBar": 2.5}



def test_field_names_yield_only_to_what_a_model_body_refers_to(build: Any) -> None:
    """A property `annotations` (a message's citations) became `annotations_`: every name any
    generated module imports was avoided, though a class attribute hides only what the class
    body itself refers to. Fields now keep such names; `datetime`, `Field` and the like, which
    the annotations and defaults after them use, still take a `_`."""
    wire = ("annotations", "models", "operations", "Request", "NOT_GIVEN", "httpx", "datetime", "Field", "Any")
    props: dict[str, Any] = {name: {"type": "string", "default": name} for name in wire}
    props["at"] = {"type": "string", "format": "date-time"}
    props["n"] = {"type": "integer", "default": 1}
    schemas = {"Holder": {"type": "object", "properties": props}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    fields = list(package.models.Holder.model_fields)
    assert fields[:len(wire)] == ["annotations", "models", "operations", "Request", "NOT_GIVEN", "httpx",
                                  "datetime_", "Field_", "Any_"]
    holder = package.parse({"annotations": "cite", "at": "2026-11-22T10:00:00Z", "datetime": "d"})
    assert (holder.annotations, holder.at.year, holder.datetime_, holder.n) == ("cite", 2026, "d", 1)
    assert package.dump(holder) == {"annotations": "cite", "at": "2026-11-22T10:00:00Z", "datetime": "d"}
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_a_path_item_given_by_ref_keeps_its_operations(build: Any) -> None:
    """`paths: {/a: {$ref: "#/components/pathItems/A"}}` (OpenAPI 3.1) generated 0 operations,
    with exit 0: the path item's `$ref` was never followed."""
    spec = spec_of({"Thing": {"type": "object", "properties": {"x": {"type": "integer"}}}}, {"type": "string"})
    spec["paths"]["/a"] = {"$ref": "#/components/pathItems/A"}
    spec["components"]["pathItems"] = {"A": {
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
        "get": {"operationId": "getA", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"$ref": COMPONENT + "Thing"}}}}}},
    }}
    package = build(spec)
    request = package.operations.get_a(q="v")
    assert (request.method, request.path, request.query_params()) == ("GET", "/a", [("q", "v")])
    assert request.response_type is package.models.Thing
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_a_percent_encoded_ref_names_what_it_encodes(build: Any) -> None:
    """`$ref: "#/paths/~1items~1%7Bid%7D/..."` (as bundlers write `{id}`) was refused: "points at
    nothing". A `$ref` is a URI fragment: it is percent-decoded before it is read as a pointer."""
    thing = {"type": "object", "properties": {"name": {"type": "string"}}}
    spec = spec_of({"Thing": thing}, {"$ref": "#/components/schemas/Th%69ng"})
    spec["paths"]["/items/{id}"] = {"get": {
        "operationId": "getItem",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"size": {"type": "integer"}}}}}}}}}
    spec["paths"]["/copy"] = {"get": {"operationId": "getCopy", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {
            "$ref": "#/paths/~1items~1%7Bid%7D/get/responses/200/content/application~1json/schema"}}}}}}}
    package = build(spec)
    assert package.operations.get_thing().response_type is package.models.Thing
    copy, item = package.operations.get_copy(), package.operations.get_item("i")
    assert copy.response_type is item.response_type
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_operations_named_like_client_members_do_not_replace_them(build: Any) -> None:
    """operationIds `close` and `baseUrl` made client methods that replaced `close()` (leaving
    a `with` block sent a request) and the `base_url` attribute; mypy --strict refused both."""
    spec = spec_of({}, {"type": "string"})
    spec["paths"] = {"/close": {"post": {"operationId": "close", "responses": {"204": {"description": "ok"}}}},
                     "/base": {"get": {"operationId": "baseUrl", "responses": {"204": {"description": "ok"}}}}}
    package = build(spec)
    client_module = package.module("client")
    assert hasattr(client_module.ThingClient, "close_") and hasattr(client_module.ThingClient, "base_url_")
    with client_module.ThingClient(base_url="http://127.0.0.1:9") as client:
        assert client.base_url == "http://127.0.0.1:9"
    assert client._transport.http.is_closed  # close() closed it, and sent nothing
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_schema_named_like_the_client_does_not_clash_with_it(build: Any) -> None:
    """A schema `ThingClient` (or `Thing` with an inline `client` object) made a model that
    client.py imported and then redefined as the client class: mypy --strict failed, and the
    method's return annotation named the client instead of the model."""
    schemas = {"ThingClient": {"type": "object", "properties": {"a": {"type": "string"}}},
               "Thing": {"type": "object", "properties": {"client": {"type": "object",
                                                                     "properties": {"b": {"type": "string"}}}}}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "ThingClient"}))
    client = package.module("client")
    assert client.ThingClient.get_thing.__annotations__["return"] == "ThingClientModel"
    assert {"ThingClientModel", "ThingClientModelInline"} <= set(vars(package.models))
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_ref_with_escaped_characters_names_its_component(build: Any) -> None:
    """A `$ref` to `a~b` is written `a~0b`; the escape was not undone, the schema was inlined
    instead of named, and a schema that refers to itself recursed until RecursionError."""
    schemas = {"a~b": {"type": "array", "items": {"anyOf": [{"$ref": COMPONENT + "a~0b"}, {"type": "integer"}]}}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "a~0b"}, version="3.0.3"))
    assert package.parse([1, [2, []]]) == [1, [2, []]]


# ---- recursion --------------------------------------------------------------------------


def test_alias_that_refers_to_itself_imports(build: Any) -> None:
    """`Tree: TypeAlias = dict[str, Tree]` cannot be evaluated when the module loads: NameError."""
    schemas = {
        "9lives": {"type": "object", "additionalProperties": {"$ref": COMPONENT + "9lives"}},
        "nested": {"type": ["array", "null"], "items": {"$ref": COMPONENT + "nested"}},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "9lives"}))
    assert package.parse({"a": {"b": {}}}) == {"a": {"b": {}}}
    nested = pydantic.TypeAdapter(package.models.Nested)
    assert nested.validate_python([None, [[], None]]) == [None, [[], None]]
    assert "Model9lives = TypeAliasType(" in package.source()
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_alias_on_a_cycle_through_a_class_imports(build: Any) -> None:
    """An alias naming a class that names the alias was written before the class: NameError."""
    schemas = {
        "Node": {"type": "object", "properties": {"children": {"$ref": COMPONENT + "Nodes"}}},
        "Nodes": {"type": "array", "items": {"$ref": COMPONENT + "Node"}},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Nodes"}))
    parsed = package.parse([{"children": [{}]}])
    assert type(parsed[0].children[0]) is package.models.Node
    assert package.dump(parsed) == [{"children": [{}]}]


def test_a_cycle_through_refs_to_non_components_is_typed_any_with_a_warning(build: Any) -> None:
    """`items: {$ref: "#/components/schemas/A/properties/b"}` inside that `b`, or a `$defs` tree of
    itself, recursed without end: "the spec nests too deeply to generate", at `/`. The cycle
    now ends in Any, with a warning naming the `$ref` (the validator accepts such specs)."""
    schemas = {
        "A": {"type": "object", "properties": {
            "b": {"type": "array", "items": {"$ref": COMPONENT + "A/properties/b"}}}},
        "Holder": {"type": "object", "$defs": {"Tree": {"anyOf": [
            {"type": "string"}, {"type": "array", "items": {"$ref": COMPONENT + "Holder/$defs/Tree"}}]}},
            "properties": {"tree": {"$ref": COMPONENT + "Holder/$defs/Tree"}}},
    }
    spec = spec_of(schemas, {"$ref": COMPONENT + "A"})
    package = build(spec)
    assert package.parse({"b": [[1, "x"], []]}).b == [[1, "x"], []]
    assert package.models.Holder.model_validate({"tree": ["a", ["b", []]]}).tree == ["a", ["b", []]]
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)
    path = package.root / "spec.json"
    warnings = generate(Options(spec=path, package="again", client_name="ThingClient",
                                env_prefix="THING")).coverage.warnings
    assert sorted(w.pointer for w in warnings if w.kind == "recursive-non-component") == [
        "/components/schemas/A/properties/b/items/$ref", "/components/schemas/Holder/$defs/Tree/anyOf/1/items/$ref"]


def test_a_schema_that_extends_itself_through_all_of_ends(build: Any) -> None:
    """`children: array of allOf [Node, {depth}]` inside Node: the merged model copies Node's
    properties, so `children` was met again at a longer pointer and got a new model, without
    end, until memory ran out. Both shapes (allOf with a second part, allOf beside properties)."""
    depth = {"type": "object", "properties": {"depth": {"type": "integer"}}}
    schemas = {
        "Node": {"type": "object", "properties": {
            "children": {"type": "array", "items": {"allOf": [{"$ref": COMPONENT + "Node"}, depth]}},
            "next": {"allOf": [{"$ref": COMPONENT + "Node"}], "properties": {"hop": {"type": "integer"}}},
        }},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Node"}))
    value = {"children": [{"depth": 1, "children": [{"depth": 2}], "next": {"hop": 3}}], "next": {"hop": 1}}
    parsed = package.parse(value)
    child = parsed.children[0]
    assert type(child.children[0]) is type(child)  # one model for the allOf, however deep
    assert (child.children[0].depth, child.next.hop, parsed.next.hop) == (2, 3, 1)
    assert package.dump(parsed) == value
    assert len([line for line in package.source().splitlines() if line.startswith("class ")]) == 3
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


# ---- unions -----------------------------------------------------------------------------


def test_tagged_union_serializes_a_model_by_its_wire_tag(build: Any) -> None:
    """The tag function read a model's attribute by the wire name (`class`, not `class_`), so
    serializing picked UnknownVariant and pydantic warned the value might be wrong."""
    schemas = {
        "Cat": {"type": "object", "required": ["class"], "properties": {"class": {"enum": ["cat"]},
                                                                       "lives": {"type": "integer"}}},
        "Dog": {"type": "object", "required": ["class"], "properties": {"class": {"enum": ["dog"]}}},
    }
    package = build(spec_of(schemas, {"oneOf": [{"$ref": COMPONENT + "Cat"}, {"$ref": COMPONENT + "Dog"}]}))
    cat = package.parse({"class": "cat", "lives": 9})
    assert type(cat) is package.models.Cat
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert package.dump(cat) == {"class": "cat", "lives": 9}


def test_tags_equal_in_python_do_not_make_a_tagged_union(build: Any) -> None:
    """Tags `1` and `true` are different JSON but one dict key in Python: the value 1 was sent
    to the branch tagged `true` and failed to parse."""
    schemas = {
        "One": {"type": "object", "required": ["", "_"], "properties": {"": {"enum": [1]}, "_": {}}},
        "Yes": {"type": "object", "required": [""], "properties": {"": {"enum": [True]},
                                                                  "n": {"type": "integer"}}},
    }
    package = build(spec_of(schemas, {"oneOf": [{"$ref": COMPONENT + "One"}, {"$ref": COMPONENT + "Yes"}]}))
    assert type(package.parse({"": 1, "_": {"x": []}})) is package.models.One
    assert type(package.parse({"": True, "n": 3})) is package.models.Yes


def test_union_with_an_unconstrained_branch_takes_any_value(build: Any) -> None:
    """`anyOf: [{}, {type: [boolean, null]}]` dropped the `{}` branch: 0.0 was parsed as False."""
    schemas = {"Holder": {"type": "object", "properties": {"": {"anyOf": [{}, {"type": ["boolean", "null"]}]}}}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    for value in (0.0, "text", [1], None, True):
        assert package.dump(package.parse({"": value})) == {"": value}


def test_enum_with_numbers_no_literal_holds_accepts_them(build: Any) -> None:
    """The float values of an enum were left out of its Literal, so they failed to parse."""
    package = build(spec_of({}, {"enum": ["class", -2, 1.5, -1.75]}, version="3.0.3"))
    for value in ("class", -2, 1.5, -1.75):
        assert package.parse(value) == value


# ---- bodies -----------------------------------------------------------------------------


def test_stream_overloads_follow_the_stream_property(build: Any) -> None:
    """The `stream=False` overload always read `Literal[False] | None | NotGiven = NOT_GIVEN`:
    for a `stream` that is a plain boolean (no null) or required, the implementation did not
    take what that overload admits, and mypy --strict refused the client."""
    def chat(stream: dict[str, Any], required: list[str]) -> dict[str, Any]:
        body = {"type": "object", "required": ["prompt", *required],
                "properties": {"prompt": {"type": "string"}, "stream": stream}}
        ok = {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "properties": {"text": {"type": "string"}}}},
            "text/event-stream": {"schema": {"type": "object", "properties": {"delta": {"type": "string"}}}}}}
        return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                "responses": {"200": ok}}

    spec = spec_of({}, {"type": "string"})
    spec["paths"] = {f"/{name}": {"post": {"operationId": name, **chat(stream, required)}} for name, stream, required in (
        ("plain", {"type": "boolean"}, []),
        ("needed", {"type": "boolean"}, ["stream"]),
        ("nullable", {"type": ["boolean", "null"]}, []),
    )}
    package = build(spec)
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)
    source = package.source("client")
    assert "stream: Literal[False] | NotGiven = NOT_GIVEN," in source
    assert "stream: Literal[False],\n" in source
    assert "stream: Literal[False] | None | NotGiven = NOT_GIVEN," in source
    assert package.operations.plain(prompt="p", stream=True).is_streaming()


def test_a_list_call_that_can_stream_is_not_paged(build: Any) -> None:
    """An operation with an `after` cursor, a list response and an event stream was both paged and
    streaming: the client returned a page for `stream=True` and mypy --strict found 24 errors."""
    spec = spec_of({}, {"type": "string"})
    events = {"oneOf": [
        {"type": "object", "required": ["type"], "properties": {"type": {"const": "a"}, "x": {"type": "string"}}},
        {"type": "object", "required": ["type"], "properties": {"type": {"const": "b"}, "y": {"type": "integer"}}}]}
    listing = {"type": "object", "properties": {"data": {"type": "array", "items": {"type": "string"}},
                                                "has_more": {"type": "boolean"}, "last_id": {"type": "string"}}}
    spec["paths"]["/items"] = {"post": {
        "operationId": "listItems",
        "parameters": [{"name": "after", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"stream": {"type": "boolean"}}}}}},
        "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": listing}, "text/event-stream": {"schema": events}}}}}}
    package = build(spec)
    request = package.operations.list_items(after="c", stream=True)
    assert request.is_streaming() and request.page is None
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_a_list_response_whose_data_is_not_a_schema_of_a_list_is_no_page(build: Any) -> None:
    """`{data: true, has_more, last_id}` with an `after` cursor crashed the build (`'bool' object
    has no attribute 'get'`): nothing says `data` is a list, so it is a plain response."""
    page = {"type": "object", "properties": {"data": True, "has_more": {"type": "boolean"},
                                             "last_id": {"type": "string"}}}
    spec = spec_of({}, page)
    spec["paths"]["/thing"]["get"]["parameters"] = [{"name": "after", "in": "query", "schema": {"type": "string"}}]
    package = build(spec)
    request = package.operations.get_thing(after="x")
    assert request.page is None and request.query_params() == [("after", "x")]
    assert package.parse({"data": 1, "has_more": False}).data == 1


def test_server_variables_take_their_defaults_in_the_base_url(build: Any) -> None:
    """`servers: [{url: "https://{region}.example.com/{version}", variables: ...}]` was the default
    base URL as written, braces and all."""
    spec = spec_of({}, {"type": "string"})
    spec["servers"] = [{"url": "https://{region}.example.com/{version}", "variables": {
        "region": {"default": "eu", "enum": ["eu", "us"]}, "version": {"default": "v2"}}}]
    package = build(spec)
    client_module = package.module("client")
    assert client_module.DEFAULT_BASE_URL == "https://{region}.example.com/{version}"  # filled when built
    with client_module.ThingClient() as client:
        assert client.base_url == "https://eu.example.com/v2"


def test_allof_body_with_own_properties_takes_every_property(build: Any) -> None:
    """A body `allOf: [...]` with properties of its own took only its own as arguments:
    the allOf parts' properties (some required) could not be sent."""
    top = {"allOf": [{"type": "object", "properties": {"dict": {"type": "integer"}}, "required": ["dict"]}],
           "type": "object", "properties": {"body": {"type": "string"}}}
    package = build(spec_of({}, top))
    request = package.operations.create_thing(dict_=1, body="b")
    assert request.json_body() == {"dict": 1, "body": "b"}


def test_bytes_body_is_sent_as_text(build: Any) -> None:
    """A JSON body typed `bytes` (format: binary) was put in the JSON as bytes, which no
    JSON encoder writes; pydantic writes bytes in JSON as UTF-8 text, and so does the runtime now."""
    package = build(spec_of({}, {"type": "string", "format": "binary"}))
    assert package.operations.create_thing(body="Ö".encode()).json_body() == "Ö"
    assert package.dump(package.parse("Ö")) == "Ö"


# ---- defaults ---------------------------------------------------------------------------


def test_date_time_default_is_not_kept_as_text(build: Any) -> None:
    """A date-time default became `Field(default="9935-...")` on a `datetime` field: mypy --strict
    failed, and an unset field held a string."""
    schemas = {"Holder": {"type": "object", "properties": {
        "is": {"type": "string", "format": "date-time", "default": "9935-03-20T01:18:51.094703Z"},
        "on": {"type": "string", "format": "date", "default": "2000-01-01"},
        "raw": {"type": "string", "format": "binary", "default": "abc"},
        "text": {"type": "string", "default": "kept"},
    }}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    holder = package.models.Holder()
    assert (holder.is_, holder.on, holder.raw, holder.text) == (None, None, None, "kept")
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_integral_default_of_an_integer_is_an_int(build: Any) -> None:
    """`default: 3.0` is a JSON integer, but `Field(default=3.0)` on an `int` field failed mypy --strict.
    So did `default: 975.0` on an integer enum (`Literal[2, 975]`) and on an integer behind an alias."""
    schemas = {"Count": {"type": "integer"}, "Holder": {"type": "object", "properties": {
        "n": {"type": "integer", "default": -2133.0},
        "ns": {"type": "array", "items": {"type": "integer"}, "default": [1.0, 2]},
        "x": {"type": "number", "default": 3.0},
        "e": {"type": "integer", "enum": [2, 975], "default": 975.0},
        "c": {"$ref": COMPONENT + "Count", "default": 4.0},
        "u": {"type": ["integer", "number"], "default": 5.0},
    }}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    holder = package.models.Holder()
    assert (holder.n, holder.ns, holder.x, holder.e, holder.c, holder.u) == (-2133, [1, 2], 3.0, 975, 4, 5.0)
    assert [type(v) for v in (holder.n, holder.ns[0], holder.x, holder.e, holder.c, holder.u)] == [
        int, int, float, int, int, float]
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_defaults_of_the_wrong_type_or_for_a_model_are_left_out(build: Any) -> None:
    """A default openapi-spec-validator only warns about was written as it stood: `b: str =
    Field(default=5)` and the like failed mypy --strict and gave callers a value of the wrong
    type. A default for a model (a dict) gave a dict where a model was declared. Such defaults
    are now left out; defaults of the right type, maps included, are kept."""
    schemas = {
        "Color": {"type": "string", "enum": ["red", "blue"]},
        "Inner": {"type": "object", "properties": {"g": {"type": "string"}}},
        "Holder": {"type": "object", "properties": {
            "n": {"type": "integer", "default": "abc"},
            "s": {"type": "string", "default": 5},
            "e": {"type": "string", "enum": ["p", "q"], "default": "r"},
            "color": {"$ref": COMPONENT + "Color", "default": "green"},
            "ss": {"type": "array", "items": {"type": "string"}, "default": [1, 2]},
            "flag": {"type": "boolean", "default": 1},
            "inline": {"type": "object", "properties": {"g": {"type": "string"}}, "default": {"g": "hi"}},
            "inner": {"$ref": COMPONENT + "Inner", "default": {"g": "hi"}},
            "either": {"anyOf": [{"type": "integer"}, {"type": "string"}], "default": True},
            # of the right type: kept
            "kept_n": {"type": "integer", "default": 3},
            "kept_color": {"$ref": COMPONENT + "Color", "default": "blue"},
            "kept_map": {"type": "object", "additionalProperties": {"type": "integer"}, "default": {"k": 1}},
            "kept_either": {"anyOf": [{"type": "integer"}, {"type": "string"}], "default": "x"},
            "kept_x": {"type": "number", "default": 1},
        }},
    }
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    holder = package.models.Holder()
    left_out = ("n", "s", "e", "color", "ss", "flag", "inline", "inner", "either")
    assert {name: getattr(holder, name) for name in left_out} == dict.fromkeys(left_out)
    assert (holder.kept_n, holder.kept_color, holder.kept_map, holder.kept_either, holder.kept_x) == (
        3, "blue", {"k": 1}, "x", 1)
    assert package.models.Holder.model_validate({"inner": {"g": "x"}}).inner.g == "x"
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)


def test_ref_to_a_null_only_schema_is_none(build: Any) -> None:
    """A schema `{enum: [null]}` is the alias `Nothing: TypeAlias = None`; a nullable reference to
    it was written `Nothing | None`, which is `None | None` at run time: TypeError."""
    schemas = {"_ZAb": {"enum": [None]},
               "Holder": {"type": "object", "properties": {"z": {"$ref": COMPONENT + "_ZAb"}}}}
    package = build(spec_of(schemas, {"anyOf": [{"$ref": COMPONENT + "_ZAb"}, {"type": "null"}]}))
    assert package.parse(None) is None
    assert package.models.Holder.model_validate({"z": None}).z is None


def test_response_adapters_are_cached_by_type_not_by_id() -> None:
    """`_ADAPTERS` was keyed by id(): `list[X]` built per call added an entry every call, and a
    collected type's id could come back for another type and get the wrong adapter."""

    from generator.runtime import transport

    transport._ADAPTERS.clear()
    for _ in range(50):
        assert transport.type_adapter(list[int]).validate_python([1]) == [1]
        assert transport.type_adapter(list[str]).validate_python(["a"]) == ["a"]
    assert len(transport._ADAPTERS) == 2


def test_an_object_without_properties_from_all_of_is_an_empty_class(build: Any) -> None:
    """`allOf` of two objects without properties merges into an inline class with no field and
    no docstring: its body is `pass`, it keeps every field it is given (APIModel), and it types."""
    schemas = {"Holder": {"type": "object", "properties": {
        "thing": {"allOf": [{"type": "object"}, {"type": "object"}]},
    }}}
    package = build(spec_of(schemas, {"$ref": COMPONENT + "Holder"}))
    holder = package.models.Holder.model_validate({"thing": {"anything": [1, "two"]}})
    assert isinstance(holder.thing, package.models.HolderThing)
    assert holder.thing.model_extra == {"anything": [1, "two"]}
    assert "class HolderThing(APIModel):\n    pass\n" in (package.root / package.name / "models.py").read_text()
    assert mypy_strict(package).startswith("Success"), mypy_strict(package)
