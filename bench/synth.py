"""Synthetic OpenAPI 3.0 specs of a chosen size, for the scaling benchmark (stdlib only).

    python bench/synth.py 1000 --output /tmp/synth-1000.json [--seed 7]

`make_spec(n)` returns a document with `n` component schemas and `n // 5` operations.
The same (n, seed) always gives the same bytes. The schemas are a mix of what real
specs have:

- objects (most of them) with scalar properties (string, integer, number, boolean,
  date-time), an inline enum, an array of strings, a nested `$ref`, an array of
  `$ref`, and nullable properties (a nullable scalar and a nullable `$ref`);
- string enums as their own schemas;
- `oneOf` unions of objects with a `discriminator` (property `kind`, with a mapping);
- `allOf` compositions extending another object.

Every object carries a required `kind` property whose single enum value is its own
name, so any object can be a member of a discriminated union. References always
point at schemas defined earlier (a DAG, no cycles), and, as in a real API where a
resource's schemas refer to each other, only within a block of BLOCK consecutive
schemas (enums excepted): reference chains stay a few levels deep at any size, so
the size of the spec, not the depth of its nesting, is what grows.

Operations alternate between a GET with a path parameter and query parameters
(integer, enum, boolean) returning a list wrapper, and a POST with a path parameter,
a query parameter and a JSON request body, returning an object.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

OBJECT, ENUM, UNION, ALL_OF = "object", "enum", "union", "allOf"
# Out of every 10 schemas: 6 objects, 2 enums, 1 discriminated union, 1 allOf.
KINDS = [OBJECT, OBJECT, ENUM, OBJECT, UNION, OBJECT, OBJECT, ALL_OF, OBJECT, ENUM]
BLOCK = 50  # schemas that may refer to each other
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango"]


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def schema_name(i: int, kind: str) -> str:
    prefix = {OBJECT: "Widget", ENUM: "Color", UNION: "Shape", ALL_OF: "Extended"}[kind]
    return f"{prefix}{i:05d}"


def make_spec(n: int, seed: int = 0) -> dict[str, Any]:
    """An OpenAPI 3.0.3 document with n component schemas and n // 5 operations."""
    if n < 10:
        raise ValueError("n must be at least 10")
    rng = random.Random(seed * 1_000_003 + n)
    schemas, objects, enums = _schemas(n, rng)
    paths: dict[str, Any] = {}
    for j in range(n // 5):
        target = objects[(j * 7) % len(objects)]
        enum = enums[j % len(enums)] if enums else None
        word = WORDS[j % len(WORDS)]
        if j % 2 == 0:
            paths[f"/{word}s{j}/{{{word}_id}}/items"] = {"get": _list_operation(j, word, target, enum)}
        else:
            body = objects[(j * 13 + 3) % len(objects)]
            paths[f"/{word}s{j}/{{{word}_id}}"] = {"post": _update_operation(j, word, target, body)}
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Synthetic API {n}", "version": "1.0.0", "description": f"{n} schemas, seed {seed}."},
        "servers": [{"url": "http://127.0.0.1:8000/v1"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _schemas(n: int, rng: random.Random) -> tuple[dict[str, Any], list[str], list[str]]:
    """The n component schemas, with the names of the objects (what operations use) and of the enums."""
    names = [schema_name(i, KINDS[i % len(KINDS)]) for i in range(n)]
    objects: list[str] = []  # every object schema defined so far (what operations use)
    local: list[str] = []  # the object schemas defined so far in this block (usable as refs and union members)
    enums: list[str] = []
    schemas: dict[str, Any] = {}
    for i, name in enumerate(names):
        kind = KINDS[i % len(KINDS)]
        if i % BLOCK == 0:
            local = []
        if kind == ENUM:
            schemas[name] = _enum(i, rng)
            enums.append(name)
        elif kind == UNION and len(local) >= 3:
            schemas[name] = _union(i, rng, local)
        elif kind == ALL_OF and local:
            schemas[name] = _all_of(i, rng, local)
        else:
            schemas[name] = _object(i, name, rng, local, enums)
            objects.append(name)
            local.append(name)
    return schemas, objects, enums


def _enum(i: int, rng: random.Random) -> dict[str, Any]:
    count = rng.randint(2, 6)
    return {"type": "string", "description": f"Enum {i}.",
            "enum": [f"{rng.choice(WORDS)}_{k}" for k in range(count)]}


def _union(i: int, rng: random.Random, local: list[str]) -> dict[str, Any]:
    members = rng.sample(local, rng.randint(2, 3))
    return {
        "description": f"Union {i}.",
        "oneOf": [ref(m) for m in members],
        "discriminator": {"propertyName": "kind", "mapping": {m: f"#/components/schemas/{m}" for m in members}},
    }


def _all_of(i: int, rng: random.Random, local: list[str]) -> dict[str, Any]:
    base = rng.choice(local)
    return {
        "description": f"Extends {base}.",
        "allOf": [ref(base), {"type": "object", "required": [f"extra_{i}"], "properties": {
            f"extra_{i}": {"type": "string"},
            "extra_count": {"type": "integer", "format": "int64"},
            "extra_note": {"type": "string", "nullable": True},
        }}],
    }


def _list_operation(j: int, word: str, target: str, enum: str | None) -> dict[str, Any]:
    """GET with a path parameter and query parameters, returning a list wrapper of `target`."""
    return {
        "operationId": f"list{word.title()}Items{j}",
        "summary": f"List items {j}",
        "tags": [f"group{j % 10}"],
        "parameters": [
            {"name": f"{word}_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
            {"name": "include_deleted", "in": "query", "schema": {"type": "boolean"}},
            *([{"name": "color", "in": "query", "schema": ref(enum)}] if enum else []),
        ],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
            "type": "object",
            "required": ["data", "has_more"],
            "properties": {
                "data": {"type": "array", "items": ref(target)},
                "has_more": {"type": "boolean"},
                "next_cursor": {"type": "string", "nullable": True},
            },
        }}}}},
    }


def _update_operation(j: int, word: str, target: str, body: str) -> dict[str, Any]:
    """POST with a path parameter, a query parameter and a JSON body of `body`, returning `target`."""
    return {
        "operationId": f"update{word.title()}{j}",
        "summary": f"Update {j}",
        "tags": [f"group{j % 10}"],
        "parameters": [
            {"name": f"{word}_id", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "dry_run", "in": "query", "schema": {"type": "boolean"}},
        ],
        "requestBody": {"required": True, "content": {"application/json": {"schema": ref(body)}}},
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": ref(target)}}},
            "404": {"description": "Not found"},
        },
    }


def _object(i: int, name: str, rng: random.Random, local: list[str], enums: list[str]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "kind": {"type": "string", "enum": [name]},
        "id": {"type": "string", "description": "Identifier."},
        "created_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer", "format": "int32", "minimum": 0},
        "ratio": {"type": "number", "format": "double"},
        "active": {"type": "boolean", "default": True},
        "status": {"type": "string", "enum": ["pending", "running", "done", "failed"][: rng.randint(2, 4)]},
        "labels": {"type": "array", "items": {"type": "string"}},
        "note": {"type": "string", "nullable": True},
    }
    required = ["kind", "id", "created_at"]
    for k in range(rng.randint(0, 4)):  # a few more scalars, so objects vary in size
        props[f"{rng.choice(WORDS)}_{k}"] = {"type": rng.choice(["string", "integer", "number", "boolean"])}
    if enums:
        props["color"] = ref(rng.choice(enums[-20:]))
    if local:
        props["parent"] = ref(rng.choice(local))
        props["children"] = {"type": "array", "items": ref(rng.choice(local))}
        props["sibling"] = {"nullable": True, "allOf": [ref(rng.choice(local))]}
        required.append("parent")
    return {"type": "object", "description": f"Object {i}.", "required": required, "properties": props}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of component schemas")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    write_spec(args.n, args.output, args.seed)


def write_spec(n: int, output: Path, seed: int = 0) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(make_spec(n, seed), indent=1) + "\n", encoding="utf-8")
    return output


if __name__ == "__main__":
    main()
