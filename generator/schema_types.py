"""Schema -> Python type hint, version-blind.

OpenAPI 3.0 `nullable: true`, 3.1 `type: [.., "null"]`, a `{type: "null"}` branch
and `null` in an enum all come out as the same `| None`. Inline object schemas
become named models (named from their location) that `build` turns into classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.naming import class_name, pascal, pascal_words
from generator.problems import Problem
from generator.spec import (
    MISSING,
    PROSE_KEYS,
    deref,
    escape_token,
    is_null_branch,
    non_null_branches,
    pointer,
    prose_only,
    ref_pointer,
    resolve_pointer,
    unescape_token,
)

COMPONENT_PREFIX = "#/components/schemas/"
_PRIMITIVES = {"integer": "int", "number": "float", "boolean": "bool"}
_STRING_FORMATS = {"date-time": ("datetime.datetime", "datetime"), "date": ("datetime.date", "datetime"),
                   "binary": ("bytes", ""), "byte": ("str", "")}
_TAG_PREFERENCE = ("type", "event", "object", "kind")


@dataclass(frozen=True)
class TypeExpr:
    """A type hint's source text, what it needs imported, and which models it names.

    `code` is the hint for model fields and results; `input_code` the (wider) hint for
    arguments a caller passes, where a nested model may also be given as a plain dict.
    """

    code: str
    imports: frozenset[str] = frozenset()
    refs: frozenset[str] = frozenset()
    nullable: bool = False
    input_base: str = ""  # the argument hint without the dict and None alternatives
    accepts_dict: bool = False

    def __post_init__(self) -> None:
        if not self.input_base:
            object.__setattr__(self, "input_base", self.code.removesuffix(" | None") if self.nullable else self.code)

    @property
    def input_code(self) -> str:
        return self.input_base + (" | dict[str, Any]" if self.accepts_dict else "") + (
            " | None" if self.nullable else "")

    def or_none(self) -> TypeExpr:
        if self.nullable or self.code == "Any":
            return self
        return TypeExpr(f"{self.code} | None", self.imports, self.refs, True, self.input_base, self.accepts_dict)

    def wrap(self, outer: str, outer_input: str = "") -> TypeExpr:
        """`list[...]`-style wrapping of both hints: format strings with one `{}` each.

        `outer_input` (default `outer`) wraps the argument hint; a wider, read-only container
        there lets a caller pass a `list[dict[str, Any]]` where the items are models or dicts.
        """
        return TypeExpr(outer.format(self.code), self.imports, self.refs, False,
                        (outer_input or outer).format(self.input_code))


def model_ref(name: str) -> TypeExpr:
    """A reference to a class: callers may pass the model or a plain dict."""
    return TypeExpr(name, frozenset(), frozenset({name}), accepts_dict=True)


ANY = TypeExpr("Any", frozenset({"Any"}))


@dataclass
class InlineModel:
    """An object schema found inside another one; `build` makes a class of it."""

    name: str
    schema: dict[str, Any]
    pointer: str


@dataclass
class SchemaTyper:
    """Turns schemas into TypeExprs; collects the inline models it had to name."""

    doc: dict[str, Any]
    component_names: dict[str, str]  # component key -> Python name
    claim_name: Any  # callable(pointer: str, wanted: str, preferred: str = "") -> the model's name
    nullable_components: frozenset[str] = frozenset()  # classes whose component schema admits null
    object_like: frozenset[str] = frozenset()  # components that are objects, or unions with object branches
    inline: list[InlineModel] = field(default_factory=list)
    by_pointer: dict[str, str] = field(default_factory=dict)  # inline schema location -> its model
    # allOf node (by identity) -> its merged model: a merge copies the parts' properties, so
    # a schema that refers to itself through an allOf is met again at ever longer pointers.
    by_all_of: dict[int, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    following: set[str] = field(default_factory=set)  # non-component refs being typed (a cycle check)
    preferred: dict[str, str] = field(default_factory=dict)  # inline schema location -> a name to try first

    def hint(self, schema: Any, ptr: str, ctx: str) -> TypeExpr:
        if not isinstance(schema, dict):
            return ANY
        if isinstance(schema.get("$ref"), str):
            return self._ref(schema, ptr, ctx)
        nullable = is_nullable(schema)
        expr = self._non_null(schema, ptr, ctx)
        return expr.or_none() if nullable else expr

    def _ref(self, schema: dict[str, Any], ptr: str, ctx: str) -> TypeExpr:
        ref = schema["$ref"]
        key = component_key(ref)
        if key is not None and key in self.component_names and null_only(deref(self.doc, schema)):
            expr = TypeExpr("None", nullable=True)  # its alias is None, and `None | None` fails at run time
        elif key is not None and key in self.component_names:
            name = self.component_names[key]
            expr = model_ref(name) if key in self.object_like else TypeExpr(name, refs=frozenset({name}))
            if key in self.nullable_components:
                expr = expr.or_none()
        else:
            at = ref_pointer(ref)
            target = resolve_pointer(self.doc, at)
            if target is MISSING:
                expr = ANY
            elif at in self.following:  # a cycle through refs to what is not a component: no name to recur on
                self.warn(ptr + "/$ref", f"refers back to {at}, which contains it, and is not a component schema: "
                          "typed as Any (make it a component to type it)", "recursive-non-component")
                expr = ANY
            else:
                self.following.add(at)
                try:
                    expr = self.hint(target, at, ctx)
                finally:
                    self.following.discard(at)
        return expr.or_none() if is_nullable(schema) else expr

    def _non_null(self, schema: dict[str, Any], ptr: str, ctx: str) -> TypeExpr:
        if admits_anything(schema):
            return ANY
        for key in ("allOf", "oneOf", "anyOf"):
            branches = non_null_branches(schema.get(key))
            if branches and not all(_constraint_only(b) for _, b in branches):
                return self._composed(key, branches, schema, ptr, ctx)
        if "const" in schema and schema["const"] is not None:
            return self._enum(schema, [schema["const"]], ptr, ctx, "const")
        if isinstance(schema.get("enum"), list):
            values = [v for v in schema["enum"] if v is not None]
            return self._enum(schema, values, ptr, ctx, "enum") if values else TypeExpr("None", nullable=True)
        types = schema_types(schema)
        if len(types) > 1:
            return union([self._typed(t, schema, ptr, ctx) for t in types])
        return self._typed(types[0] if types else None, schema, ptr, ctx)

    def _enum(self, schema: dict[str, Any], values: list[Any], ptr: str, ctx: str, keyword: str) -> TypeExpr:
        """A Literal of the values. One that no Literal can hold (a float, list or object), or that
        is not of the schema's own `type`, is left out with a located warning, never typed silently:
        when none is left, the schema's type (or Any) stands instead."""
        types = schema_types(schema)
        fitting = [v for v in values if not types or any(_is_of(v, t) for t in types)]
        kept = [v for v in fitting if isinstance(v, (str, int, bool))]
        wider = [v for v in fitting if not isinstance(v, (str, int, bool))]  # fit, but no Literal holds them
        unfit = [v for v in values if not any(v is f for f in fitting)]
        found = union(([literal(kept)] if kept else []) + [_json_type(v) for v in wider]) if fitting else (
            union([self._typed(t, schema, ptr, ctx) for t in types]) if types else ANY)
        if wider:
            self.warn(f"{ptr}/{keyword}", f"{keyword} value(s) {wider!r} cannot be in a Literal (only strings, "
                      f"integers and booleans can): typed as {found.code}", "inexact-type")
        if unfit:
            self.warn(f"{ptr}/{keyword}", f"{keyword} value(s) {unfit!r} are not of its type {'/'.join(types)}, "
                      f"so no valid value is one of them: typed as {found.code}, without them", "inexact-type")
        return found

    def _typed(self, kind: str | None, schema: dict[str, Any], ptr: str, ctx: str) -> TypeExpr:
        if kind == "string":
            code, imp = _STRING_FORMATS.get(schema.get("format", ""), ("str", ""))
            return TypeExpr(code, frozenset({imp} - {""}))
        if kind in _PRIMITIVES:
            return TypeExpr(_PRIMITIVES[kind])
        if kind == "null":
            return TypeExpr("None", nullable=True)
        if kind == "array" or (kind is None and "items" in schema):
            return self.hint(schema.get("items"), ptr + "/items", ctx + "Item").wrap("list[{}]", "SequenceNotStr[{}]")
        if schema.get("properties"):
            return self.inline_model(schema, ptr, ctx)
        if kind == "object" or "additionalProperties" in schema:
            return self._map(schema, ptr, ctx)
        return ANY

    def _map(self, schema: dict[str, Any], ptr: str, ctx: str) -> TypeExpr:
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            value = self.hint(extra, ptr + "/additionalProperties", ctx + "Value")
            return value.wrap("dict[str, {}]", "Mapping[str, {}]")
        return TypeExpr("dict[str, Any]", frozenset({"Any"}))

    def inline_model(self, schema: dict[str, Any], ptr: str, ctx: str, all_of: Any = None) -> TypeExpr:
        """The model for an inline object schema; one model per location, however often it is met.

        `all_of`: the allOf node `schema` was merged from; one model per such node too.
        """
        name = self.by_pointer.get(ptr) or (self.by_all_of.get(id(all_of)) if all_of is not None else None)
        if name is None:
            preferred = self.preferred.get(ptr)
            name = self.by_pointer[ptr] = self.claim_name(ptr, ctx, preferred or "")
            self.inline.append(InlineModel(name, schema, ptr))
        if all_of is not None:
            self.by_all_of.setdefault(id(all_of), name)
        return model_ref(name)

    def _composed(self, key: str, branches: list[tuple[int, Any]], schema: dict[str, Any],
                  ptr: str, ctx: str) -> TypeExpr:
        if key == "allOf":
            return self._all_of(branches, schema, ptr, ctx)
        if len(branches) == 1:
            i, only = branches[0]
            return self.hint(only, f"{ptr}/{key}/{i}", ctx)
        siblings = [b for _, b in branches]
        members = [self.hint(b, f"{ptr}/{key}/{i}", self._branch_ctx(b, ctx, i, siblings, f"{ptr}/{key}/{i}"))
                   for i, b in branches]
        objects = [k for k, (_, b) in enumerate(branches) if leaf_objects(self.doc, b)]
        if len(objects) < 2:
            return union(members)
        # The object branches are told apart by a tag; others (a string literal, say) stay plain members.
        found = self.discriminator(schema, [branches[k][1] for k in objects], ptr)
        if found is None:
            self.warn(ptr + "/" + key, f"{len(objects)} object branches and no property tells them apart: "
                      "parsed as an ordered union (the first branch that fits wins)", "undiscriminated-union")
            return union(members)
        tagged = tagged_union(found[0], [members[k] for k in objects], found[1])
        return union([m for k, m in enumerate(members) if k not in objects] + [tagged])

    def _all_of(self, branches: list[tuple[int, Any]], schema: dict[str, Any],
                ptr: str, ctx: str) -> TypeExpr:
        if len(branches) == 1 and not schema.get("properties"):
            i, only = branches[0]
            return self.hint(only, f"{ptr}/allOf/{i}", ctx)
        merged = merge_all_of(self.doc, schema)
        return self.inline_model(merged, ptr, ctx, all_of=schema)

    def _branch_ctx(self, branch: Any, ctx: str, index: int, siblings: list[Any], where: str) -> str:
        """The name an inline union branch is built from: its tag value, its title (a title written
        as one word may stand alone, see `inline_model`), where its `$ref` points, a property only
        it has, its kind; its position only when nothing else tells it apart."""
        tags = single_valued_props(self.doc, branch, required_only=False)
        named = [p for p in _TAG_PREFERENCE if p in tags] + sorted(p for p in tags if p not in _TAG_PREFERENCE)
        for prop in named:
            if isinstance(tags[prop], (str, int)) and not isinstance(tags[prop], bool) and pascal(str(tags[prop])):
                return ctx + pascal(str(tags[prop]))
        node = branch if isinstance(branch, dict) else {}
        title = node.get("title")
        if isinstance(title, str) and pascal_words(title):
            if title.strip().isidentifier():
                self.preferred[where] = class_name(title.strip())
            return _joined(ctx, pascal_words(title))
        if _ref_name(branch):
            return _joined(ctx, pascal_words(_ref_name(branch)))
        own = own_property(self.doc, branch, siblings)
        if own:
            return f"{ctx}With{pascal_words(own)}"
        kinds = [schema_types(deref(self.doc, b)) if isinstance(deref(self.doc, b), dict) else [] for b in siblings]
        mine = schema_types(deref(self.doc, branch)) if isinstance(deref(self.doc, branch), dict) else []
        if mine and sum(k == mine for k in kinds) == 1:
            return ctx + {"array": "List", "object": "Object"}.get(mine[0], pascal(mine[0]))
        return f"{ctx}Option{index + 1}"

    def discriminator(self, schema: dict[str, Any], branches: list[Any],
                      ptr: str) -> tuple[str, list[list[Any]]] | None:
        """(property, values of each branch) when every branch is an object the property identifies.

        An explicit `discriminator` wins: its `mapping`, else each branch's single-valued
        property, else (per OpenAPI) the branch's schema name. Otherwise a required
        const/single-enum property shared by all branches, with distinct values.
        """
        leaves = [leaf_objects(self.doc, b) for b in branches]
        if any(not group for group in leaves):
            return None
        explicit = schema.get("discriminator") or {}
        if isinstance(explicit.get("propertyName"), str):
            return self._explicit(explicit, branches, ptr)
        flat = [obj for group in leaves for obj in group]
        for prop in _candidate_tags(self.doc, flat):
            values = [single_valued_props(self.doc, obj).get(prop, MISSING) for obj in flat]
            if all(v is not MISSING for v in values) and len(set(map(tag_key, values))) == len(values):
                return prop, [leaf_values(self.doc, b, prop) for b in branches]
        return None

    def _explicit(self, disc: dict[str, Any], branches: list[Any], ptr: str) -> tuple[str, list[list[Any]]] | None:
        prop = disc["propertyName"]
        raw_mapping = disc.get("mapping")
        mapping: dict[str, Any] = raw_mapping if isinstance(raw_mapping, dict) else {}
        values: list[list[Any]] = []
        for branch in branches:
            name = _ref_name(branch)
            mapped = [k for k, target in mapping.items() if name and _ref_name({"$ref": str(target)}) == name]
            declared = [v for v in leaf_values(self.doc, branch, prop) if v is not None]
            if mapped and declared and set(map(str, declared)) - set(mapped):
                self.warn(ptr + "/discriminator/mapping", f"the mapping gives {mapped} for {name}, but the schema "
                          f"declares {prop}={declared}; the mapping is used", "discriminator-mismatch")
            values.append(mapped or declared or ([name] if name else []))
        flat = [tag_key(v) for group in values for v in group]
        if any(not group for group in values) or len(set(flat)) != len(flat):
            self.warn(ptr + "/discriminator", f"the discriminator {prop!r} does not identify every branch "
                      "uniquely; parsed as an ordered union", "undiscriminated-union")
            return None
        return prop, values

    def warn(self, where: str, message: str, kind: str) -> None:
        self.warnings.append(Problem(where, message, "warning", kind=kind))


def _joined(ctx: str, name: str) -> str:
    """A branch's name in its place: `PetOwner` and `Card` -> `PetOwnerCard`, but a place that
    already ends in the name is not repeated (`PetOwner` and `Owner` -> `PetOwner`)."""
    return ctx if ctx.endswith(name) else ctx + name


def _ref_name(node: Any) -> str:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return unescape_token(ref.rsplit("/", 1)[-1]) if isinstance(ref, str) else ""


def _json_type(value: Any) -> TypeExpr:
    """The type of a JSON value that no Literal can hold: a float, a list or an object."""
    if isinstance(value, float):
        return TypeExpr("float")
    if isinstance(value, list):
        return TypeExpr("list[Any]", frozenset({"Any"}))
    return TypeExpr("dict[str, Any]", frozenset({"Any"}))


def _is_of(value: Any, kind: str) -> bool:
    """Whether a JSON value is of a JSON Schema type (a bool is no number)."""
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return kind not in ("array", "object", "null")


def own_property(doc: dict[str, Any], branch: Any, siblings: list[Any]) -> str:
    """A property of an object branch that no other branch has (required ones first), or ""."""
    mine = deref(doc, branch)
    if not isinstance(mine, dict) or not isinstance(mine.get("properties"), dict):
        return ""
    others: set[str] = set()
    for other in siblings:
        found = deref(doc, other)
        if other is not branch and isinstance(found, dict) and isinstance(found.get("properties"), dict):
            others |= set(found["properties"])
    required = [p for p in mine.get("required") or () if isinstance(p, str)]
    ordered = required + [p for p in mine["properties"] if p not in required]
    return next((p for p in ordered if isinstance(p, str) and p not in others and pascal_words(p)), "")


def component_key(ref: Any) -> str | None:
    """The components/schemas key a local `$ref` names (JSON pointer escapes undone), else None."""
    if not isinstance(ref, str) or not ref.startswith(COMPONENT_PREFIX):
        return None
    token = ref_pointer(ref)[len(COMPONENT_PREFIX) - 1:]
    return None if "/" in token else unescape_token(token)


def tag_key(value: Any) -> str:
    """Discriminator values that a dict lookup does not tell apart (1, 1.0, True) share a key."""
    if isinstance(value, bool) or (isinstance(value, float) and value.is_integer()):
        return repr(int(value))
    return repr(value)


def _candidate_tags(doc: dict[str, Any], objects: list[Any]) -> list[str]:
    common = set(single_valued_props(doc, objects[0]))
    for obj in objects[1:]:
        common &= set(single_valued_props(doc, obj))
    return sorted(common, key=lambda p: (p not in _TAG_PREFERENCE, _TAG_PREFERENCE.index(p)
                                         if p in _TAG_PREFERENCE else 0, p))


def leaf_objects(doc: dict[str, Any], node: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The object schemas a union branch stands for (following refs and nested unions)."""
    node = deref(doc, node)
    if not isinstance(node, dict) or depth > 16 or admits_anything(node):
        return []
    for key in ("oneOf", "anyOf"):
        branches = non_null_branches(node.get(key))
        if branches:
            found = [leaf_objects(doc, b, depth + 1) for _, b in branches]
            return [o for group in found for o in group] if all(found) else []
    if node.get("properties"):
        return [node]
    return []


def has_object_branch(doc: dict[str, Any], node: Any, depth: int = 0) -> bool:
    """Whether a schema is an object schema or a union with one among its branches (at any depth),
    so that a caller may pass a plain dict for it."""
    node = deref(doc, node)
    if not isinstance(node, dict) or depth > 16 or admits_anything(node):
        return False
    for key in ("oneOf", "anyOf"):
        branches = non_null_branches(node.get(key))
        if branches:
            return any(has_object_branch(doc, b, depth + 1) for _, b in branches)
    return bool(node.get("properties"))


def single_valued_props(doc: dict[str, Any], node: Any, required_only: bool = True) -> dict[str, Any]:
    """Required properties of an object schema that can hold only one value (with
    `required_only=False`, optional ones too: they name a branch, though they cannot tell it)."""
    node = deref(doc, node)
    if not isinstance(node, dict):
        return {}
    required = set(node.get("required") or ())
    out = {}
    for name, prop in (node.get("properties") or {}).items():
        prop = deref(doc, prop)
        if (required_only and name not in required) or not isinstance(prop, dict):
            continue
        if "const" in prop:
            out[name] = prop["const"]
        elif isinstance(prop.get("enum"), list) and len(prop["enum"]) == 1:
            out[name] = prop["enum"][0]
    return out


@dataclass(frozen=True)
class Declared:
    """A property's schema where an object schema declares it."""

    schema: Any
    pointer: str
    component: str  # the component key of the declaring schema, "" for an inline one


@dataclass(frozen=True)
class UnionLeaf:
    """One shape a oneOf/anyOf schema can take, nested unions and allOf followed: the properties
    it requires (the enclosing schemas' too), in the spec's order, and where each it knows is
    declared (its own declaration first, else an enclosing schema's)."""

    required: tuple[str, ...]
    declared: dict[str, Declared]


def union_leaves(doc: dict[str, Any], node: Any, ptr: str, component: str = "",
                 depth: int = 0) -> list[UnionLeaf]:
    """The shapes a schema's oneOf (else anyOf) stands for; [] when it has none. A branch that
    is no object (a string, `{}`) is a shape that requires nothing."""
    node, ptr, component = _located(doc, node, ptr, component)
    if not isinstance(node, dict) or depth > 16:
        return []
    if "allOf" in node:
        node = merge_all_of(doc, node)  # its properties are declared where the allOf is, as models see them
    required = tuple(r for r in node.get("required") or () if isinstance(r, str))
    props = node.get("properties")
    declared = {str(w): Declared(s, ptr + pointer("properties", w), component)
                for w, s in (props.items() if isinstance(props, dict) else ())}
    for key in ("oneOf", "anyOf"):
        branches = non_null_branches(node.get(key))
        if not branches:
            continue
        leaves = [UnionLeaf((), {})] if admits_anything(node) else []
        for i, branch in branches:
            found = union_leaves(doc, branch, f"{ptr}/{key}/{i}", "", depth + 1)
            leaves += found or [UnionLeaf(*_shape(doc, branch, f"{ptr}/{key}/{i}"))]
        return [UnionLeaf(required + tuple(r for r in leaf.required if r not in required),
                          {**declared, **leaf.declared}) for leaf in leaves]
    return []


def _located(doc: dict[str, Any], node: Any, ptr: str, component: str) -> tuple[Any, str, str]:
    """A schema with its $refs followed, where it is, and the component it is (if one)."""
    for _ in range(64):
        ref = node.get("$ref") if isinstance(node, dict) else None
        if not isinstance(ref, str):
            break
        target = resolve_pointer(doc, ref_pointer(ref))
        if target is MISSING:
            break
        node, ptr, component = target, ref_pointer(ref), component_key(ref) or ""
    return node, ptr, component


def _shape(doc: dict[str, Any], branch: Any, ptr: str) -> tuple[tuple[str, ...], dict[str, Declared]]:
    """(required, declared) of a branch with no union of its own."""
    node, ptr, component = _located(doc, branch, ptr, "")
    if not isinstance(node, dict):
        return (), {}
    if "allOf" in node:
        node = merge_all_of(doc, node)
    props = node.get("properties")
    return (tuple(r for r in node.get("required") or () if isinstance(r, str)),
            {str(w): Declared(s, ptr + pointer("properties", w), component)
             for w, s in (props.items() if isinstance(props, dict) else ())})


def required_by_every_branch(doc: dict[str, Any], schema: Any, ptr: str,
                             component: str = "") -> list[tuple[str, list[Declared | None]]]:
    """The properties that every shape of a schema's oneOf/anyOf requires (in the first shape's
    order), each with its declaration in every shape (None where a shape only requires it)."""
    leaves = union_leaves(doc, schema, ptr, component)
    if not leaves:
        return []
    common = [w for w in leaves[0].required if all(w in leaf.required for leaf in leaves[1:])]
    return [(w, [leaf.declared.get(w) for leaf in leaves]) for w in common]


def branch_literal(doc: dict[str, Any], declared: list[Declared | None]) -> TypeExpr | None:
    """The Literal of the values the declarations allow, when each is a const or an enum (of
    strings, integers and booleans; null makes it `| None`); else None."""
    values: list[Any] = []
    for found in declared:
        schema = deref(doc, found.schema) if found is not None else None
        if not isinstance(schema, dict):
            return None
        if "const" in schema:
            values.append(schema["const"])
        elif isinstance(schema.get("enum"), list) and schema["enum"]:
            values += schema["enum"]
        else:
            return None
    kept = [v for v in values if v is not None]
    if not kept or not all(isinstance(v, (str, int, bool)) for v in kept):
        return None
    expr = literal(kept)
    return expr.or_none() if len(kept) < len(values) else expr


def merge_all_of(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """One object schema from an allOf: properties and required lists unioned in order."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for part in [deref(doc, b) for b in schema.get("allOf", [])] + [schema]:
        if not isinstance(part, dict):
            continue
        if part is not schema and "allOf" in part:
            part = merge_all_of(doc, part)
        props.update(part.get("properties") or {})
        required += [r for r in part.get("required") or [] if r not in required]
    merged = {k: v for k, v in schema.items() if k not in ("allOf", "properties", "required")}
    merged.update(type="object", properties=props, required=required)
    return merged


def null_only(schema: Any) -> bool:
    """`{enum: [null]}`: the schema whose type hint is `None`."""
    enum = schema.get("enum") if isinstance(schema, dict) else None
    return isinstance(enum, list) and enum != [] and all(v is None for v in enum)


def is_nullable(schema: dict[str, Any]) -> bool:
    if schema.get("nullable") is True:
        return True
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        return True
    return any(is_null_branch(b) for key in ("oneOf", "anyOf", "allOf") for b in schema.get(key) or [])


_CONSTRAINT_KEYS = PROSE_KEYS | {"required", "minProperties", "maxProperties", "not"}


def _constraint_only(branch: Any) -> bool:
    """A branch like `{required: [a]}`: it restricts the parent's shape but adds no type."""
    return isinstance(branch, dict) and set(branch) <= _CONSTRAINT_KEYS


def admits_anything(schema: Any) -> bool:
    """A oneOf/anyOf with a branch that constrains nothing (`{}`, or prose only): any value fits."""
    if not isinstance(schema, dict):
        return False
    return any(prose_only(b) for key in ("oneOf", "anyOf") if isinstance(schema.get(key), list)
               for b in schema[key])


def schema_types(schema: dict[str, Any]) -> list[str]:
    types = schema.get("type")
    if isinstance(types, str):
        return [types] if types != "null" else []
    if isinstance(types, list):
        return [t for t in types if t != "null"]
    return []


def literal(values: list[Any]) -> TypeExpr:
    """`Literal[...]`; with several values it is open: unknown strings from a newer API are kept."""
    unique: list[Any] = []
    for v in values:
        if not isinstance(v, (str, int, bool)):
            return ANY  # a float, list or object value: no Literal can hold it
        if repr(v) not in map(repr, unique):
            unique.append(v)
    if not unique:
        return ANY
    plain = f"Literal[{', '.join(repr(v) for v in unique)}]"
    if len(unique) == 1:
        return TypeExpr(plain, frozenset({"Literal"}))
    return TypeExpr(f"Annotated[{plain}, OPEN_ENUM]", frozenset({"Literal", "Annotated", "OPEN_ENUM"}),
                    input_base=plain)


def union(members: list[TypeExpr]) -> TypeExpr:
    codes: list[str] = []
    inputs: list[str] = []
    for m in members:
        if m.code == "Any":
            return ANY
        if m.code not in codes:
            codes.append(m.code)
            inputs.append(m.input_base)
    imports = frozenset().union(*(m.imports for m in members))
    refs = frozenset().union(*(m.refs for m in members))
    nullable = any(m.nullable for m in members)
    code = " | ".join(c.removesuffix(" | None") for c in codes) + (" | None" if nullable else "")
    return TypeExpr(code, imports, refs, nullable, " | ".join(inputs), any(m.accepts_dict for m in members))


def tagged_union(prop: str, members: list[TypeExpr], values: list[list[Any]]) -> TypeExpr:
    """A discriminated union that also accepts members it does not know (as UnknownVariant).

    `OpenUnion` maps every discriminator value (including those of nested unions) to
    the member that carries it; pydantic-core dispatches on it.
    """
    tags: dict[str, str] = {}
    codes: list[str] = []
    for member, member_values in zip(members, values, strict=True):
        code = member.code.removesuffix(" | None")
        if code not in codes:
            codes.append(code)
        tags.update({repr(v): code for v in member_values if isinstance(v, (str, int, bool))})
    mapping = ", ".join(f"{k}: {v}" for k, v in tags.items())
    code = f"Annotated[{' | '.join(codes + ['UnknownVariant'])}, OpenUnion({prop!r}, {{{mapping}}})]"
    plain = union(members)
    imports = plain.imports | {"Annotated", "UnknownVariant", "OpenUnion"}
    return TypeExpr(code, imports, plain.refs, False, plain.input_base, plain.accepts_dict)


def leaf_values(doc: dict[str, Any], branch: Any, prop: str) -> list[Any]:
    """The discriminator values a union branch stands for (one per object it reaches)."""
    return [single_valued_props(doc, obj).get(prop) for obj in leaf_objects(doc, branch)]


def component_pointer(key: str) -> str:
    return "/components/schemas/" + escape_token(key)


def default_fits(doc: dict[str, Any], schema: Any, value: Any, depth: int = 0) -> bool:
    """Whether `value` is of a type the hint made from `schema` accepts, deciding as SchemaTyper does.

    Only types count (no bounds, patterns or formats): a default that fails this would make
    the generated code wrong for mypy and hand callers a value of the wrong type, so it is
    left out. A value of a model class cannot be written as a default (a dict is not an
    instance), so a default for a model never fits.
    """
    schema = deref(doc, schema)
    if depth > 64 or not isinstance(schema, dict):
        return depth <= 64 and schema is not False
    if value is None:
        return is_nullable(schema)
    if admits_anything(schema):
        return True
    for key in ("allOf", "oneOf", "anyOf"):
        branches = non_null_branches(schema.get(key))
        if branches and not all(_constraint_only(b) for _, b in branches):
            if key == "allOf":
                return len(branches) == 1 and default_fits(doc, branches[0][1], value, depth + 1)
            return any(default_fits(doc, b, value, depth + 1) for _, b in branches)
    if "const" in schema and schema["const"] is not None:
        return _same(value, schema["const"])
    if isinstance(schema.get("enum"), list):
        return any(_same(value, v) for v in schema["enum"] if v is not None)
    types = schema_types(schema)
    kinds: list[str | None] = [*types] or [None]
    return any(_typed_fits(doc, kind, schema, value, depth) for kind in kinds)


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values: True is not 1, and 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b) and (type(a) is type(b) or {type(a), type(b)} <= {int, float})


def _typed_fits(doc: dict[str, Any], kind: str | None, schema: dict[str, Any], value: Any, depth: int) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "array" or (kind is None and "items" in schema):
        return isinstance(value, list) and all(default_fits(doc, schema.get("items"), v, depth + 1) for v in value)
    if schema.get("properties"):
        return False  # a model
    if kind == "object" or "additionalProperties" in schema:
        extra = schema.get("additionalProperties")
        if not isinstance(value, dict):
            return False
        return not (isinstance(extra, dict) and extra) or all(default_fits(doc, extra, v, depth + 1)
                                                              for v in value.values())
    return True  # the hint is Any
