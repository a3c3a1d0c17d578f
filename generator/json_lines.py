"""Where a JSON pointer's node is written in JSON text: its 1-based line.

The text is walked with the json module's own scanner. Only the containers on the
way to a wanted pointer are entered; every other value is passed over by the C
scanner in one call, so a lookup costs about one parse of the text. An object's
member is placed at the line of its key; an array item at the line where it starts.
A pointer to something missing gets the line of its nearest ancestor that exists
(where the missing thing belongs). A pointer whose way passes a `$ref` (a validator
reports paths through them) is followed to the reference's target, as
`load.yaml_lines` does for YAML.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import WHITESPACE, scanstring  # type: ignore[attr-defined]
from typing import Any

from generator.spec import escape_token, on_the_way, ref_pointer

_MAX_REF_HOPS = 16
_NEWLINE = re.compile("\n")


def json_lines(raw: bytes, pointers: list[str]) -> dict[str, int]:
    """1-based line numbers of the nodes at these JSON pointers in a JSON text ({} if it cannot be read)."""
    if not pointers:
        return {}
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        return _Lookup(text).lines(pointers)
    except (ValueError, IndexError, StopIteration, RecursionError):  # not JSON after all: no lines, never a failure
        return {}


class _Lookup:
    def __init__(self, text: str) -> None:
        self.text = text
        self.scan_once: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
        self._newlines: list[int] | None = None

    def lines(self, pointers: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        wanted = {p: p for p in pointers}  # the pointer asked for -> where to look for it now
        for _ in range(_MAX_REF_HOPS):
            if not wanted:
                break
            lines, refs = self.walk(set(wanted.values()))
            wanted = self._place(wanted, lines, refs, found)
        return found

    @staticmethod
    def _place(wanted: dict[str, str], lines: dict[str, int], refs: dict[str, str],
               found: dict[str, int]) -> dict[str, str]:
        """Record the pointers placed; return those to look for again at their `$ref`'s target."""
        again: dict[str, str] = {}
        for asked, at in wanted.items():
            near = at
            while near and near not in lines:
                near = near.rpartition("/")[0]
            ref = refs.get(near)
            if near != at and ref is not None and ref.startswith("#"):
                again[asked] = ref_pointer(ref) + at[len(near):]
            elif near in lines:
                found[asked] = lines[near]
        return again

    def walk(self, pointers: set[str]) -> tuple[dict[str, int], dict[str, str]]:
        """The lines of the nodes on the way to these pointers, and the `$ref`s of the objects on it."""
        on_way = on_the_way(pointers)
        lines: dict[str, int] = {}
        refs: dict[str, str] = {}
        start = WHITESPACE.match(self.text, 0).end()
        self._value(start, "", self.line(start), on_way, lines, refs)
        return lines, refs

    def _value(self, pos: int, at: str, line: int, on_way: set[str], lines: dict[str, int],
               refs: dict[str, str]) -> int:
        """Read the value at `pos` (whose pointer is `at`); return where it ends."""
        if at not in on_way:
            return int(self.scan_once(self.text, pos)[1])
        lines[at] = line
        char = self.text[pos]
        if char == "{":
            return self._object(pos + 1, at, on_way, lines, refs)
        if char == "[":
            return self._array(pos + 1, at, on_way, lines, refs)
        return int(self.scan_once(self.text, pos)[1])

    def _object(self, pos: int, at: str, on_way: set[str], lines: dict[str, int], refs: dict[str, str]) -> int:
        text = self.text
        pos = self._skip(pos)
        if text[pos] == "}":
            return pos + 1
        while True:
            key_line = self.line(pos)
            key, pos = scanstring(text, pos + 1)
            pos = self._skip(self._skip(pos) + 1)  # past the colon
            if key == "$ref" and text[pos] == '"':
                refs[at], _ = scanstring(text, pos + 1)
            pos = self._skip(self._value(pos, at + "/" + escape_token(key), key_line, on_way, lines, refs))
            if text[pos] == "}":
                return pos + 1
            pos = self._skip(pos + 1)  # past the comma

    def _array(self, pos: int, at: str, on_way: set[str], lines: dict[str, int], refs: dict[str, str]) -> int:
        text = self.text
        pos = self._skip(pos)
        if text[pos] == "]":
            return pos + 1
        index = 0
        while True:
            pos = self._skip(self._value(pos, f"{at}/{index}", self.line(pos), on_way, lines, refs))
            if text[pos] == "]":
                return pos + 1
            pos = self._skip(pos + 1)
            index += 1

    def _skip(self, pos: int) -> int:
        return int(WHITESPACE.match(self.text, pos).end())

    def line(self, pos: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
        return bisect.bisect_left(self._newlines, pos) + 1
