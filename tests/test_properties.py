"""Property-based tests of the generator (hypothesis).

Random OpenAPI 3.1 (and 3.0, with `nullable`) specs are drawn: one GET and one POST on
`/thing` whose response and request body are a top schema, plus the component schemas it
uses (scalars with formats, enums, consts and defaults, arrays, objects with required and
additional properties, maps, `$ref`s including recursive ones, allOf, oneOf/anyOf with and
without a discriminator), named from a hostile alphabet (keywords, builtins, dunders,
pydantic's own attributes, leading digits, dashes, dots, spaces, quotes, non-ASCII, names
that collide once made into identifiers).

- The generator turns every spec into a package whose modules parse and import without a
  warning, or refuses it with a SpecError whose problems point into the spec.
- JSON drawn from the top schema (and confirmed valid with jsonschema) parses into the
  operation's response type and dumps back unchanged, and sent as the POST body it goes on
  the wire unchanged.
- A few of the generated packages pass `mypy --strict` (one mypy run for all of them).

The runs are derandomized, so every run tries the same examples. Set
OAPI_PYGEN_HYPOTHESIS_EXAMPLES to run more of them, e.g. 500.
"""

from __future__ import annotations

import ast
import base64
import datetime
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, OAS31Validator

from generator.pipeline import Options, generate
from generator.problems import SpecError
from generator.spec import escape_token

EXAMPLES = int(os.environ.get("OAPI_PYGEN_HYPOTHESIS_EXAMPLES") or 0)
DEFAULT_EXAMPLES = 60
MYPY_PACKAGES = 4 if EXAMPLES <= DEFAULT_EXAMPLES else min(12, max(4, EXAMPLES // 50))


def property_settings(examples: int) -> Any:
    return settings(deadline=None, derandomize=True, database=None, max_examples=examples,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


PROPERTY_SETTINGS = property_settings(EXAMPLES or DEFAULT_EXAMPLES)

# ---- names ------------------------------------------------------------------------------

HOSTILE_NAMES = (
    # keywords and soft keywords
    "class", "None", "True", "False", "def", "from", "import", "lambda", "async", "await", "match", "case",
    "type", "_", "global", "not", "is", "in",
    # dunders and underscores
    "__init__", "__class__", "__dict__", "__fields__", "__root__", "__slots__", "__annotations__", "_x", "__x",
    "x_", "_private",
    # pydantic's own attributes
    "model_config", "model_dump", "model_fields", "model_extra", "model_validate", "schema", "json", "copy",
    "dict", "validate", "construct", "fields", "parse_obj",
    # names the generated modules import or define
    "Any", "APIModel", "BaseModel", "Field", "Literal", "Annotated", "TypeAlias", "ConfigDict", "datetime", "annotations",
    "Request", "NotGiven", "NOT_GIVEN", "UnknownVariant", "OPEN_ENUM", "OpenUnion", "union_tag", "Tag", "Discriminator",
    "Union", "typing", "pydantic", "httpx", "models", "operations", "client", "runtime", "FileTypes",
    # builtins
    "str", "int", "float", "bool", "list", "id", "self", "cls", "print", "object", "bytes", "set",
    # leading digits, punctuation, spaces, quotes, non-ASCII
    "3d", "2fa", "0", "9lives", "x-request-id", "a-b", "a.b", "a b", " a", "a ", "it's", 'say "hi"', "größe",
    "naïve", "Ünïcödé", "日本", "ñ", "é", "a/b", "a~b", "$ref", "{x}", "\\", "tab\tname", "-", ".", "",
    "body", "extra_body", "timeout", "options",
    # names that collide with each other, or with names the generator makes up
    "Foo", "foo", "FOO", "foo_bar", "fooBar", "FooBar", "foo-bar", "foo.bar", "foo bar", "Foo_2", "foo_2",
    "GetThingResponse", "GetThing200Response", "CreateThingBody", "Item", "Value", "Option1", "Model",
    "Model1", "Thing", "thing", "ThingClient", "AsyncThingClient",
)
VALID_KEY = re.compile(r"^[a-zA-Z0-9._-]+$")  # what OpenAPI 3.1 allows as a components key
HOSTILE_ALPHABET = "aAbZ_-. 0'\"éß日$/~\\"


def hostile_names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(HOSTILE_ALPHABET, min_size=0, max_size=5))


def component_keys() -> st.SearchStrategy[str]:
    """Mostly keys OpenAPI allows (so specs get through validation), sometimes anything."""
    allowed = [n for n in HOSTILE_NAMES if VALID_KEY.match(n)]
    return st.one_of(st.sampled_from(allowed), st.text("aAbZ_-.09", min_size=1, max_size=5),
                     st.sampled_from(allowed), hostile_names())


PROSE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12) | st.sampled_from(
    ['"""', "'''", "\\", 'end"', "\\n\\x00", "a\nb", "\x00", "\u2028", "{x}", "%s", "# not a comment"])

# ---- schemas ----------------------------------------------------------------------------

COMPONENT = "#/components/schemas/"
STRING_FORMATS = ("date-time", "date", "byte", "binary", "email", "uuid", "password")
MAX_DEPTH = 3
MAX_COMPONENTS = 6
MAX_PROPERTIES = 4


@dataclass
class Spec:
    version: str
    components: dict[str, Any]
    top: dict[str, Any]

    def doc(self) -> dict[str, Any]:
        content = {"application/json": {"schema": self.top}}
        return {
            "openapi": self.version,
            "info": {"title": "Property", "version": "1"},
            "paths": {"/thing": {
                "get": {"operationId": "getThing",
                        "responses": {"200": {"description": "The thing.", "content": content}}},
                "post": {"operationId": "createThing", "requestBody": {"required": True, "content": content},
                         "responses": {"204": {"description": "Stored."}}},
            }},
            "components": {"schemas": self.components},
        }


def ref(key: str) -> dict[str, Any]:
    return {"$ref": COMPONENT + escape_token(key)}


@dataclass
class SchemaDrawer:
    """Draws one spec's schemas; new components (union branches) may be added on the way."""

    draw: Any
    v31: bool
    components: dict[str, Any] = field(default_factory=dict)
    open_objects: list[str] = field(default_factory=list)  # object components an allOf may extend
    building: list[str] = field(default_factory=list)  # components whose schema is being drawn

    def new_key(self) -> str:
        key = self.draw(component_keys())
        while key in self.components or key in self.building:
            key += "x"
        return key

    def component(self, depth: int) -> str:
        key = self.new_key()
        self.building.append(key)
        schema = self.schema(depth)
        self.building.remove(key)
        self.components[key] = schema
        if self.is_open_object(schema):
            self.open_objects.append(key)
        return key

    @staticmethod
    def is_open_object(schema: dict[str, Any]) -> bool:
        # Open: an allOf part that restricted additional properties would reject the other parts'.
        return schema.get("type") == "object" and bool(schema.get("properties")) and set(schema) <= {
            "type", "properties", "required", "description", "additionalProperties"} and (
            schema.get("additionalProperties", True) is True)

    # -- any schema

    def schema(self, depth: int, optional: bool = False) -> dict[str, Any]:
        """A schema; `optional` positions (not-required properties, array items) may recurse."""
        draw = self.draw
        kinds = ["string", "integer", "number", "boolean", "enum", "any", "free"]
        kinds += ["const", "null", "types"] if self.v31 else []
        if self.components:
            kinds += ["ref", "ref"]
        if optional and self.building:
            kinds.append("recursive")
        if depth > 0:
            kinds += ["array", "object", "object", "map", "allOf", "anyOf", "oneOf", "tagged"]
        kind = draw(st.sampled_from(kinds))
        schema = getattr(self, "_" + kind.replace("O", "_o"))(depth)
        if kind not in ("null", "any") and draw(st.integers(0, 5)) == 0:
            schema = self.nullable(schema)
        if draw(st.integers(0, 7)) == 0 and ("$ref" not in schema or self.v31):  # 3.0 ignores $ref siblings
            schema = {**schema, draw(st.sampled_from(["description", "title"])): draw(PROSE)}
        if optional and draw(st.integers(0, 9)) == 0:
            schema = {**schema, "deprecated": True}
        return schema

    def _string(self, depth: int) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.draw(st.booleans()):
            schema["format"] = self.draw(st.sampled_from(STRING_FORMATS))
        return self.with_default(schema)

    def _integer(self, depth: int) -> dict[str, Any]:
        return self.with_default({"type": "integer"})

    def _number(self, depth: int) -> dict[str, Any]:
        return self.with_default({"type": "number"})

    def _boolean(self, depth: int) -> dict[str, Any]:
        return self.with_default({"type": "boolean"})

    def _null(self, depth: int) -> dict[str, Any]:
        return {"type": "null"}

    def _any(self, depth: int) -> dict[str, Any]:
        return {}

    def _free(self, depth: int) -> dict[str, Any]:
        return {"type": "object"}

    def _types(self, depth: int) -> dict[str, Any]:
        kinds = ["string", "integer", "number", "boolean", "array", "object"]
        return {"type": self.draw(st.lists(st.sampled_from(kinds), min_size=2, max_size=3, unique=True))}

    def _enum(self, depth: int) -> dict[str, Any]:
        kind = self.draw(st.sampled_from(["string", "string", "integer", "mixed"]))
        if kind == "string":
            values: list[Any] = self.draw(st.lists(hostile_names(), min_size=1, max_size=4, unique=True))
            schema: dict[str, Any] = {"type": "string", "enum": values}
        elif kind == "integer":
            values = self.draw(st.lists(st.integers(-3, 1000), min_size=1, max_size=4, unique=True))
            schema = {"type": "integer", "enum": values}
        else:
            scalars = st.one_of(hostile_names(), st.integers(-3, 3), st.booleans(), st.none(),
                                st.floats(-2, 2, allow_nan=False).filter(lambda f: not f.is_integer()))
            values = self.draw(st.lists(scalars, min_size=1, max_size=4, unique_by=json_key))
            schema = {"enum": values}
        return self.with_default(schema)

    def _const(self, depth: int) -> dict[str, Any]:
        value = self.draw(st.one_of(hostile_names(), st.integers(-3, 3), st.booleans()))
        schema: dict[str, Any] = {"const": value}
        if self.draw(st.booleans()):
            schema["type"] = {str: "string", int: "integer", bool: "boolean"}[type(value)]
        return schema

    def _ref(self, depth: int) -> dict[str, Any]:
        return ref(self.draw(st.sampled_from(sorted(self.components))))

    def _recursive(self, depth: int) -> dict[str, Any]:
        return ref(self.draw(st.sampled_from(self.building)))

    def _array(self, depth: int) -> dict[str, Any]:
        schema = {"type": "array", "items": self.schema(depth - 1, optional=True)}
        if self.draw(st.integers(0, 5)) == 0:
            schema["default"] = []
        return schema

    def _map(self, depth: int) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.schema(depth - 1, optional=True)}

    def properties(self, depth: int, taken: set[str] = frozenset()) -> tuple[dict[str, Any], list[str]]:
        names = self.draw(st.lists(hostile_names(), min_size=1, max_size=MAX_PROPERTIES, unique=True))
        names = [n for n in names if n not in taken] or [self.draw(st.text("xyz", min_size=6, max_size=6))]
        required = [n for n in names if self.draw(st.booleans())]
        props = {n: self.schema(depth - 1, optional=n not in required) for n in names}
        return props, required

    def _object(self, depth: int) -> dict[str, Any]:
        props, required = self.properties(depth)
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        extra = self.draw(st.sampled_from(["absent", "absent", "true", "false", "schema"]))
        if extra == "true":
            schema["additionalProperties"] = True
        elif extra == "false":
            schema["additionalProperties"] = False
        elif extra == "schema":
            schema["additionalProperties"] = self.schema(depth - 1, optional=True)
        return schema

    def _all_of(self, depth: int) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        taken: set[str] = set()
        for _ in range(self.draw(st.integers(1, 3))):
            usable = [k for k in self.open_objects if not set(self.components[k]["properties"]) & taken]
            if usable and self.draw(st.booleans()):
                key = self.draw(st.sampled_from(usable))
                parts.append(ref(key))
                taken |= set(self.components[key]["properties"])
            else:
                props, required = self.properties(depth, taken)
                parts.append({"type": "object", "properties": props, **({"required": required} if required else {})})
                taken |= set(props)
        schema: dict[str, Any] = {"allOf": parts}
        if self.draw(st.booleans()):
            props, required = self.properties(depth, taken)
            schema.update(type="object", properties=props, **({"required": required} if required else {}))
        return schema

    def _any_of(self, depth: int) -> dict[str, Any]:
        return {"anyOf": [self.schema(depth - 1) for _ in range(self.draw(st.integers(2, 3)))]}

    def _one_of(self, depth: int) -> dict[str, Any]:
        """Branches of different JSON types, so that an instance matches exactly one of them."""
        kinds = self.draw(st.lists(st.sampled_from(["string", "integer", "boolean", "array", "object"]),
                                   min_size=2, max_size=3, unique=True))
        branches = []
        for kind in kinds:
            if kind == "array":
                branches.append({"type": "array", "items": self.schema(depth - 1, optional=True)})
            elif kind == "object":
                branches.append(self._object(depth))
            else:
                branches.append(getattr(self, "_" + kind)(depth))
        return {"oneOf": branches}

    def _tagged(self, depth: int) -> dict[str, Any]:
        """A union of object components told apart by one property, with or without `discriminator`."""
        if len(self.components) + 2 > MAX_COMPONENTS:
            return self._object(depth)
        draw = self.draw
        prop = draw(st.sampled_from(["type", "kind", "object", "event", "class", "a b", "größe"]) | hostile_names())
        style = draw(st.sampled_from(["implicit", "explicit", "mapping"]))
        count = draw(st.integers(2, 3))
        scalar_tags = st.one_of(hostile_names(), hostile_names(), st.integers(0, 3), st.booleans())
        tags = draw(st.lists(hostile_names() if style != "implicit" else scalar_tags, min_size=count,
                             max_size=count, unique_by=json_key))
        keys = []
        for tag in tags:
            key = self.new_key()
            self.building.append(key)
            props, required = self.properties(depth, {prop})
            self.building.remove(key)
            if style == "explicit":
                # Without a mapping the tag is the schema's name (OpenAPI 3.x discriminator rules).
                tag_schema: dict[str, Any] = draw(st.sampled_from([{"type": "string"}, {"enum": [key]}]))
            elif style == "mapping":
                tag_schema = draw(st.sampled_from([{"type": "string"}, {"enum": [tag]}]))
            else:
                tag_schema = {"const": tag} if self.v31 and draw(st.booleans()) else {"enum": [tag]}
            self.components[key] = {"type": "object", "required": [prop, *required],
                                    "properties": {prop: tag_schema, **props}}
            keys.append(key)
        constrained = all("enum" in self.components[k]["properties"][prop] for k in keys) or style == "implicit"
        union = "oneOf" if constrained and draw(st.booleans()) else "anyOf"
        schema: dict[str, Any] = {union: [ref(k) for k in keys]}
        if style == "explicit":
            schema["discriminator"] = {"propertyName": prop}
        elif style == "mapping":
            schema["discriminator"] = {"propertyName": prop,
                                       "mapping": {str(t): COMPONENT + escape_token(k) for t, k in zip(tags, keys)}}
        return schema

    # -- modifiers

    def nullable(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema with null allowed, spelled as the OpenAPI version spells it."""
        if "$ref" not in schema and accepts_null(self.components, schema):
            return schema
        if not self.v31:
            if "enum" in schema:
                schema = {**schema, "enum": [*schema["enum"], None]}
            if "type" in schema:
                return {**schema, "nullable": True}
            return schema if "enum" in schema else {"anyOf": [schema, {"nullable": True}]}
        if isinstance(schema.get("type"), str) and "const" not in schema:
            typed = {**schema, "type": [schema["type"], "null"]}
            return {**typed, "enum": [*schema["enum"], None]} if "enum" in schema else typed
        if "enum" in schema:
            return {**schema, "enum": [*schema["enum"], None]}
        # A ref may itself admit null: then only anyOf (not oneOf) keeps null valid.
        key = "anyOf" if "$ref" in schema else self.draw(st.sampled_from(["anyOf", "oneOf"]))
        return {key: [schema, {"type": "null"}]}

    def with_default(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.draw(st.integers(0, 3)) != 0:
            return schema
        default = self.draw(instances(self.components, schema, depth=1))
        if schema.get("type") == "integer" and self.draw(st.booleans()):
            default = float(default)  # 3.0 is an integer too
        return {**schema, "default": default}


@st.composite
def specs(draw: Any) -> Spec:
    version = draw(st.sampled_from(["3.1.0", "3.1.0", "3.0.3"]))
    drawer = SchemaDrawer(draw, version.startswith("3.1"))
    for _ in range(draw(st.integers(0, 2))):
        drawer.component(draw(st.integers(0, MAX_DEPTH)))
    if drawer.components and draw(st.booleans()):
        top = ref(draw(st.sampled_from(sorted(drawer.components))))
    elif draw(st.booleans()):
        top = ref(drawer.component(MAX_DEPTH))
    else:
        top = drawer.schema(MAX_DEPTH)
    return Spec(version, drawer.components, top)


# ---- instances --------------------------------------------------------------------------


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def resolve(components: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        token = schema["$ref"][len(COMPONENT):]
        schema = components[token.replace("~1", "/").replace("~0", "~")]
    return schema


def accepts_null(components: dict[str, Any], schema: Any) -> bool:
    """Whether null is valid under the schema, as jsonschema sees it (for the shapes drawn here)."""
    schema = resolve(components, schema)
    if not isinstance(schema, dict):
        return True
    if "enum" in schema and None not in schema["enum"]:
        return False
    if "const" in schema and schema["const"] is not None:
        return False
    kind = schema.get("type")
    if kind is not None:
        kinds = kind if isinstance(kind, list) else [kind]
        if "null" not in kinds and not schema.get("nullable"):
            return False
    if "allOf" in schema and not all(accepts_null(components, b) for b in schema["allOf"]):
        return False
    for key in ("anyOf", "oneOf"):
        if key in schema and not any(accepts_null(components, b) for b in schema[key]):
            return False
    return True


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5))
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=2)
                        | st.dictionaries(st.text(max_size=4), inner, max_size=2), max_leaves=4)


@st.composite
def date_times(draw: Any) -> str:
    """RFC 3339 date-times as pydantic writes them back (so that equal means unchanged)."""
    moment = draw(st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)))
    text = (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
            f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    offset = draw(st.sampled_from(["Z", "Z", "+01:00", "-05:30"]))
    return text + offset


def dates() -> st.SearchStrategy[str]:
    return st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}")


@st.composite
def instances(draw: Any, components: dict[str, Any], schema: Any, depth: int = 5) -> Any:
    """A JSON value valid under `schema` (for the shapes SchemaDrawer makes)."""
    schema = resolve(components, schema)
    if schema == {"nullable": True}:
        return None  # the 3.0 idiom `anyOf: [X, {nullable: true}]`: this branch stands for null
    if not isinstance(schema, dict) or not schema:
        return draw(ANY_JSON)
    if accepts_null(components, schema) and draw(st.integers(0, 4)) == 0:
        return None
    if "enum" in schema:
        return draw(st.sampled_from([v for v in schema["enum"] if v is not None] or [None]))
    if "const" in schema:
        return schema["const"]
    if "allOf" in schema:
        return draw(objects(components, merged_object(components, schema), depth))
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return draw(union_instances(components, schema, key, depth))
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = draw(st.sampled_from([k for k in kind if k != "null"] or ["null"]))
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "byte":  # base64 (other text makes openapi-spec-validator fail on a default)
            return base64.b64encode(draw(st.binary(max_size=6))).decode()
        return draw(date_times() if fmt == "date-time" else dates() if fmt == "date" else st.text(max_size=8))
    if kind == "integer":
        return draw(st.integers(-(2**70), 2**70))
    if kind == "number":
        return draw(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "null":
        return None
    if kind == "array":
        return draw(st.lists(instances(components, schema.get("items", {}), depth - 1),
                             max_size=3 if depth > 0 else 0))
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        return draw(objects(components, schema, depth))
    return draw(ANY_JSON)


def merged_object(components: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """allOf as one object schema: the properties and required names of every part."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for part in [resolve(components, p) for p in schema.get("allOf", [])] + [schema]:
        if part is not schema and "allOf" in part:
            part = merged_object(components, part)
        for name, prop in (part.get("properties") or {}).items():
            props.setdefault(name, prop)
        required += part.get("required") or []
    return {"type": "object", "properties": props, "required": required}


@st.composite
def objects(draw: Any, components: dict[str, Any], schema: dict[str, Any], depth: int) -> dict[str, Any]:
    props = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out: dict[str, Any] = {}
    for name, prop in props.items():
        if name in required or (depth > 0 and draw(st.booleans())):
            out[name] = draw(instances(components, prop, depth - 1))
    extra = schema.get("additionalProperties", True)
    if extra is not False and depth > 0 and draw(st.integers(0, 3)) == 0:
        # A model's extra keys are unlike its properties' Python names too: with populate_by_name,
        # an undeclared `class_` beside a declared `class` would be read into that field.
        keys = (st.text(HOSTILE_ALPHABET, max_size=4).map(lambda k: "x-extra " + k) if props
                else hostile_names()).filter(lambda k: k not in props)
        values = ANY_JSON if extra is True else instances(components, extra, depth - 1)
        out.update(draw(st.dictionaries(keys, values, max_size=2)))
    return out


@st.composite
def union_instances(draw: Any, components: dict[str, Any], schema: dict[str, Any], key: str, depth: int) -> Any:
    branches = schema[key]
    disc = schema.get("discriminator")
    i = draw(st.integers(0, len(branches) - 1))
    value = draw(instances(components, branches[i], depth))
    if disc and isinstance(value, dict):
        target = branches[i]["$ref"]
        mapped = [tag for tag, to in (disc.get("mapping") or {}).items() if to == target]
        value[disc["propertyName"]] = mapped[0] if mapped else target[len(COMPONENT):].replace(
            "~1", "/").replace("~0", "~")
    return value


def is_valid(spec: Spec, value: Any) -> bool:
    root = {**spec.top, "components": {"schemas": spec.components}}
    validator = OAS31Validator(root) if spec.version.startswith("3.1") else OAS30Validator(root)
    return bool(validator.is_valid(value))


def same(a: Any, b: Any) -> bool:
    """JSON equality: 1 and 1.0 are the same number, but true is not 1 and "1" is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


_UTC_OFFSET = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+00:00$")


def utc_as_z(value: Any) -> Any:
    """Date-times in UTC written with `Z`: a datetime argument goes out as `+00:00`, the same instant."""
    if isinstance(value, str):
        return _UTC_OFFSET.sub(r"\1Z", value)
    if isinstance(value, list):
        return [utc_as_z(v) for v in value]
    if isinstance(value, dict):
        return {k: utc_as_z(v) for k, v in value.items()}
    return value


# ---- generating and importing -----------------------------------------------------------

# Every example's package is written to the same place under the same name (and forgotten
# after it): a failure then has the same traceback each time hypothesis replays it.
PACKAGE = "hp_generated"
_WORK: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def work_folder() -> Iterator[None]:
    """A folder for the generated packages, and the generator's cache in a folder of its own
    (so the runs do not fill the user's cache); no bytecode is written for the packages."""
    with tempfile.TemporaryDirectory(prefix="oapi-pygen-properties-") as folder:
        saved = os.environ.get("OAPI_PYGEN_CACHE_DIR"), sys.dont_write_bytecode
        os.environ["OAPI_PYGEN_CACHE_DIR"] = str(Path(folder) / "cache")
        sys.dont_write_bytecode = True
        _WORK.append(Path(folder))
        yield
        _WORK.remove(Path(folder))
        sys.dont_write_bytecode = saved[1]
        if saved[0] is None:
            del os.environ["OAPI_PYGEN_CACHE_DIR"]
        else:
            os.environ["OAPI_PYGEN_CACHE_DIR"] = saved[0]


def generate_spec(spec: Spec, folder: Path, package: str) -> dict[str, bytes] | SpecError:
    """The generated files, or the SpecError the generator refused the spec with."""
    path = folder / "spec.json"
    path.write_text(json.dumps(spec.doc(), indent=1, ensure_ascii=False), encoding="utf-8")
    try:
        return generate(Options(spec=path, package=package, client_name="ThingClient", env_prefix="THING")).files
    except SpecError as exc:
        return exc


def assert_located(error: SpecError) -> None:
    assert error.problems, "a SpecError without problems"
    for problem in error.problems:
        assert problem.level == "error", problem.render()
        assert problem.pointer.startswith("/"), f"not located in the spec: {problem.render()}"
        assert "internal error" not in problem.message, problem.render()


def write_package(files: dict[str, bytes], folder: Path, package: str) -> Path:
    target = folder / package
    target.mkdir(parents=True)
    for name, data in files.items():
        (target / name).parent.mkdir(exist_ok=True)
        (target / name).write_bytes(data)
    return target


class Imported:
    """A generated package, imported (warnings are errors); `close` forgets it again."""

    def __init__(self, folder: Path, package: str) -> None:
        self.folder, self.package = folder, package
        self.close()  # whatever a failed import left behind
        sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
        sys.path_importer_cache.pop(str(folder), None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                self.models = importlib.import_module(f"{package}.models")
                self.operations = importlib.import_module(f"{package}.operations")
                self.runtime = importlib.import_module(f"{package}._runtime.transport")
                importlib.import_module(f"{package}.client")
                importlib.import_module(package)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        while str(self.folder) in sys.path:
            sys.path.remove(str(self.folder))
        for name in [m for m in sys.modules if m == self.package or m.startswith(self.package + ".")]:
            del sys.modules[name]


@contextmanager
def generated(spec: Spec) -> Iterator[Imported | SpecError]:
    """Generate, check that every module parses, and import: the package, or the refusal."""
    folder = _WORK[0] / "example"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        result = generate_spec(spec, folder, PACKAGE)
        if isinstance(result, SpecError):
            yield result
            return
        for name, data in result.items():
            if name.endswith(".py"):
                ast.parse(data.decode("utf-8"), filename=name)
        write_package(result, folder / "out", PACKAGE)
        imported = Imported(folder / "out", PACKAGE)
        try:
            yield imported
        finally:
            imported.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def show(spec: Spec) -> None:
    note("spec: " + json.dumps(spec.doc(), ensure_ascii=False))


# ---- property 1: generate or refuse cleanly ----------------------------------------------


@PROPERTY_SETTINGS
@given(spec=specs())
def test_every_spec_generates_an_importable_package_or_is_refused_cleanly(spec: Spec) -> None:
    show(spec)
    with generated(spec) as imported:
        if isinstance(imported, SpecError):
            event("refused")
            note("refused: " + str(imported))
            assert_located(imported)
        else:
            event("generated")
            assert callable(imported.operations.get_thing) and callable(imported.operations.create_thing)


# ---- property 2: valid JSON round-trips through the models --------------------------------


@st.composite
def specs_with_instances(draw: Any) -> tuple[Spec, list[Any]]:
    spec = draw(specs())
    values = draw(st.lists(instances(spec.components, spec.top), min_size=1, max_size=3))
    for value in values:
        assume(is_valid(spec, value))
    return spec, values


def dump(response_type: Any, value: Any) -> Any:
    adapter = pydantic.TypeAdapter(response_type)
    return adapter.dump_python(value, mode="json", by_alias=True, exclude_unset=True)


def body_request(spec: Spec, imported: Imported, parsed: Any, value: Any) -> Any:
    """createThing called with the parsed value: as the whole body, or one argument per property."""
    create = imported.operations.create_thing
    params = list(inspect.signature(create).parameters)
    top = resolve(spec.components, spec.top)
    if not (isinstance(top, dict) and top.get("properties")):
        assert params == ["body"]
        return create(body=parsed).json_body(), value
    if not isinstance(value, dict):
        return None, None  # null for a nullable object: no arguments to pass
    # One argument per property, in order; allOf parts add properties too.
    wires = list(merged_object(spec.components, top)["properties"] if "allOf" in top else top["properties"])
    assert len(params) == len(wires), f"arguments {params} for properties {wires}"
    by_alias = {(name if f.alias is None else f.alias): name for name, f in type(parsed).model_fields.items()}
    # (read from __dict__: reading a deprecated field warns)
    kwargs = {param: parsed.__dict__[by_alias[wire]] for param, wire in zip(params, wires, strict=True)
              if wire in value}
    return create(**kwargs).json_body(), {wire: value[wire] for wire in wires if wire in value}


@PROPERTY_SETTINGS
@given(case=specs_with_instances())
def test_valid_json_round_trips_through_the_generated_models(case: tuple[Spec, list[Any]]) -> None:
    spec, values = case
    show(spec)
    with generated(spec) as imported:
        if isinstance(imported, SpecError):
            event("refused")
            assert_located(imported)
            assume(False)
        assert isinstance(imported, Imported)
        request = imported.operations.get_thing()
        for value in values:
            note(f"instance: {value!r}")
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # e.g. pydantic serializing a value as the wrong union member
                parsed = imported.runtime.parse_response(request.response_type, json.dumps(value).encode())
                dumped = dump(request.response_type, parsed)
                assert same(dumped, value), f"round trip changed the value:\n{dumped!r}\n!=\n{value!r}"
                sent, expected = body_request(spec, imported, parsed, value)
            assert same(utc_as_z(sent), utc_as_z(expected)), f"the request body differs:\n{sent!r}\n!=\n{expected!r}"


# ---- property 3 (sampled): mypy --strict on a few generated packages -----------------------


def test_sampled_packages_pass_mypy_strict() -> None:
    """Generated packages (the richest of the first few examples) pass one `mypy --strict` run."""
    found: list[tuple[int, Spec, dict[str, bytes]]] = []

    @property_settings(max(3 * MYPY_PACKAGES, 12))
    @given(spec=specs())
    def collect(spec: Spec) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            result = generate_spec(spec, Path(tmp), "hp_mypy")
        if not isinstance(result, SpecError):
            models = result["models.py"]
            found.append((models.count(b"\nclass ") + models.count(b": TypeAlias =") + models.count(b"TypeAliasType("),
                          spec, result))

    collect()
    chosen = sorted(found, key=lambda f: -f[0])[:MYPY_PACKAGES]
    assert len(chosen) == MYPY_PACKAGES, f"only {len(found)} of the drawn specs generated"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = []
        for i, (_, _, files) in enumerate(chosen):
            names.append(f"hp_mypy_{i}")
            write_package(files, folder, names[-1])
        result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *names],
                                cwd=folder, capture_output=True, text=True, check=False)
        specs_text = "\n".join(f"hp_mypy_{i}: {json.dumps(s.doc(), ensure_ascii=False)}"
                               for i, (_, s, _) in enumerate(chosen))
        assert result.returncode == 0, result.stdout + result.stderr + "\n" + specs_text
