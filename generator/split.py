"""A grouped package's models and request builders, split into modules by resource.

A package with resources (see `resources`) gets `models/` and `operations/` packages instead of
one module each, so that importing it and building the client creates no model class, and a
call loads only its resource's modules:

- `models/<resource>.py`: the models only that top-level resource's operations use (with
  everything they refer to that no other resource uses); `models/_shared.py`: those used by two
  resources or more or by operations on the client itself, with all they refer to;
  `models/_other.py`: those no operation uses. A shared model never refers to a resource's, and
  nothing an operation uses refers to an `_other` one, so no two modules import each other.
- `operations/<resource>.py`: the request builders of that resource's operations;
  `operations/_client.py` those of the operations left on the client.
- `resources/<resource>.py`: a top-level resource's classes and those nested in it.
- Each package's `__init__` names every member for type checkers and loads a member's module on
  first attribute access (`pkg.models.Animal`, `from pkg.operations import list_animals`).

A module that would be too long to read continues in `<name>_2.py`, `<name>_3.py`... (see
`chunk`): models in dependency order, resource classes whole, each resource module's request
builders in the operations module of the same name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from generator.chunk import LINE_BUDGET, chunk_models, pack, resource_lines
from generator.imports import KEY_SOURCES, import_block, member_key, names_in
from generator.ir import ModelIR, ModuleIR, OperationIR, ResourceIR
from generator.resources import flatten

SHARED = "_shared"  # models used by more than one resource, or by operations on the client
OTHER = "_other"  # models no operation uses (the spec's other component schemas)
CLIENT_OPERATIONS = "_client"  # the builders of the operations left on the client


@dataclass(frozen=True)
class Split:
    model_home: dict[str, str]  # model name -> its module under models/
    operation_home: dict[str, str]  # operation pointer -> its module under operations/
    model_modules: tuple[ModuleIR, ...]  # (the builders' modules: build.operation_modules)
    resources: tuple[ResourceIR, ...]  # the top-level resources, each class's `module` its part's
    resource_parts: tuple[tuple[str, tuple[ResourceIR, ...]], ...]  # module under resources/ -> its classes


def split(models: list[ModelIR], deps: Mapping[str, frozenset[str]], client_operations: Iterable[OperationIR],
          resources: Iterable[ResourceIR], operation_names: dict[str, set[str]], budget: int = LINE_BUDGET) -> Split:
    """Where each model, builder and resource class goes. `operation_names`: pointer -> the model
    names an operation's builder and methods mention; `budget`: the estimated lines of a module."""
    resources = tuple(resources)
    by_root: dict[str, list[OperationIR]] = {}
    for resource in resources:
        by_root[resource.module] = [op for r in flatten([resource]) for op in r.operations]
    client_ops = list(client_operations)
    names = {m.python_name for m in models}
    refs = _references(models, names)  # what each model's code names: what its module imports
    deps = {n: deps.get(n, frozenset()) | refs.get(n, frozenset()) for n in set(deps) | set(refs)}
    users: dict[str, set[str]] = {name: set() for name in names}
    for root, ops in [*by_root.items(), (CLIENT_OPERATIONS, client_ops)]:
        for name in _closure({n for op in ops for n in operation_names.get(op.pointer, set())} & names, deps):
            users[name].add(root)
    shared = _closure({n for n, used in users.items() if len(used) > 1 or CLIENT_OPERATIONS in used}, deps)
    home = {n: SHARED if n in shared else next(iter(users[n]), OTHER) for n in sorted(names)}
    if _cyclic(home, deps):  # cannot happen when deps are complete; one module is always safe
        home = dict.fromkeys(home, SHARED)
    home = _chunked(models, home, deps, budget)
    functions = {name for ops in [*by_root.values(), client_ops] for op in ops
                 for name in (op.python_name, op.builder_name)}
    placed, parts = _resource_parts(resources, budget, {r.module for r in resources})
    op_home = {op.pointer: _free(module, functions) for module, classes in parts for r in classes
               for op in r.operations}
    op_home.update({op.pointer: CLIENT_OPERATIONS for op in client_ops})
    return Split(home, op_home, model_modules(models, home), placed, parts)


def _part_name(module: str, number: int, taken: set[str]) -> str:
    """The name of a module's `number`th part (the first keeps the module's own)."""
    name = module if number == 1 else f"{module}_{number}"
    while number > 1 and name in taken:
        name += "_"
    taken.add(name)
    return name


def _chunked(models: list[ModelIR], home: dict[str, str], deps: Mapping[str, frozenset[str]],
             budget: int) -> dict[str, str]:
    """`home` with each module over the budget continued in parts (see `chunk`)."""
    taken = set(home.values())
    out = dict(home)
    for module in sorted(taken.copy()):
        own = [m for m in models if home[m.python_name] == module]
        for number, part in enumerate(chunk_models(own, deps, budget), start=1):
            name = _part_name(module, number, taken)
            out.update(dict.fromkeys((m.python_name for m in part), name))
    return out


def _resource_parts(resources: tuple[ResourceIR, ...], budget: int, taken: set[str]
                    ) -> tuple[tuple[ResourceIR, ...], tuple[tuple[str, tuple[ResourceIR, ...]], ...]]:
    """Each top-level resource's classes, parents first, in modules of at most `budget` lines
    (the first part keeps the resource's own module); the resources with their parts recorded."""
    module_of: dict[str, str] = {}
    parts = []
    for resource in resources:
        for number, classes in enumerate(pack(flatten([resource]), resource_lines, budget), start=1):
            name = _part_name(resource.module, number, taken)
            module_of.update(dict.fromkeys((r.path for r in classes), name))
            parts.append((name, classes))
    placed = tuple(_placed(r, module_of) for r in resources)
    by_path = {r.path: r for r in flatten(placed)}
    return placed, tuple((name, tuple(by_path[r.path] for r in classes)) for name, classes in parts)


def _placed(resource: ResourceIR, module_of: dict[str, str]) -> ResourceIR:
    return dataclasses.replace(resource, module=module_of[resource.path],
                               children=tuple(_placed(c, module_of) for c in resource.children))


def init_imports(index: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """A split folder's `__init__.pyi` imports: each name from its module, as itself (`A as A`:
    re-exported for type checkers), one statement each, as isort writes `as` imports."""
    return tuple(f"from .{module} import {name} as {name}" for module, names in _by_module(index) for name in names)


def init_names(index: Iterable[tuple[str, str]], width: int = 88) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A split folder's `__init__` table of where each name loads from, compact: (module, string
    literals that concatenate to its names separated by spaces, each at most `width` long)."""
    table = []
    for module, names in _by_module(index):
        lines: list[list[str]] = [[]]
        for name in names:
            if lines[-1] and len(" ".join([*lines[-1], name])) + 3 > width:
                lines.append([])
            lines[-1].append(name)
        texts = [" ".join(line) + " " for line in lines]
        texts[-1] = texts[-1].rstrip()
        table.append((module, tuple(f'"{text}"' for text in texts)))
    return tuple(table)


def _by_module(index: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    by_module: dict[str, list[str]] = {}
    for name, module in index:
        by_module.setdefault(module, []).append(name)
    return [(module, sorted(names, key=member_key)) for module, names in sorted(by_module.items())]


def _free(module: str, functions: set[str]) -> str:
    """A module name under operations/ that no builder has (`search` beside a `search` builder:
    `from ..operations import search` would mean the function to a type checker)."""
    while module in functions:
        module += "_ops"
    return module


def _cyclic(home: dict[str, str], deps: Mapping[str, frozenset[str]]) -> bool:
    """Whether the modules would import each other in a circle."""
    edges: dict[str, set[str]] = {}
    for name, module in home.items():
        edges.setdefault(module, set()).update(home[d] for d in deps.get(name, ()) if d in home and home[d] != module)
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str) -> bool:
        state[module] = 1
        for nxt in sorted(edges.get(module, ())):
            if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                return True
        state[module] = 2
        return False

    return any(module not in state and visit(module) for module in sorted(edges))


def _references(models: list[ModelIR], names: set[str]) -> dict[str, frozenset[str]]:
    """The models each model's generated code names (hints, defaults, aliases, union members)."""
    return {m.python_name: frozenset(names_in(_texts(m)) & names) for m in models}


def _texts(model: ModelIR) -> list[str]:
    return [f"{f.annotation} {f.assignment}" for f in model.fields] + [f"{model.alias_of} {model.config}"]


def _closure(start: set[str], deps: Mapping[str, frozenset[str]]) -> set[str]:
    found, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += deps.get(name, ())
    return found


def model_modules(models: list[ModelIR], home: dict[str, str]) -> tuple[ModuleIR, ...]:
    """The models/ modules: each one's models in the order the whole module had them (dependencies
    first), hints that look forward marked again for the module alone, and its imports."""
    modules = []
    for module in sorted(set(home.values())):
        own = [m for m in models if home[m.python_name] == module]
        if not own:
            continue
        others = {name for name, where in home.items() if where != module}
        own = _mark_forward(own, {m.python_name for m in own})
        modules.append(ModuleIR(module, _model_imports(own, others, home), models=tuple(own)))
    return tuple(modules)


def _mark_forward(models: list[ModelIR], local: set[str]) -> list[ModelIR]:
    """Mark the fields whose hints name a model of this module not yet defined (those of other
    modules are imported before any class body runs)."""
    defined: set[str] = set()
    out = []
    for model in models:
        if model.is_class:
            fields = tuple(dataclasses.replace(f, forward=bool((names_in([f.annotation]) & local) - defined))
                           for f in model.fields)
            model = dataclasses.replace(model, fields=fields)
        defined.add(model.python_name)
        out.append(model)
    return out


def _model_imports(models: list[ModelIR], others: set[str], home: dict[str, str]) -> tuple[str, ...]:
    used = names_in([text for m in models for text in _texts(m)])
    keys = {k for k in used if k in KEY_SOURCES}
    keys |= {"APIModel"} if any(m.is_class for m in models) else set()
    keys |= {"TypeAliasType" if m.lazy_alias else "TypeAlias" for m in models if not m.is_class}
    members = [KEY_SOURCES[k] for k in sorted(keys)]
    members += [(".models", n) for n in sorted(used & others)]
    return import_block(["datetime"] if "datetime" in used else [], members, depth=1, homes=home)
