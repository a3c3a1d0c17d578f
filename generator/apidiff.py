"""What changed for callers between two generated clients, and whether it breaks them.

Works on two `Surface`s (see `surface`), never on the YAML: a change that does
not reach the generated client is no change, and every change is said in the
client's words (function, argument, model and field names).

Breaking, from the caller's side:
- an operation, argument or model removed; an operation, argument or model
  renamed (see Renames);
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

Renames. An operation gone from the old client and one new in the new client at
the same method and path (path parameter names aside) are one operation renamed.
A model gone and a new model of the same shape are one model renamed. Same shape:
the same kind; for a class, the same field names, each required as before and of
the same type, for an alias (enums included) the same type, "the same type" as
`retyped` sees it (the same set of values, aliases seen through). In those types a
model already paired as renamed counts under its new name, and a model's mentions
of itself match the other's mentions of itself. A class without fields has no
shape to go by and is never paired. A pair is taken only when it is unambiguous,
exactly one candidate on each side; this is repeated until no new pair appears, so
a model whose field mentions a renamed model is paired once that one is. Whatever
is not paired stays removed and added.
Both kinds of rename are breaking: callers call an operation by its name; and every
model is a public name of the client's `models` module (no leading underscore, no
`__all__` hiding it), which callers import and write in annotations, constructors
and `isinstance` checks, so a renamed model breaks them as a removed one does.
A renamed pair is then compared as an unchanged one is (its arguments or fields,
deprecations, ...), and every type that mentions a renamed model is compared under
the model's new name: a field typed `Owner | None` that became `Keeper | None` when
`Owner` was renamed `Keeper` is no change.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

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


# ---- renames -----------------------------------------------------------------------------

_SELF = "__self__"  # what a model's mentions of itself are compared as, under either name


class _Renamer(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(self.names.get(node.id, node.id), node.ctx), node)


def renamed(hint: str, names: dict[str, str]) -> str:
    """`hint` with the names in `names` replaced: `Owner | None` -> `Keeper | None`."""
    if not refs(hint) & names.keys():
        return hint
    return ast.unparse(_Renamer(names).visit(ast.parse(hint, mode="eval")))


def operation_renames(old: Surface, new: Surface) -> dict[str, str]:
    """Old name -> new name of each operation gone from `old` whose endpoint an operation new in
    `new` has, when exactly one of each has it."""
    gone = {n: _endpoint(old.operations[n]) for n in old.operations.keys() - new.operations.keys()}
    came = {n: _endpoint(new.operations[n]) for n in new.operations.keys() - old.operations.keys()}
    return _one_to_one(gone, came)


def _endpoint(op: Operation) -> tuple[str, str]:
    """Method and path without the path parameters' names: `/pets/{pet_id}` is `/pets/{id}`."""
    return op.method.upper(), re.sub(r"\{[^{}/]*\}", "{}", op.path)


def model_renames(old: Surface, new: Surface) -> dict[str, str]:
    """Old name -> new name of each model gone from `old` that has the shape of a model new in `new`,
    when exactly one of each has that shape; repeated while new pairs turn up (see the module's doc)."""
    new_types = Types(new)
    came = {n: _shape(new.models[n], new_types, {n: _SELF}) for n in new.models.keys() - old.models.keys()}
    gone = old.models.keys() - new.models.keys()
    moves: dict[str, str] = {}
    while True:
        old_types = Types(models_renamed(old, moves))
        found = _one_to_one({n: _shape(old.models[n], old_types, {**moves, n: _SELF}) for n in gone - moves.keys()},
                            {n: shape for n, shape in came.items() if n not in moves.values()})
        if not found:
            return moves
        moves.update(found)


def _shape(model: Model, types: Types, names: dict[str, str]) -> Hashable | None:
    """What must match for two models to be one renamed; None for a class without fields."""
    if model.kind != "class":
        return model.kind, types.of(renamed(model.type, names))
    if not model.fields:
        return None
    return model.kind, frozenset((f.name, f.required, types.of(renamed(f.type, names))) for f in model.fields)


def _one_to_one(before: Mapping[str, Hashable | None], after: Mapping[str, Hashable | None]) -> dict[str, str]:
    """Name in `before` -> name in `after` for each key exactly one name holds on each side (None: no key)."""
    olds, news = _holders(before), _holders(after)
    return {olds[k][0]: news[k][0] for k in olds.keys() & news.keys() if len(olds[k]) == len(news[k]) == 1}


def _holders(keys: Mapping[str, Hashable | None]) -> dict[Hashable, list[str]]:
    found: dict[Hashable, list[str]] = {}
    for name, key in keys.items():
        if key is not None:
            found.setdefault(key, []).append(name)
    return found


def models_renamed(surface: Surface, moves: dict[str, str]) -> Surface:
    """`surface`'s models, those in `moves` under their new names, and every type mentioning them
    renamed too (operations left out: this is for `Types`)."""
    return Surface({}, {moves.get(n, n): _model_renamed(m, moves) for n, m in surface.models.items()})


def _model_renamed(model: Model, moves: dict[str, str]) -> Model:
    fields = tuple(replace(f, type=renamed(f.type, moves)) for f in model.fields)
    return replace(model, name=moves.get(model.name, model.name), type=renamed(model.type, moves), fields=fields)


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


def _pairs(before: Iterable[str], after: Iterable[str], moves: dict[str, str]) -> list[tuple[str, str]]:
    """(old name, new name) of what is on both sides: under one name, or renamed."""
    return sorted([(n, n) for n in set(before) & set(after)] + list(moves.items()))


class _Comparison:
    def __init__(self, old: Surface, new: Surface) -> None:
        self.old, self.new = old, new
        self.moved_operations, self.moved = operation_renames(old, new), model_renames(old, new)
        self.old_types, self.new_types = Types(models_renamed(old, self.moved)), Types(new)
        self.used_old, self.used_new = usage(old), usage(new)

    def changes(self) -> Iterator[Change]:
        yield from self.operations()
        yield from self.models()

    # -- operations and their arguments --

    def operations(self) -> Iterator[Change]:
        old, new, moves = self.old.operations, self.new.operations, self.moved_operations
        for name in sorted(old.keys() - new.keys() - moves.keys()):
            yield Change("operation", "removed", name, _op_label(old[name]), True)
        for name in sorted(new.keys() - old.keys() - set(moves.values())):
            yield Change("operation", "added", name, _op_label(new[name]), False)
        for was, now in sorted(moves.items()):
            op = new[now]
            yield Change("operation", "renamed", now, f"{_code(was)} → {_code(now)} ({op.method} {op.path})", True)
        for was, now in _pairs(old, new, moves):
            yield from self.operation(old[was], new[now])

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
        moved = renamed(old, self.moved)  # a renamed model is no change here: it is reported as a model
        if readable(moved) == readable(new):
            return  # the same names: a change inside a named model is reported at that model
        a, b = self.old_types.of(moved), self.new_types.of(new)
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
        old, new, moves = self.old.models, self.new.models, self.moved
        for name in sorted(old.keys() - new.keys() - moves.keys()):
            yield Change("model", "removed", name, f"model {_code(name)} removed", True)
        for name in sorted(new.keys() - old.keys() - set(moves.values())):
            yield Change("model", "added", name, f"model {_code(name)} added", False)
        for was, now in sorted(moves.items()):  # breaking: callers name models (see the module's doc)
            yield Change("model", "renamed", now, f"{_code(was)} → {_code(now)}", True)
        for was, now in _pairs(old, new, moves):
            yield from self.model(old[was], new[now])

    def model(self, a: Model, b: Model) -> Iterator[Change]:
        name = b.name
        sent = a.name in self.used_old.sent or name in self.used_new.sent
        # A model no operation reaches (e.g. a body spread into arguments) breaks no call: its
        # arguments are compared where the operation takes them.
        read = a.name in self.used_old.read or name in self.used_new.read
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
