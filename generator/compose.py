"""YAML nodes from parser events, built without recursion and within limits.

PyYAML's own composer recurses once per level of nesting (its C version overflows
the C stack, a segmentation fault, somewhere past ten thousand levels), and it
follows aliases without counting what they expand to, so a few hundred bytes can
stand for billions of values ("billion laughs"). This composer builds the same
nodes from libyaml's events in a loop and refuses, with the JSON pointer and
line of the offending node:

- nesting deeper than MAX_DEPTH mappings and lists, aliases included;
- aliases that add more values than the document itself holds (or ALIAS_ALLOWANCE,
  if that is more): what is generated from a spec stays proportional to its size.
  Past MAX_NODES this is refused at once, without reading further;
- aliases that refer to a node containing them (a recursive structure);
- keys that are repeated in one mapping, or that are not plain strings;
- tags the safe constructor would refuse, and a second document in the stream.

Plain scalar keys are read as the text they are (`200:` is the key "200"), as
in JSON, where every key is a string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.problems import Problem, SpecError
from generator.spec import escape_token

MAX_DEPTH = 64  # the deepest published OpenAPI document we know of nests 21 levels
MAX_NODES = 5_000_000  # values in the document once every alias is expanded
ALIAS_ALLOWANCE = 10_000  # values aliases may add to any document, however small

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(slots=True)
class _Anchored:
    node: Node
    line: int
    size: int = 0  # 0 while the node is still open
    height: int = 0


@dataclass(slots=True)
class _Open:
    """A mapping or list being composed."""

    node: MappingNode | SequenceNode
    token: str  # this node's key or index in its parent
    size: int = 1  # values inside, aliases expanded, this node included
    height: int = 1  # levels of nesting inside, this node included
    key: Node | None = None  # a mapping's key waiting for its value
    keys: dict[str, int] = field(default_factory=dict)  # a mapping's keys so far -> line
    anchored: _Anchored | None = None  # set when the node carries an anchor


class Composer:
    """Composes the one document of a stream from `loader`, a PyYAML loader built on CParser."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.stack: list[_Open] = []
        self.anchors: dict[str, _Anchored] = {}
        self.nodes = 0  # values composed so far, aliases expanded
        self.added = 0  # of which aliases added
        self.growth: list[tuple[int, str, int]] = []  # (added so far, pointer, line) at aliases past the allowance
        self.tags: dict[tuple[str, Any], str] = {}  # resolved tags of plain scalars, by (value, implicit)
        self.root: Node | None = None

    def compose(self) -> Node | None:
        get = self.loader.get_event
        get()  # StreamStartEvent
        if isinstance(get(), StreamEndEvent):  # else it was DocumentStartEvent
            return None
        root = self._document()
        extra = get()
        if not isinstance(extra, StreamEndEvent):
            self._fail("", "the file holds more than one YAML document; a spec is one document", extra)
        self._check_growth()
        return root

    def _check_growth(self) -> None:
        """Refuse aliases that add more values than the document holds, at the alias that crossed the line."""
        written = self.nodes - self.added
        limit = max(ALIAS_ALLOWANCE, written)
        if self.added <= limit:
            return
        where, line = next((w, n) for added, w, n in self.growth if added > limit)
        message = (f"aliases add {self.added:,} values to the {written:,} written, more than the document "
                   "itself holds (a YAML alias bomb?)")
        raise SpecError([Problem(where, message, line=line)])

    def _document(self) -> Node:
        get = self.loader.get_event
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                node: Node = self._scalar(event)
                size, height = 1, 0
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self._open(event)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                node, size, height = self._close(event)
            elif kind is AliasEvent:
                node, size, height = self._alias(event)
            else:  # DocumentEndEvent: the root is complete
                assert kind is DocumentEndEvent and self.root is not None
                return self.root
            if not self.stack:
                self.root = node
            else:
                self._attach(node, size, height, event)

    def _scalar(self, event: Any) -> ScalarNode:
        tag = event.tag
        if tag is None or tag == "!":
            key = (event.value, event.implicit)
            tag = self.tags.get(key)
            if tag is None:
                tag = self.tags[key] = self.loader.resolve(ScalarNode, event.value, event.implicit)
            if self._at_key() and tag != MERGE_TAG and event.implicit[0]:
                tag = STR_TAG  # a plain key is its text, as in JSON
        else:
            self._check_tag(tag, event)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        self.nodes += 1
        self._anchor(event, node, size=1, height=0)
        return node

    def _open(self, event: Any) -> None:
        mapping = isinstance(event, MappingStartEvent)
        kind = MappingNode if mapping else SequenceNode
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(kind, None, event.implicit)
        else:
            self._check_tag(tag, event)
        token = self._child_token()
        if len(self.stack) >= MAX_DEPTH:
            self._fail(self._here(), f"nested deeper than {MAX_DEPTH} levels, the most this generator "
                       "accepts", event)
        if self._at_key():
            self._fail(self._pointer(), "a key must be a string, not a mapping or a list", event)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        self.nodes += 1
        self.stack.append(_Open(node, token, anchored=self._anchor(event, node, size=0, height=0)))

    def _close(self, event: Any) -> tuple[Node, int, int]:
        done = self.stack.pop()
        done.node.end_mark = event.end_mark
        if done.anchored is not None:
            done.anchored.size, done.anchored.height = done.size, done.height
        return done.node, done.size, done.height

    def _alias(self, event: Any) -> tuple[Node, int, int]:
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            self._fail(self._here(), f"undefined alias *{event.anchor}", event)
        if anchored.size == 0:
            self._fail(self._here(), f"the alias *{event.anchor} refers to a node that "
                       "contains it; a spec cannot be a recursive structure", event)
        if self._at_key() and not (isinstance(anchored.node, ScalarNode) and anchored.node.tag == STR_TAG):
            self._fail(self._pointer(), f"the key *{event.anchor} is not a string", event)
        self.nodes += anchored.size
        self.added += anchored.size
        if self.added > ALIAS_ALLOWANCE:
            self.growth.append((self.added, self._here(), event.start_mark.line + 1))
        if self.nodes > MAX_NODES:
            self._fail(self._here(), f"aliases expand the document past {MAX_NODES:,} values "
                       "(a YAML alias bomb?)", event)
        if len(self.stack) + anchored.height > MAX_DEPTH:
            self._fail(self._here(), f"the alias *{event.anchor} nests deeper than "
                       f"{MAX_DEPTH} levels, the most this generator accepts", event)
        return anchored.node, anchored.size, anchored.height

    def _anchor(self, event: Any, node: Node, size: int, height: int) -> _Anchored | None:
        name = event.anchor
        if name is None:
            return None
        if name in self.anchors:
            first = self.anchors[name].line
            self._fail(self._here(), f"the anchor &{name} is defined twice (first at line "
                       f"{first})", event)
        anchored = self.anchors[name] = _Anchored(node, event.start_mark.line + 1, size, height)
        return anchored

    def _attach(self, node: Node, size: int, height: int, event: Any) -> None:
        parent = self.stack[-1]
        parent.size += size
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.node, SequenceNode):
            parent.node.value.append(node)
        elif parent.key is None:
            self._check_key(parent, node, event)
            parent.key = node
        else:
            parent.node.value.append((parent.key, node))
            parent.key = None

    def _check_key(self, parent: _Open, key: Node, event: Any) -> None:
        if not isinstance(key, ScalarNode) or key.tag == MERGE_TAG:
            return
        if key.tag != STR_TAG:
            self._fail(self._pointer(), f"the key {key.value!r} is not a string; quote it", event)
        first = parent.keys.get(key.value)
        if first is not None:
            self._fail(self._pointer(key.value), f"duplicate key {key.value!r} (first at line {first})", event)
        parent.keys[key.value] = key.start_mark.line + 1

    def _check_tag(self, tag: str, event: Any) -> None:
        if tag not in self.loader.yaml_constructors:
            shown = tag.replace("tag:yaml.org,2002:", "!!", 1)
            self._fail(self._here(), f"the tag {shown} is not allowed; a spec uses plain "
                       "YAML values only", event)

    def _at_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1].node, MappingNode) and self.stack[-1].key is None

    def _child_token(self) -> str:
        """The key or index the next node will have in the innermost open node ("" at the root)."""
        if not self.stack:
            return ""
        parent = self.stack[-1]
        if isinstance(parent.node, SequenceNode):
            return str(len(parent.node.value))
        key = parent.key
        return str(key.value) if isinstance(key, ScalarNode) else ""

    def _here(self) -> str:
        """The pointer of the node being composed; for a key, that of its mapping."""
        if not self.stack:
            return ""
        return self._pointer() if self._at_key() else self._pointer(self._child_token())

    def _pointer(self, *last: str) -> str:
        tokens = [frame.token for frame in self.stack[1:]] + list(last)
        return "".join("/" + escape_token(t) for t in tokens)

    def _fail(self, where: str, message: str, event: Any) -> NoReturn:
        raise SpecError([Problem(where, message, line=event.start_mark.line + 1)])
