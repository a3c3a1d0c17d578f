"""Changes to a loaded spec that leave the loaded spec as it was.

The document a run loads is shared: the overlays and filters may hand it on as it is,
and its text is what the validation cache is keyed on. `Editor` copies only the
containers on the way to each change (once each) and shares everything else with the
original, so repairing or pruning a large spec costs about the size of the changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.spec import unescape_token


class Editor:
    """Copy-on-write edits: `doc` is the edited document, `original` is never changed."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.original = doc
        self.doc = doc
        self._own: dict[int, Any] = {}  # id -> a container this editor made (held, so no id is reused)

    @property
    def changed(self) -> bool:
        return self.doc is not self.original

    def node(self, tokens: Sequence[Any]) -> Any:
        """The container at `tokens` (dict keys, list indexes), ready to change: it and every
        container on the way are this editor's own copies. Raises LookupError when it is not there."""
        self.doc = self._owned(self.doc)
        node: Any = self.doc
        for token in tokens:
            child = node[token]
            if not isinstance(child, (dict, list)):
                raise LookupError(token)  # noqa: TRY004 - a path that is not there, as for a missing key
            if id(child) not in self._own:
                child = self._owned(child)
                node[token] = child
            node = child
        return node

    def _owned(self, value: Any) -> Any:
        if id(value) in self._own:
            return value
        copy: Any = dict(value) if isinstance(value, dict) else list(value)
        self._own[id(copy)] = copy
        return copy


def tokens_of(doc: Any, ptr: str) -> list[Any] | None:
    """The raw tokens of a JSON pointer into `doc` (list indexes as ints); None when it leads nowhere."""
    tokens: list[Any] = []
    node = doc
    for raw in ptr.split("/")[1:] if ptr else ():
        token: Any = unescape_token(raw)
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            token = int(token)
        elif not (isinstance(node, dict) and token in node):
            return None
        tokens.append(token)
        node = node[token]
    return tokens
