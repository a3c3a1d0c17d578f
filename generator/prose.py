"""Spec prose for generated code: picked, flattened, and made safe inside string literals."""

from __future__ import annotations

import re
from typing import Any

from generator.spec import non_null_branches


def describe(node: Any) -> str:
    """The node's prose; for `anyOf: [X, null]` wrappers, X's prose when the wrapper has none."""
    if not isinstance(node, dict):
        return ""
    text = node.get("description") or node.get("summary") or node.get("title") or ""
    if not text:
        for key in ("anyOf", "oneOf", "allOf"):
            branches = non_null_branches(node.get(key))
            if len(branches) == 1:
                return describe(branches[0][1])
    return text if isinstance(text, str) else ""


def operation_doc(op: dict[str, Any]) -> str:
    summary, description = op.get("summary") or "", op.get("description") or ""
    parts = [p for p in (summary, description) if isinstance(p, str) and p.strip()]
    return "\n\n".join(dict.fromkeys(p.strip() for p in parts))


def one_line(text: str) -> str:
    return " ".join(text.split())


# Line breaks to str.splitlines() (and so to tools that read source by lines) besides \n, \r and controls.
_LINE_BREAKS = frozenset("\x85\u2028\u2029")


def doc_text(text: str) -> str:
    """Spec prose made safe inside a triple-quoted string: backslashes, quotes and control
    characters are escaped, so nothing the spec says can end the string or run as code."""
    return _UNSAFE.sub(_escape, text.strip().replace("\r\n", "\n"))


# What doc_text escapes: backslash, double quote, and every control character but newline and tab.
_UNSAFE = re.compile('[\\\\"\x00-\x08\x0b-\x1f\x7f' + "".join(sorted(_LINE_BREAKS)) + "]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch == "\\":
        return "\\\\"
    if ch == '"':
        return '\\"'
    return f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"


def doc_literal(text: str) -> str:
    """A docstring literal for spec prose, or "" when there is none."""
    safe = doc_text(text)
    return f'"""{safe}"""' if safe else ""
