"""What changed for callers between two generated clients, and whether it breaks them.

Works on two `Surface`s (see `surface`), never on the YAML: a change that does
not reach the generated client is no change, and every change is said in the
client's words (function, argument, model and field names).

Breaking, from the caller's side:
- an operation, argument or model removed; a renamed argument;
- a new required argument (or an optional one made required), also a new
  required field in a model the client sends;
- a type narrowed where the client sends it (an old value is refused now);
- a type widened where the client reads it (it can now get what it never got,
  e.g. `None`), except new enum values: enums the client reads are open;
- an enum value removed where the client sends it;
- a field removed where the client reads it;
- the streaming form of an operation removed.
Everything else (additions, deprecations, wire names, endpoints) is reported as
not breaking.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from generator.surface import Field, Model, Operation, Param, Surface

SECTIONS = ("operation", "parameter", "model", "field", "enum", "deprecation")
SECTION_TITLES = {"operation": "Operations", "parameter": "Parameters", "model": "Models", "field": "Fields",
                  "enum": "Enum values", "deprecation": "Deprecations"}


@dataclass(frozen=True)
class Change:
    section: str  # one of SECTIONS
    kind: str  # added, removed, renamed, required, optional, retyped, values-added, values-removed, ...
    subject: str  # e.g. "create_run", "create_run(include)", "RunObject", "RunObject.status"
    detail: str  # one line, Markdown
    breaking: bool

    def key(self) -> tuple[int, str, str, str]:
        return (SECTIONS.index(self.section), self.subject, self.kind, self.detail)

    def as_dict(self) -> dict[str, object]:
        return {"section": self.section, "kind": self.kind, "subject": self.subject, "detail": self.detail,
                "breaking": self.breaking}


# ---- types as sets of atoms --------------------------------------------------------------

Atom = tuple[object, ...]
TypeSet = frozenset[Atom]
_PRIMITIVES = frozenset({"str", "int", "float", "bool", "None", "Any", "object", "bytes", "datetime", "date",
                         "FileTypes"})
_SEQUENCES = frozenset({"list", "List", "Sequence", "SequenceNotStr", "set", "frozenset", "tuple"})
_MAPPINGS = frozenset({"dict", "Dict", "Mapping"})
_UNKNOWN_VARIANT: Atom = ("ref", "UnknownVariant")


class Types:
    """Type hints of one surface as sets of atoms, with its type aliases seen through."""

    def __init__(self, surface: Surface) -> None:
        self.aliases = {name: m.type for name, m in surface.models.items() if m.kind == "alias"}
        self._cache: dict[str, TypeSet] = {}
        self._expanding: set[str] = set()

    def of(self, hint: str) -> TypeSet:
        """`str | None` -> {str, None}; Literal values one by one; literals a primitive already takes dropped."""
        if hint not in self._cache:
            try:
                node = ast.parse(hint, mode="eval").body
            except SyntaxError:
                return frozenset({("expr", hint)})
            self._cache[hint] = _simplified(self._atoms(node))
        return self._cache[hint]

    def _atoms(self, node: ast.expr) -> TypeSet:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._atoms(node.left) | self._atoms(node.right)
        if isinstance(node, ast.Constant) and node.value is None:
            return frozenset({("prim", "None")})
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            base = node.value.id
            args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
            if base == "Literal":
                return frozenset(("lit", repr(a.value)) if isinstance(a, ast.Constant) else ("expr", ast.unparse(a))
                                 for a in args)
            if base == "Annotated":  # metadata (Tag, Discriminator, OPEN_ENUM) does not change what is accepted
                return self._atoms(args[0])
            if base in ("Union", "Optional"):
                found = frozenset().union(*(self._atoms(a) for a in args))
                return found | ({("prim", "None")} if base == "Optional" else set())
            if base in _SEQUENCES:
                inner = frozenset().union(*(self._atoms(a) for a in args if not _is_ellipsis(a)))
                return frozenset({("list", _simplified(inner))})
            if base in _MAPPINGS:
                return frozenset({("dict", _simplified(self._atoms(args[-1])))})
        return frozenset({("expr", ast.unparse(node))})

    def _name(self, name: str) -> TypeSet:
        if name in _PRIMITIVES:
            return frozenset({("prim", name)})
        if name not in self.aliases or name in self._expanding:
            return frozenset({("ref", name)})
        self._expanding.add(name)
        try:
            return self._atoms(ast.parse(self.aliases[name], mode="eval").body)
        except SyntaxError:
            return frozenset({("ref", name)})
        finally:
            self._expanding.discard(name)


def _simplified(types: TypeSet) -> TypeSet:
    """Without the literal values that a primitive in the same union already takes (`str | Literal['a']`)."""
    return frozenset(a for a in types if a[0] != "lit" or not _covered(types - {a}, a))


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def accepts(wide: TypeSet, narrow: TypeSet) -> bool:
    """Whether every value of `narrow` is also a value of `wide`."""
    return all(_covered(wide, atom) for atom in narrow)


def _covered(wide: TypeSet, atom: Atom) -> bool:
    if atom in wide or ("prim", "Any") in wide or ("prim", "object") in wide:
        return True
    kind = atom[0]
    if kind == "ref" and _UNKNOWN_VARIANT in wide:  # a tagged union takes variants it does not know yet
        return True
    if kind == "lit":
        value = ast.literal_eval(str(atom[1]))
        prim = "bool" if isinstance(value, bool) else type(value).__name__
        return ("prim", prim) in wide or (prim == "int" and ("prim", "float") in wide)
    if atom == ("prim", "int"):
        return ("prim", "float") in wide
    if kind in ("list", "dict"):
        inner = atom[1]
        assert isinstance(inner, frozenset)
        return any(w[0] == kind and isinstance(w[1], frozenset) and accepts(w[1], inner) for w in wide)
    return False


class _DropMetadata(ast.NodeTransformer):
    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Annotated" and isinstance(node.slice, ast.Tuple):
            inner: ast.AST = self.visit(node.slice.elts[0])
            return inner
        return self.generic_visit(node)


def readable(hint: str) -> str:
    """A hint as callers read it: `Annotated[...]` metadata (tags, discriminators, open enums) left out."""
    try:
        return ast.unparse(_DropMetadata().visit(ast.parse(hint, mode="eval")))
    except SyntaxError:
        return hint


def refs(hint: str) -> set[str]:
    """The names a hint mentions (models, aliases and anything else), at any depth."""
    try:
        return {n.id for n in ast.walk(ast.parse(hint, mode="eval")) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def literals(types: TypeSet) -> set[str]:
    return {str(a[1]) for a in types if a[0] == "lit"}


# ---- who sends and who reads what ----------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    sent: frozenset[str]  # models reachable from arguments: the client sends them
    read: frozenset[str]  # models reachable from results and events: the client reads them


def usage(surface: Surface) -> Usage:
    sent_roots = {r for op in surface.operations.values() for p in op.params for r in refs(p.type)}
    sent_roots |= {op.body for op in surface.operations.values() if op.body}
    read_roots = {r for op in surface.operations.values() for r in refs(op.returns) | refs(op.streams)}
    return Usage(_closure(surface, sent_roots), _closure(surface, read_roots))


def _closure(surface: Surface, roots: Iterable[str]) -> frozenset[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen or name not in surface.models:
            continue
        seen.add(name)
        model = surface.models[name]
        stack.extend(refs(model.type))
        for f in model.fields:
            stack.extend(refs(f.type))
    return frozenset(seen)


# ---- comparing ---------------------------------------------------------------------------


def compare(old: Surface, new: Surface) -> list[Change]:
    """Every change between the two surfaces, breaking ones classed as such, in a stable order."""
    return sorted(set(_Comparison(old, new).changes()), key=Change.key)


def _code(name: str) -> str:
    return f"`{name}`"


def _op_label(op: Operation) -> str:
    return f"`{op.name}` (`{op.operation_id}`, {op.method} {op.path})"


def _said(kind: str) -> str:
    return "is now deprecated" if kind == "deprecated" else "is no longer deprecated"


def _arg(p: Param) -> str:
    sent_as = f" (sent as `{p.wire}`)" if p.wire != p.name else ""
    return f"{p.location} argument {_code(p.name)}{sent_as}"


def _kind_word(model: Model) -> str:
    return "class" if model.kind == "class" else "type alias"


def _lits(types: TypeSet) -> TypeSet:
    return frozenset(a for a in types if a[0] == "lit")


class _Comparison:
    def __init__(self, old: Surface, new: Surface) -> None:
        self.old, self.new = old, new
        self.old_types, self.new_types = Types(old), Types(new)
        self.used_old, self.used_new = usage(old), usage(new)

    def changes(self) -> Iterator[Change]:
        yield from self.operations()
        yield from self.models()

    # -- operations and their arguments --

    def operations(self) -> Iterator[Change]:
        old, new = self.old.operations, self.new.operations
        for name in sorted(old.keys() - new.keys()):
            yield Change("operation", "removed", name, _op_label(old[name]), True)
        for name in sorted(new.keys() - old.keys()):
            yield Change("operation", "added", name, _op_label(new[name]), False)
        for name in sorted(old.keys() & new.keys()):
            yield from self.operation(old[name], new[name])

    def operation(self, a: Operation, b: Operation) -> Iterator[Change]:
        if (a.method, a.path) != (b.method, b.path):
            yield Change("operation", "endpoint", b.name,
                         f"{_code(b.name)}: {a.method} {a.path} → {b.method} {b.path}", False)
        if a.deprecated != b.deprecated:
            kind = "deprecated" if b.deprecated else "undeprecated"
            yield Change("deprecation", kind, b.name, f"operation {_code(b.name)} {_said(kind)}", False)
        yield from self.retyped("operation", b.name, f"result of {_code(b.name)}", a.returns, b.returns,
                                sent=False, read=True)
        if a.streams and not b.streams:
            yield Change("operation", "stream-removed", b.name, f"{_code(b.name)} can no longer stream", True)
        elif b.streams and not a.streams:
            yield Change("operation", "stream-added", b.name,
                         f"{_code(b.name)} can now stream ({_code(b.streams)})", False)
        elif a.streams and b.streams:
            yield from self.retyped("operation", b.name, f"events of {_code(b.name)}", a.streams, b.streams,
                                    sent=False, read=True)
        yield from self.params(b, {p.name: p for p in a.params}, {p.name: p for p in b.params})

    def params(self, op: Operation, before: dict[str, Param], after: dict[str, Param]) -> Iterator[Change]:
        removed = [before[n] for n in sorted(before.keys() - after.keys())]
        added = [after[n] for n in sorted(after.keys() - before.keys())]
        for old_p, new_p in self.renames(removed, added):
            removed.remove(old_p)
            added.remove(new_p)
            yield Change("parameter", "renamed", f"{op.name}({new_p.name})",
                         f"{_code(op.name)}: argument {_code(old_p.name)} renamed to {_code(new_p.name)}", True)
        for p in removed:
            yield Change("parameter", "removed", f"{op.name}({p.name})", f"{_code(op.name)}: {_arg(p)} removed",
                         True)
        for p in added:
            need = "required" if p.required else "optional"
            yield Change("parameter", "added", f"{op.name}({p.name})",
                         f"{_code(op.name)}: {need} {_arg(p)}: {_code(readable(p.type))}", p.required)
        for name in sorted(before.keys() & after.keys()):
            yield from self.param(op, before[name], after[name])

    def renames(self, removed: list[Param], added: list[Param]) -> list[tuple[Param, Param]]:
        """Pairs of a removed and an added argument that are one argument renamed: the same wire name
        under a new Python name, or the path parameter at the same place in the path template."""
        pairs: list[tuple[Param, Param]] = []
        for old_p in removed:
            same_wire = [p for p in added if p.wire == old_p.wire and p.location == old_p.location]
            if len(same_wire) == 1:
                pairs.append((old_p, same_wire[0]))
        old_path = [p for p in removed if p.location == "path" and p not in {a for a, _ in pairs}]
        new_path = [p for p in added if p.location == "path" and p not in {b for _, b in pairs}]
        pairs += zip(old_path, new_path)  # in template order: positional arguments keep their places
        return pairs

    def param(self, op: Operation, a: Param, b: Param) -> Iterator[Change]:
        subject = f"{op.name}({b.name})"
        what = f"{_code(op.name)}: argument {_code(b.name)}"
        if a.required != b.required:
            kind = "required" if b.required else "optional"
            yield Change("parameter", kind, subject, f"{what} is now {kind}", b.required)
        if a.wire != b.wire:
            yield Change("parameter", "wire-name", subject, f"{what} is sent as `{b.wire}` (was `{a.wire}`)", False)
        if a.location != b.location:
            yield Change("parameter", "moved", subject, f"{what} moved from {a.location} to {b.location}", False)
        if a.deprecated != b.deprecated:
            kind = "deprecated" if b.deprecated else "undeprecated"
            yield Change("deprecation", kind, subject, f"{what} {_said(kind)}", False)
        yield from self.retyped("parameter", subject, what, a.type, b.type, sent=True, read=False)

    # -- types --

    def retyped(self, section: str, subject: str, what: str, old: str, new: str, *, sent: bool,
                read: bool) -> Iterator[Change]:
        """A type change, said as enum values added/removed when only literal values differ."""
        if readable(old) == readable(new):
            return  # the same names: a change inside a named model is reported at that model
        a, b = self.old_types.of(old), self.new_types.of(new)
        if a == b:
            return
        if all(atom[0] == "lit" for atom in a ^ b):
            gone, came = sorted(literals(a - b)), sorted(literals(b - a))
            if gone:
                yield Change("enum", "values-removed", subject, f"{what}: values {', '.join(gone)} removed", sent)
            if came:
                yield Change("enum", "values-added", subject, f"{what}: values {', '.join(came)} added", False)
            return
        narrowed = not accepts(b, a)
        widened = not accepts(a | _lits(b), b)  # new enum values are never a reader's problem: enums are open
        how = "narrowed" if narrowed and not widened else "widened" if widened and not narrowed else "changed"
        yield Change(section, "retyped", subject, f"{what}: type {how}, {_code(readable(old))} → "
                     f"{_code(readable(new))}", (sent and narrowed) or (read and widened))

    # -- models and their fields --

    def models(self) -> Iterator[Change]:
        old, new = self.old.models, self.new.models
        for name in sorted(old.keys() - new.keys()):
            yield Change("model", "removed", name, f"model {_code(name)} removed", True)
        for name in sorted(new.keys() - old.keys()):
            yield Change("model", "added", name, f"model {_code(name)} added", False)
        for name in sorted(old.keys() & new.keys()):
            a, b = old[name], new[name]
            sent = name in self.used_old.sent or name in self.used_new.sent
            # A model no operation reaches (e.g. a body spread into arguments) breaks no call: its
            # arguments are compared where the operation takes them.
            read = name in self.used_old.read or name in self.used_new.read
            if a.kind != b.kind:
                yield Change("model", "kind", name,
                             f"model {_code(name)} is now a {_kind_word(b)} (was a {_kind_word(a)})", True)
            elif a.kind == "alias":
                yield from self.retyped("model", name, f"model {_code(name)}", a.type, b.type, sent=sent, read=read)
            else:
                yield from self.fields(b, {f.name: f for f in a.fields}, {f.name: f for f in b.fields}, sent, read)

    def fields(self, model: Model, before: dict[str, Field], after: dict[str, Field], sent: bool,
               read: bool) -> Iterator[Change]:
        for name in sorted(before.keys() - after.keys()):
            yield Change("field", "removed", f"{model.name}.{name}", f"{_code(model.name + '.' + name)} removed",
                         read)
        for name in sorted(after.keys() - before.keys()):
            f = after[name]
            need = "required" if f.required else "optional"
            yield Change("field", "added", f"{model.name}.{name}",
                         f"{_code(model.name + '.' + name)} added ({need}): {_code(readable(f.type))}",
                         sent and f.required)
        for name in sorted(before.keys() & after.keys()):
            a, b = before[name], after[name]
            subject = f"{model.name}.{name}"
            what = _code(subject)
            if a.required != b.required:
                kind = "required" if b.required else "optional"
                yield Change("field", kind, subject, f"{what} is now {kind}", sent and b.required)
            if a.wire != b.wire:
                yield Change("field", "wire-name", subject,
                             f"{what} is named `{b.wire}` on the wire (was `{a.wire}`)", False)
            if a.deprecated != b.deprecated:
                kind = "deprecated" if b.deprecated else "undeprecated"
                yield Change("deprecation", kind, subject, f"{what} {_said(kind)}", False)
            yield from self.retyped("field", subject, what, a.type, b.type, sent=sent, read=read)


# ---- reports -----------------------------------------------------------------------------


def counts(changes: list[Change]) -> dict[str, int]:
    return {"breaking": sum(c.breaking for c in changes), "not_breaking": sum(not c.breaking for c in changes)}


def headline(changes: list[Change]) -> str:
    """One line: '3 breaking, 12 not breaking (operations: 6 removed, 1 added; ...)'."""
    if not changes:
        return "no changes to the client's API"
    n = counts(changes)
    per: dict[str, Counter[str]] = {}
    for c in changes:
        per.setdefault(c.section, Counter())[c.kind] += 1
    parts = [f"{SECTION_TITLES[s].lower()}: " + ", ".join(f"{k} {v}" for k, v in sorted(per[s].items()))
             for s in SECTIONS if s in per]
    return f"{n['breaking']} breaking, {n['not_breaking']} not breaking ({'; '.join(parts)})"


def markdown(changes: list[Change], old_label: str, new_label: str) -> str:
    lines = [f"## API changes: `{old_label}` → `{new_label}`", "", f"**{headline(changes)}**", ""]
    for title, breaking in (("Breaking", True), ("Not breaking", False)):
        group = [c for c in changes if c.breaking == breaking]
        if not group:
            continue
        lines += [f"### {title} ({len(group)})", ""]
        for section in SECTIONS:
            items = [c for c in group if c.section == section]
            if items:
                lines += [f"#### {SECTION_TITLES[section]}", ""]
                lines += [f"- {c.kind}: {c.detail}" for c in items]
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def as_json(changes: list[Change], old_label: str, new_label: str) -> str:
    data = {"old": old_label, "new": new_label, "summary": {**counts(changes), "headline": headline(changes)},
            "changes": [c.as_dict() for c in changes]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def short_summary(changes: list[Change], limit: int = 10) -> list[str]:
    """A few lines for `generate`: the headline, then breaking changes first."""
    if not changes:
        return []
    ordered = sorted(changes, key=lambda c: (not c.breaking, c.key()))
    lines = [f"API changes: {headline(changes)}"]
    lines += [f"  {'BREAKING ' if c.breaking else ''}{c.section} {c.kind}: {_plain(c.detail)}"
              for c in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"  ... and {len(ordered) - limit} more; `diff OLD_SPEC NEW_SPEC` gives the full report")
    return lines


def _plain(detail: str) -> str:
    return detail.replace("`", "")
