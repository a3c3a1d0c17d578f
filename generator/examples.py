"""Example calls for the generated README: one per operation, type-correct by construction.

Each example calls the operation as a user reaches it (`client.files.retrieve("file_id")`)
with its required arguments only, each given a value of its declared type, read from the
argument's type hint: the first alternative of a union that can be written as a literal
(`str`, a `Literal`, a list or a dict, a date), an alias followed to what it names, a model
class made with `model_construct()`. `make test` type-checks every example with mypy --strict.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.ir import ModelIR, OperationIR

_SCALARS = {"str": '"string"', "int": "0", "float": "0.0", "bool": "False", "bytes": 'b"bytes"',
            "FileTypes": 'b"bytes"', "BinaryContent": 'b"bytes"', "Any": '"value"', "object": '"value"',
            "datetime.datetime": "datetime.datetime(2026, 1, 1)", "datetime.date": "datetime.date(2026, 1, 1)",
            "datetime.time": "datetime.time(12, 0)", "datetime.timedelta": "datetime.timedelta(seconds=1)"}
_EMPTY = {"SequenceNotStr": "[]", "list": "[]", "Sequence": "[]", "dict": "{}", "Mapping": "{}"}


def alternatives(hint: str) -> list[str]:
    """The top-level members of a union hint (`A | list[B | C]` -> A, list[B | C])."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(hint):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(hint[start:i].strip())
            start = i + 1
    parts.append(hint[start:].strip())
    return [p[1:-1].strip() if p.startswith("(") and p.endswith(")") else p for p in parts if p]


def example_value(hint: str, models: Mapping[str, ModelIR], depth: int = 0) -> str | None:
    """A Python expression of type `hint`, or None when none can be written here."""
    if depth > 8:
        return None
    for part in alternatives(hint):
        if len(alternatives(part)) > 1:  # a parenthesised union
            found = example_value(part, models, depth + 1)
        elif part in ("NotGiven", "None"):
            continue
        elif part in _SCALARS:
            found = _SCALARS[part]
        elif part.startswith("Annotated[") and part.endswith("]"):  # the type, without its metadata
            found = example_value(_first_argument(part[len("Annotated["):-1]), models, depth + 1)
        elif part.startswith("Literal[") and part.endswith("]"):
            found = _first_literal(part[len("Literal["):-1])
        elif "[" in part and part.split("[", 1)[0] in _EMPTY:
            found = _EMPTY[part.split("[", 1)[0]]
        elif part in models:
            found = _model_value(models[part], models, depth)
        else:
            found = None
        if found is not None:
            return found
    return None


def _first_argument(inner: str) -> str:
    depth = 0
    for i, char in enumerate(inner):
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        elif char == "," and depth == 0:
            return inner[:i].strip()
    return inner.strip()


def _first_literal(inner: str) -> str | None:
    """The first value of a Literal's list, as written (a quoted string, a number, True...)."""
    if inner[:1] in "\"'":
        quote = inner[0]
        end = inner.find(quote, 1)
        while end > 0 and inner[end - 1] == "\\":
            end = inner.find(quote, end + 1)
        return inner[:end + 1] if end > 0 else None
    return inner.split(",", 1)[0].strip() or None


def _model_value(model: ModelIR, models: Mapping[str, ModelIR], depth: int) -> str | None:
    if model.is_class:
        return f"{model.python_name}.model_construct()"
    alias = model.alias_of
    if model.lazy_alias:  # TypeAliasType("X", "...") holds the hint as a string literal
        return None
    return example_value(alias, models, depth + 1)


def example_call(op: OperationIR, models: Mapping[str, ModelIR]) -> str:
    """`client.<call path>(<required arguments>)`, or "" when an argument's type has no example."""
    args = []
    for p in op.path_params:
        value = example_value(p.annotation, models)
        if value is None:
            return ""
        args.append(f'"{p.python_name}"' if value == _SCALARS["str"] else value)  # names the value it wants
    for p in op.query_params + op.header_params + op.cookie_params + op.body_params + op.media_params:
        if not p.required:
            continue
        value = example_value(p.annotation, models)
        if value is None:
            return ""
        args.append(f"{p.python_name}={value}")
    return f"client.{op.call_path}({', '.join(args)})"
