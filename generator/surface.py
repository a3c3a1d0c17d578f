"""The public surface of a generated client: what its callers can see and depend on.

Taken from the IR, so it is exactly what the generated code offers: each
operation's function name, arguments (name, where they go, required or not,
type hint), return and stream types, and each model's fields. `apidiff`
compares two surfaces; the output folder keeps its own in `_surface.json`, so
a later `generate` can say what it changed for callers.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only `surface_of` needs the IR and the builder's helpers: a warm `check` loads neither
    from generator.ir import ModelIR, OperationIR, PackageIR, ParamIR

SURFACE_FILE = "_surface.json"
FORMAT = 1


@dataclass(frozen=True)
class Param:
    name: str  # the Python argument name callers write
    wire: str  # the name on the wire
    location: str  # path, query, header, cookie or body
    required: bool
    type: str  # the type hint callers pass, without NotGiven
    deprecated: bool = False


@dataclass(frozen=True)
class Operation:
    name: str  # how a caller reaches it from the client: the method name, or `files.list` in a resource
    operation_id: str
    method: str
    path: str
    params: tuple[Param, ...]
    returns: str  # the success type hint
    streams: str = ""  # the event type of the streaming overload, or ""
    deprecated: bool = False
    body: str = ""  # the model whose properties the body arguments are, or ""


@dataclass(frozen=True)
class Field:
    name: str
    wire: str
    type: str
    required: bool
    deprecated: bool = False


@dataclass(frozen=True)
class Model:
    name: str
    kind: str  # "class" or "alias"
    type: str = ""  # for aliases: the aliased type
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Surface:
    operations: dict[str, Operation]
    models: dict[str, Model]

    def to_json(self, header: str = "") -> bytes:
        data = {
            "_comment": header,
            "format": FORMAT,
            "operations": {name: _plain(op) for name, op in sorted(self.operations.items())},
            "models": {name: _plain(m) for name, m in sorted(self.models.items())},
        }
        return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Surface:
        """The surface stored by `to_json`; ValueError when `raw` is not one (another format, or damaged)."""
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError(f"surface format {data.get('format')!r}, expected {FORMAT}")
            ops = {name: Operation(**{**op, "params": tuple(Param(**p) for p in op["params"])})
                   for name, op in data["operations"].items()}
            models = {name: Model(**{**m, "fields": tuple(Field(**f) for f in m["fields"])})
                      for name, m in data["models"].items()}
        except (AttributeError, KeyError, TypeError) as exc:
            raise ValueError(f"not a stored API surface: {exc}") from None
        return cls(ops, models)


def _plain(item: Operation | Model) -> dict[str, Any]:
    return asdict(item)  # field order is the dataclass's: stable


def surface_of(pkg: PackageIR) -> Surface:
    by_pointer = {m.pointer: m.python_name for m in pkg.models}
    from generator.resources import flatten

    placed = list(pkg.client_operations) + [op for r in flatten(pkg.resources) for op in r.operations]
    return Surface({op.call_path: _operation(op, by_pointer) for op in placed},
                   {m.python_name: _model(m) for m in pkg.models})


def _operation(op: OperationIR, by_pointer: dict[str, str]) -> Operation:
    from generator.schema_types import component_pointer

    params = op.path_params + op.query_params + op.header_params + op.cookie_params + op.body_params
    body = by_pointer.get(component_pointer(op.body_model), "") if op.body_model else ""
    return Operation(op.call_path, op.operation_id, op.method, op.path, tuple(_param(p) for p in params),
                     op.response_type, op.stream_type, op.deprecated, body)


def _param(p: ParamIR) -> Param:
    return Param(p.python_name, p.wire_name, p.location, p.required, p.type_text, p.deprecated)


def _model(m: ModelIR) -> Model:
    if not m.is_class:
        return Model(m.python_name, "alias", m.alias_of)
    return Model(m.python_name, "class", fields=tuple(
        Field(f.python_name, f.wire_name, f.annotation, f.required, f.deprecated) for f in m.fields))
