"""Keeping a split package's modules small: how many lines a model or a resource class comes to
(estimated from the IR, before rendering), and packing them into modules of a bounded size.

A module of models over the budget continues in `<module>_2.py`, `<module>_3.py`...: the models go
in dependency order, a group of models that refer to each other in a circle (a strongly connected
component) always together, so a later part imports from earlier ones and never the reverse. A
resource module over the budget does the same with whole resource classes (see `split`). Only one
model or one resource class too big on its own makes a module over the budget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from generator.ir import ModelIR, OperationIR, ResourceIR

# Estimated lines per module. The estimate errs high for long hints and low for nothing common;
# checked against black's output on the whole OpenAI spec and vault (tests/test_reference_specs.py,
# tests/test_corpus.py: no generated module over 5,000 lines but those of one model or class).
LINE_BUDGET = 4000
LINE_LENGTH = 100  # black's, as generator/format.py runs it

T = TypeVar("T")


def code_lines(text: str, indent: int = 4) -> int:
    """About how many lines black makes of one logical line: a long one breaks at its commas."""
    return 1 if len(text) + indent <= LINE_LENGTH else text.count(",") + 3


def doc_lines(literal: str) -> int:
    return literal.count("\n") + 1 if literal else 0


def model_lines(model: ModelIR) -> int:
    """The lines of a model's code, with the two blank lines before it."""
    if not model.is_class:
        return 2 + code_lines(f"{model.python_name}: TypeAlias = {model.alias_of}", 0) + doc_lines(model.doc_literal)
    return 3 + doc_lines(model.doc_literal) + sum(
        2 + code_lines(f"{f.python_name}: {f.annotation_code} = {f.assignment}") + doc_lines(f.doc_literal)
        for f in model.fields)


def method_lines(op: OperationIR) -> int:
    """The lines of one operation's method (sync or async) in a resource class."""
    signature = 10 + sum(code_lines(p.annotation, 8) for p in op.path_params) + sum(
        code_lines(a, 8) for a in op.keyword_args)
    request = 4 + len(op.path_params) + len(op.query_params) + len(op.header_params) + len(op.cookie_params) \
        + len(op.body_params) + len(op.media_params)
    lines = 2 + signature + doc_lines(op.doc_literal) + request + 3
    if op.stream_type and not op.stream_always:
        lines += 3 * (signature + 2)
    if op.twin_name:
        lines += signature + request + 6
    return lines


def resource_lines(resource: ResourceIR) -> int:
    """The lines of a resource's sync and async classes (without the resources nested in it)."""
    return 2 * (6 + 6 * len(resource.children) + sum(method_lines(op) for op in resource.operations))


def pack(items: Sequence[T], cost: Callable[[T], int], budget: int = LINE_BUDGET) -> list[list[T]]:
    """Consecutive runs of `items`, each costing at most `budget` unless one item alone does."""
    parts: list[list[T]] = []
    total = budget + 1
    for item in items:
        lines = cost(item)
        if total + lines > budget:
            parts.append([])
            total = 0
        parts[-1].append(item)
        total += lines
    return parts


def components(names: Sequence[str], deps: Mapping[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of `names` (edges: `deps`, within `names`), each
    listed after every component it depends on, and in the order of `names` where the edges
    leave it free (Tarjan's algorithm, without recursion: the graphs have thousands of nodes)."""
    position = {name: i for i, name in enumerate(names)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in names:
        if root in index:
            continue
        work = [(root, iter(sorted((d for d in deps.get(root, ()) if d in position), key=position.__getitem__)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            nxt = next((d for d in edges if d not in index or d in on_stack), None)
            if nxt is not None and nxt not in index:
                index[nxt] = low[nxt] = len(index)
                stack.append(nxt)
                on_stack.add(nxt)
                work.append((nxt, iter(sorted((d for d in deps.get(nxt, ()) if d in position),
                                              key=position.__getitem__))))
                continue
            if nxt is not None:  # an edge back into the current path
                low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component, key=position.__getitem__))
    return found


def chunk_models(models: Sequence[ModelIR], deps: Mapping[str, frozenset[str]],
                 budget: int = LINE_BUDGET) -> list[list[ModelIR]]:
    """A module's models in parts of at most `budget` lines: components whole, dependencies in
    earlier parts; each part in the module's order."""
    by_name = {m.python_name: m for m in models}
    if sum(model_lines(m) for m in models) <= budget:
        return [list(models)]
    order = components([m.python_name for m in models], deps)
    parts = pack(order, lambda component: sum(model_lines(by_name[n]) for n in component), budget)
    position = {m.python_name: i for i, m in enumerate(models)}
    return [sorted((by_name[n] for component in part for n in component), key=lambda m: position[m.python_name])
            for part in parts]
