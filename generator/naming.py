"""Stage 3: every Python name.

Rules, applied in order: split the wire name into words; join them in the
target case; make the result a valid identifier (leading digits, keywords,
reserved names); then resolve collisions inside the scope.

Models found inline in other schemas are named by `inline_model_names`, a pass over every
such schema of the spec at once (see its docstring): the result does not depend on
the order in which the typer met them, and adding an operation renames no model.
Other scopes (functions, arguments, fields, component keys that differ only in
punctuation) suffix `_2`, `_3`, ... in a fixed order.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from generator.imports import KEY_SOURCES

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|\b|_|$)|[A-Z]?[a-z]+|[A-Z]+|[0-9]+[a-z]*")

BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_"))
KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) - {"_"}

# Attributes of pydantic.BaseModel that a field may not shadow.
PYDANTIC_RESERVED = frozenset(
    {
        "construct", "copy", "dict", "fields", "from_orm", "json", "parse_file", "parse_obj",
        "parse_raw", "schema", "schema_json", "update_forward_refs", "validate",
    }
)
# Names the generated modules import or define; a generated name must not hide them.
GENERATED_MODULE_NAMES = frozenset(
    {
        "Annotated", "Any", "APIModel", "BaseModel", "ConfigDict", "Field", "Literal", "TypeAlias", "Union",
        "annotations", "datetime", "deprecated", "Request", "NotGiven", "NOT_GIVEN",
        "models", "operations", "runtime",
        # models.py (tagged unions, open enums, recursive aliases)
        "OPEN_ENUM", "OpenUnion", "UnknownVariant", "TypeAliasType",
        # operations.py and client.py
        "format_path", "PageInfo", "FileTypes", "RequestOptions", "SyncTransport", "AsyncTransport",
        "SyncPage", "AsyncPage", "Stream", "AsyncStream", "resolve_api_key", "resolve_base_url",
        "Mapping", "SequenceNotStr", "Self", "TracebackType", "overload", "httpx",
        "DEFAULT_BASE_URL", "API_KEY_ENV", "BASE_URL_ENV", "DEFAULT_HEADERS", "Callable",
        "SECURITY_SCHEMES", "DEFAULT_SECURITY",
    }
)
# What a class body in models.py may name (field annotations and defaults are evaluated
# there, where an earlier field of that name would hide the import or the builtin).
# Other generated names (`annotations`, `models`, `Request`...) are free as attributes.
MODEL_BODY_NAMES = frozenset(KEY_SOURCES) | {"datetime", "str", "int", "float", "bool", "bytes", "list", "dict"}


def words(name: str) -> list[str]:
    """Split a wire name into lowercase words: 'submitToolOuputsToRun' -> submit, tool, ouputs, to, run."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return [w.lower() for w in _WORDS.findall(ascii_name)]


def snake(name: str) -> str:
    return "_".join(words(name))


def pascal(name: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in words(name))


def _identifier(text: str, fallback: str) -> str:
    if not text:
        return fallback
    if text[0].isdigit():
        return f"{fallback}_{text}" if fallback.islower() else f"{fallback}{text}"
    return text


# What the client classes define besides one method per operation (templates/client.py.jinja).
CLIENT_MEMBERS = frozenset({"close", "base_url"})
_FUNCTION_RESERVED = KEYWORDS | BUILTINS | GENERATED_MODULE_NAMES | CLIENT_MEMBERS


def function_name(operation_id: str) -> str:
    """A function and client method name: snake_case, never a keyword, builtin or client member."""
    name = _identifier(snake(operation_id), "op")
    return name + "_" if name in _FUNCTION_RESERVED else name


def parameter_name(wire_name: str) -> str:
    """A keyword-argument name: `include[]` -> `include`, `from` -> `from_`, `type` -> `type_`."""
    name = _identifier(snake(wire_name), "param")
    return name + "_" if name in KEYWORDS or name in BUILTINS or name in GENERATED_MODULE_NAMES else name


def field_name(wire_name: str) -> str:
    """A model attribute: keeps the wire name when it is a safe identifier.

    Builtins such as `id` and `type` are safe as class attributes and stay as
    they are; keywords and pydantic's own attributes are suffixed with `_`.
    """
    name = wire_name if wire_name.isidentifier() and wire_name.isascii() else snake(wire_name)
    name = _identifier(name, "field")
    if name.startswith("_"):
        name = "field" + name
    if name in KEYWORDS or name in PYDANTIC_RESERVED or name.startswith("model_"):
        name = name + "_"
    if name in MODEL_BODY_NAMES:
        name = name + "_"
    return name


def class_name(wire_name: str) -> str:
    """A model name: PascalCase, never one of the names the module imports.

    A name already written in one piece keeps its own capitals (`APIKeyObject`, `object1` ->
    `Object1`); any other is joined from its words, each keeping its capitals
    (`account_enum_status` -> `AccountEnumStatus`, `create_filter_v2` -> `CreateFilterV2`).
    """
    if wire_name.isidentifier() and wire_name.isascii() and "_" not in wire_name:
        name = wire_name[0].upper() + wire_name[1:]
    else:
        name = _identifier(pascal_words(wire_name), "Model")
    return name + "Model" if name in GENERATED_MODULE_NAMES or name in BUILTINS else name


def verbatim_class_name(wire_name: str) -> str:
    """An identifier key as a class name, spelled as written but for its first letter (`foo_bar` ->
    `Foo_bar`): for keys that would otherwise share a PascalCase name."""
    name = wire_name[0].upper() + wire_name[1:]
    return name + "Model" if name in GENERATED_MODULE_NAMES or name in BUILTINS else name


def pascal_words(name: str) -> str:
    """The words of a name joined, each with its first letter upper-cased and its other capitals
    kept: `Auth_id` -> `AuthId`, `list_API_keys` -> `ListAPIKeys`, `First type of object` ->
    `FirstTypeOfObject`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(w[:1].upper() + w[1:] for w in _WORDS.findall(ascii_name))


def assign_unique(candidates: Iterable[tuple[str, str]], taken: Iterable[str] = ()) -> dict[str, str]:
    """Resolve collisions in one scope.

    `candidates` are (key, wanted name) pairs. A key whose wanted name equals the
    key itself wins over others; the rest keep their order and take `_2`, `_3`...
    Names are compared case-insensitively, so two results never differ by case only.
    """
    pairs = list(candidates)
    used = {t.lower() for t in taken}
    result: dict[str, str] = {}
    ordered = sorted(range(len(pairs)), key=lambda i: (pairs[i][0] != pairs[i][1], i))
    for i in ordered:
        key, wanted = pairs[i]
        result[key] = claim(wanted, used)
    return result


def claim(wanted: str, used: set[str]) -> str:
    """`wanted`, or the first of `wanted_2`, `wanted_3`... not in `used` (lower-cased names),
    which the result is added to (lower-cased)."""
    name, n = wanted, 1
    while name.lower() in used:
        n += 1
        name = f"{wanted}_{n}" if not wanted[-1].isdigit() else f"{wanted}_v{n}"
    used.add(name.lower())
    return name


@dataclass(frozen=True)
class Claim:
    """An inline schema that needs a model name, as the typer met it."""

    pointer: str  # where the schema is; one claim per pointer
    wanted: str  # the name from its place: its parent's name and the way to it (`PetOwner`)
    title: str = ""  # a name of its own (a one-word title), used when no other model wants it

    @property
    def in_components(self) -> bool:
        return self.pointer.startswith("/components/")


def inline_model_names(claims: Iterable[Claim], taken: Iterable[str]) -> dict[str, str]:
    """The naming pass: a model name for every claim (by pointer), unique against `taken` (the
    component schemas' names and what else the package defines) and each other, ignoring case.

    The rules see every claim at once, so no claim wins by being met first:
    - Claims inside component schemas are named first, then those inside operations: adding an
      operation never renames a model of the components.
    - A claim inside the components takes its title when no other claim there and no taken
      name wants that title; otherwise (`Owner` under both `Pet` and `Store`) each takes
      its longer name from its place (`PetOwner`, `StoreOwner`). Claims inside operations
      always take the name from their place, which starts with the operation's own name: a
      new operation then cannot take a name an existing one has.
    - A claim whose name from its place is taken by a component (`PetOwner` beside the inline
      schema of `Pet.owner`) says it is the inline one: `PetOwnerInline`. Of claims whose places
      give the same name (`naïve` and `naive_` under one parent), the first in pointer order has
      it and the others take `_2`, `_3`: none of the real specs we test with has such a pair.
    """
    used = {t.lower() for t in taken}
    everything = sorted(claims, key=lambda c: c.pointer)
    titles = Counter(c.title.lower() for c in everything if c.title and c.in_components)
    wanted = Counter(c.wanted.lower() for c in everything if c.in_components)
    names: dict[str, str] = {}
    from_places: set[str] = set()  # names wanted from a place and given out
    for group in ([c for c in everything if c.in_components], [c for c in everything if not c.in_components]):
        for c in group:
            if c.title and c.in_components and titles[c.title.lower()] == 1 and c.title.lower() not in used and (
                    wanted[c.title.lower()] == (c.wanted.lower() == c.title.lower())):
                names[c.pointer] = c.title
                used.add(c.title.lower())
        rest = [c for c in group if c.pointer not in names]
        for c in rest:  # in pointer order: of two that want one name, the first has it
            if c.wanted.lower() in used and c.wanted.lower() not in from_places:
                names[c.pointer] = claim(c.wanted + "Inline", used)  # a component or a title has it
            else:
                names[c.pointer] = claim(c.wanted, used)
                from_places.add(c.wanted.lower())
    return names
