"""Media types: how a request body of each is encoded, and what kind of result a response is.

Every media type a spec can declare has a meaning here, so no body is dropped for its type:
JSON (and `+json`), form-urlencoded and multipart take the body's properties as arguments;
text (`text/*`, XML, YAML) takes a `str`; anything else (`application/octet-stream`,
`image/png`, `*/*`...) is raw binary and takes bytes, a file or an iterator of bytes.
"""

from __future__ import annotations

JSON, FORM, MULTIPART, TEXT, BINARY = "json", "form", "multipart", "text", "binary"
PROPERTY_ENCODINGS = frozenset({JSON, FORM, MULTIPART})  # a body whose properties are the arguments
SSE = "text/event-stream"
JSON_LINES = frozenset({"application/x-ndjson", "application/jsonl", "application/x-jsonlines",
                        "application/jsonlines", "application/x-json-stream", "application/json-lines"})
_TEXTUAL = frozenset({"application/xml", "application/yaml", "application/x-yaml", "application/toml",
                      "application/javascript", "application/graphql", "application/sql", "application/csv",
                      "application/x-www-form-urlencoded+text"})


def base(media: str) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`."""
    return media.split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    found = base(media)
    return found == "application/json" or found.endswith("+json")


def is_json_lines(media: str) -> bool:
    return base(media) in JSON_LINES


def is_text(media: str) -> bool:
    found = base(media)
    return (found.startswith("text/") and found != SSE) or found in _TEXTUAL or found.endswith(("+xml", "+yaml"))


def body_encoding(media: str) -> str:
    """How a request body of this media type is sent: json, form, multipart, text or binary."""
    found = base(media)
    if is_json(found):
        return JSON
    if found == "application/x-www-form-urlencoded":
        return FORM
    if found.startswith("multipart/"):
        return MULTIPART
    return TEXT if is_text(found) else BINARY


def wildcard(media: str) -> bool:
    """`*/*` or `image/*`: the caller names the real type."""
    return "*" in base(media)


DEFAULT_ACCEPT = "application/json"  # what the runtime sends when an operation says nothing else


def accept(success: list[str], others: list[str]) -> str:
    """The Accept header for an operation whose successes are declared in the media types
    `success` and its other responses in `others`: each once, the successes' first, JSON first
    in each group (`application/json` before `+json` types); `*/*` when none is declared."""
    found: list[str] = []
    for group in (success, others):
        types = [t for t in dict.fromkeys(base(t) for t in group if base(t)) if t not in found]
        found += sorted(types, key=lambda t: 0 if t == "application/json" else 1 if is_json(t) else 2)
    return ", ".join(found) or "*/*"
