"""Requests as the spec describes them, and their wire form: parameter styles (OpenAPI's
`style` and `explode`, per RFC 6570: a Request carries a parameter's style as its name,
with "*" appended when it explodes), JSON, form, multipart, text and binary bodies.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import IO, Any, Generic, cast
from urllib.parse import parse_qsl, quote

import httpx

from .auth import Requirements
from .core import NOT_GIVEN, FileTypes, NotGiven, T, to_jsonable
from .errors import PathParameterError

__all__ = [
    "DEFAULT_OPTIONS",
    "PageInfo",
    "Request",
    "RequestOptions",
    "binary_content",
    "form_value",
    "format_path",
    "multipart_parts",
    "raw_body",
    "styled_header_value",
    "styled_pairs",
    "styled_path_value",
    "styled_query",
]


@dataclass(frozen=True)
class PageInfo:
    """How a list operation pages (`style`):

    - "cursor": the response's `cursor_field` (a dotted path) holds the next page's value of the
      query parameter `cursor_param`; no value (or `has_more_field` false) ends the list;
    - "offset": `cursor_param` is an offset, moved on by the items received; a page shorter than
      the `limit_param` sent, or an empty one, ends it;
    - "page": `cursor_param` is a page number, counted up from `start`; an empty page ends it;
    - "link": the response's `Link` header with rel="next" is the next page's URL;
    - "next-url": the response's `cursor_field` is the next page's URL.

    `items_field` (a dotted path) holds the items; "" when the response is the list itself.
    """

    cursor_param: str
    cursor_field: str = ""
    items_field: str = "data"
    has_more_field: str = "has_more"
    style: str = "cursor"
    limit_param: str = ""
    start: int = 1


@dataclass(frozen=True)
class Request(Generic[T]):
    """Everything needed to send one API call; built by the operations module, no I/O."""

    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict[str, Any])
    body: Mapping[str, Any] | None = None  # the body's properties, one per keyword argument
    body_value: Any = (
        NOT_GIVEN  # or the whole body, when its schema is not an object with properties
    )
    response_type: Any = None
    page: PageInfo | None = None
    stream_type: Any = None  # the event type when the call streams
    stream_envelope: bool = False  # events are `{event, data}` objects rather than bare data
    headers: Mapping[str, Any] = field(default_factory=dict[str, Any])  # header parameters
    cookies: Mapping[str, Any] = field(default_factory=dict[str, Any])  # cookie parameters
    query_styles: Mapping[str, str] = field(
        default_factory=dict[str, str]
    )  # "csv", "deepObject" or "json"; default: repeat (lists) or spread (mappings)
    body_encoding: str = "json"  # "json", "multipart", "form", "text" or "binary"
    response_kind: str = "json"  # "json", "jsonl", "text", "bytes" or "none"
    body_media: str = ""  # the body's media type as the spec declares it ("" is application/json)
    content_type: Any = NOT_GIVEN  # the caller's choice among the media types the operation takes
    media_encodings: Mapping[str, str] = field(
        default_factory=dict[str, str]
    )  # the encoding of each media type the caller may choose, where it is not body_encoding's
    part_types: Mapping[str, str] = field(
        default_factory=dict[str, str]
    )  # multipart: the content type the spec's `encoding` gives a part
    allow_empty: bool = False  # a 2xx without a body (a declared 204, say) returns None
    url: str = ""  # a whole URL to send to instead of base_url + path + query (a next-page link)
    security: Requirements | None = None  # the operation's own security; None: the API's
    header_styles: Sequence[tuple[str, str]] = ()  # (header, "simple*") where objects explode
    query_reserved: Sequence[str] = ()  # query parameters whose reserved characters go as they are
    form_styles: Sequence[
        tuple[str, str]
    ] = ()  # form body: (property, query style) its encoding gives
    accept: str = "application/json"  # the Accept header: the media types of the declared responses

    def media(self) -> tuple[str, str]:
        """(content type, encoding) of the body: the caller's choice, else the spec's first."""
        if isinstance(self.content_type, str) and self.content_type:
            chosen = self.content_type
            base = chosen.split(";")[0].strip().lower()
            return chosen, self.media_encodings.get(base, self.body_encoding)
        return self.body_media, self.body_encoding

    def replayable(self) -> bool:
        """Whether the body can be sent again for a retry: anything but a raw body given as an
        iterator, or as a file that cannot seek back to where it started."""
        value = self.body_value
        if self.media()[1] not in ("binary", "text") or isinstance(
            value, (NotGiven, type(None), str, bytes, bytearray, memoryview)
        ):
            return True
        return hasattr(value, "read") and _seekable(value)

    def query_params(self) -> list[tuple[str, str]]:
        """The query string as decoded (name, value) pairs in order, read back from
        query_fragments (the one place it is written); omitted values vanish."""
        return [
            pair
            for _, text in self.query_fragments()
            for pair in parse_qsl(text, keep_blank_values=True)
        ]

    def json_body(self) -> Any:
        """The JSON body: omitted arguments are left out, explicit None becomes null."""
        if self.body_value is not NOT_GIVEN:
            return to_jsonable(self.body_value)
        if self.body is None:
            return None
        return {k: to_jsonable(v) for k, v in self.body.items() if v is not NOT_GIVEN}

    def query_fragments(self) -> list[tuple[str, str]]:
        """(parameter, encoded `name=value` text) in order, as query_params pairs them; each
        value is percent-encoded but for the separators its style puts between values (`,` of
        form without explode), and reserved characters stay where the spec allows them."""
        reserved = set(self.query_reserved)
        found: list[tuple[str, str]] = []
        for key, value in self.query.items():
            if value is NOT_GIVEN or value is None:
                continue
            style = self.query_styles.get(key, "")
            found += [(key, text) for text in styled_query(key, value, style, key in reserved)]
        return found

    def header_params(self) -> dict[str, str]:
        styles = dict(self.header_styles)
        return {
            k: styled_header_value(v, styles.get(k, "simple"))
            for k, v in self.headers.items()
            if v is not NOT_GIVEN and v is not None
        }

    def cookie_params(self) -> dict[str, str]:
        return {
            k: styled_header_value(v, "form")
            for k, v in self.cookies.items()
            if v is not NOT_GIVEN and v is not None
        }

    def _properties(self) -> Mapping[str, Any]:
        """The body's properties: its keyword arguments, else the whole body if it is an object."""
        if self.body is not None:
            return self.body
        value = self.body_value
        return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else {}

    def form_parts(self) -> tuple[dict[str, str | list[Any]], list[tuple[str, FileTypes]]]:
        """(fields, files) of a multipart or form body: file-like values go to files."""
        data: dict[str, str | list[Any]] = {}
        files: list[tuple[str, FileTypes]] = []
        for key, value in self._properties().items():
            if value is NOT_GIVEN or value is None:
                continue
            items: list[Any] = [value]
            if isinstance(value, list):
                listed = cast("list[FileTypes]", value)
                if any(_is_file(v) for v in listed):  # a list of files: a part for each
                    items = listed
            if any(_is_file(v) for v in items):
                files += [(key, v) for v in items]
            else:
                data[key] = form_value(to_jsonable(value))
        return data, files

    def form_fields(self, extra: Mapping[str, Any]) -> list[str]:
        """A form body's encoded `name=value` texts: properties that the spec's `encoding` gives a
        style are written in it, like query parameters; the others as in form_parts (a list
        repeats the name, an object is JSON text), then `extra`."""
        styles = dict(self.form_styles)
        fields = {**self._properties(), **extra}
        found: list[str] = []
        for key, value in fields.items():
            if value is NOT_GIVEN or value is None:
                continue
            if key in styles:
                found += styled_query(key, value, styles[key])
                continue
            text = form_value(to_jsonable(value))
            found += [
                f"{_enc(key)}={_enc(v)}" for v in (text if isinstance(text, list) else [text])
            ]
        return found

    def is_streaming(self) -> bool:
        """Whether the answer is an event stream: always (`sse`), or when `stream=True` is sent."""
        if self.stream_type is None:
            return False
        return self.response_kind == "sse" or (
            self.body is not None and self.body.get("stream") is True
        )


def _seekable(file: Any) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


_CHUNK = 64 * 1024


class _FileChunks:
    """A seekable binary file as chunks of bytes from where it stood when the call was made.
    Iterated again (the same request sent again on a retry), it starts over from there."""

    def __init__(self, file: IO[bytes], start: int) -> None:
        self._file = file
        self._start = start

    def __iter__(self) -> Iterator[bytes]:
        self._file.seek(self._start)
        while chunk := self._file.read(_CHUNK):
            yield chunk


class _AsyncFileChunks(_FileChunks):
    """The same for the async client, which takes only async iterables (the reads block)."""

    __iter__ = None  # type: ignore[assignment]  # an async iterable only: httpx must not take it as sync

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self._file.seek(self._start)
        while chunk := self._file.read(_CHUNK):
            yield chunk


def _file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(_CHUNK):
        yield chunk


async def _as_async(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def binary_content(value: Any, headers: httpx.Headers, is_async: bool) -> Any:
    """What httpx sends for a raw body: bytes as they are; a file or an iterator streamed.

    A file that can seek is sent from where it stands, with its Content-Length, and again
    from there on a retry; any other file or iterator is read once, in chunks.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(cast("bytes | bytearray | memoryview[int]", value))
    if isinstance(value, str):
        raise TypeError("a binary body takes bytes, a binary file or an iterator of bytes, not str")
    if hasattr(value, "read"):
        if _seekable(value):
            start = value.tell()
            headers["Content-Length"] = str(value.seek(0, os.SEEK_END) - start)
            value.seek(start)
            return _AsyncFileChunks(value, start) if is_async else _FileChunks(value, start)
        value = _file_chunks(value)
    if is_async:
        if isinstance(value, AsyncIterable):
            return cast("AsyncIterable[bytes]", value)
        return _as_async(value)
    if not isinstance(value, Iterable):
        raise TypeError(
            f"a binary body for the sync client takes bytes, a file or an iterator of bytes, "
            f"not {type(value).__name__}"
        )
    return cast("Iterable[bytes]", value)


def raw_body(request: Request[Any], headers: httpx.Headers, is_async: bool) -> Any:
    """The content of a text or binary body, with its Content-Type; None when there is none."""
    value = request.body_value
    if value is NOT_GIVEN or value is None:
        return None
    media, encoding = request.media()
    if encoding == "text":
        if not media or "*" in media:
            media = "text/plain"
        if isinstance(value, str):
            if media.startswith("text/") and "charset" not in media.lower():
                media += "; charset=utf-8"
            value = value.encode("utf-8")
        headers["Content-Type"] = media
        return binary_content(value, headers, is_async)
    headers["Content-Type"] = media if media and "*" not in media else "application/octet-stream"
    return binary_content(value, headers, is_async)


def multipart_parts(
    data: Mapping[str, str | list[Any]],
    files: list[tuple[str, FileTypes]],
    part_types: Mapping[str, str],
) -> list[tuple[str, Any]]:
    """Every part of a multipart body as httpx `files` entries, so that a body without a file is
    multipart too: fields as parts without a file name (objects as JSON, or the type the spec's
    `encoding` gives them), files with the declared type where they do not bring their own."""
    parts: list[tuple[str, Any]] = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, (None, item.encode("utf-8"), part_types.get(name))))
    for name, file in files:
        declared = part_types.get(name)
        if declared:
            if not isinstance(file, tuple):
                file = (
                    os.path.basename(str(getattr(file, "name", "") or "")) or "upload",
                    file,
                    declared,
                )
            elif len(file) == 2:
                file = (*file, declared)
        parts.append((name, file))
    return parts


def _is_file(value: Any) -> bool:
    if isinstance(value, (bytes, bytearray)) or hasattr(value, "read"):
        return True
    if isinstance(value, tuple):  # (file name, file, ...)
        entry = cast("tuple[object, ...]", value)
        return len(entry) >= 2 and _is_file(entry[1])
    return False


def form_value(value: Any) -> str | list[Any]:
    if isinstance(value, list):
        return [form_value(v) for v in cast("list[object]", value)]
    if isinstance(value, (dict, bool)) or value is None:
        return json.dumps(value)
    return str(value)


_RESERVED = ":/?#[]@!$&'()*+,;="  # RFC 3986 gen-delims and sub-delims


def _scalar(value: Any) -> str:
    """A primitive as parameter text: booleans as true/false, dates in ISO 8601, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _enc(text: str, reserved: bool = False) -> str:
    """Percent-encode all but the unreserved characters (and the reserved ones when allowed)."""
    return quote(text, safe=_RESERVED if reserved else "")


def _items(value: Any) -> list[tuple[str, str]] | None:
    """An object's (key, text) pairs, None for anything that is not an object."""
    if isinstance(value, Mapping):
        mapping = cast("Mapping[object, object]", value)
        return [(str(k), _scalar(v)) for k, v in mapping.items() if v is not None]
    return None


def _list(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple)):
        return [_scalar(v) for v in cast("Sequence[object]", value) if v is not None]
    return None


def styled_path_value(name: str, value: Any, style: str) -> str:
    """The text that replaces `{name}` in a path, encoded, for style simple, label or matrix."""
    explode = style.endswith("*")
    kind = style.rstrip("*") or "simple"
    value = to_jsonable(value)
    pairs, items = _items(value), _list(value)
    if kind == "matrix":
        if pairs is not None:
            if explode:
                return "".join(f";{_enc(k)}={_enc(v)}" for k, v in pairs)
            return f";{_enc(name)}=" + ",".join(f"{_enc(k)},{_enc(v)}" for k, v in pairs)
        if items is not None:
            if explode:
                return "".join(f";{_enc(name)}={_enc(v)}" for v in items) or f";{_enc(name)}"
            return (
                f";{_enc(name)}=" + ",".join(_enc(v) for v in items) if items else f";{_enc(name)}"
            )
        text = _scalar(value)
        return f";{_enc(name)}={_enc(text)}" if text else f";{_enc(name)}"
    joined = _joined(value, pairs, items, explode, "." if kind == "label" and explode else ",")
    return ("." + joined) if kind == "label" else joined


def _joined(
    value: Any,
    pairs: list[tuple[str, str]] | None,
    items: list[str] | None,
    explode: bool,
    separator: str,
) -> str:
    if pairs is not None:
        if explode:
            return separator.join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)
        return ",".join(f"{_enc(k)},{_enc(v)}" for k, v in pairs)
    if items is not None:
        return separator.join(_enc(v) for v in items)
    return _enc(_scalar(value))


_SEPARATORS = {"csv": ",", "space": "%20", "pipe": "%7C"}


def styled_pairs(pairs: Sequence[tuple[str, Any]]) -> list[str]:
    """Encoded `name=value` texts of plain pairs (credentials sent in the query)."""
    return [f"{_enc(name)}={_enc(_scalar(value))}" for name, value in pairs]


def styled_query(name: str, value: Any, style: str, reserved: bool = False) -> list[str]:
    """Encoded `name=value` texts of one query parameter: style "" is form exploded (a list
    repeats the name, an object spreads its keys), "csv", "space" and "pipe" join the values (an
    object's as key, value, ...), "deepObject" writes `name[key]=value`, "json" the JSON text."""

    def enc(text: str) -> str:
        return _enc(text, reserved)

    value = to_jsonable(value)
    if style == "json":
        return [f"{_enc(name)}={enc(json.dumps(value, separators=(',', ':'), ensure_ascii=False))}"]
    pairs, items = _items(value), _list(value)
    if style == "deepObject" and pairs is not None:
        return [f"{_enc(f'{name}[{k}]')}={enc(v)}" for k, v in pairs]
    separator = _SEPARATORS.get(style)
    if pairs is not None:
        if separator is None:
            return [f"{_enc(k)}={enc(v)}" for k, v in pairs]
        return [f"{_enc(name)}=" + separator.join(f"{enc(k)}{separator}{enc(v)}" for k, v in pairs)]
    if items is not None:
        if separator is None:
            return [f"{_enc(name)}={enc(v)}" for v in items]
        return [f"{_enc(name)}=" + separator.join(enc(v) for v in items)]
    return [f"{_enc(name)}={enc(_scalar(value))}"]


def styled_header_value(value: Any, style: str) -> str:
    """A header's text: style simple, arrays comma-joined, objects `k,v,...` (or `k=v,...`
    exploded); no percent-encoding beyond what keeps the value one header line."""
    value = to_jsonable(value)
    pairs, items = _items(value), _list(value)
    if pairs is not None:
        if style.endswith("*"):
            return ",".join(f"{k}={v}" for k, v in pairs)
        return ",".join(f"{k},{v}" for k, v in pairs)
    if items is not None:
        return ",".join(items)
    return _scalar(value)


_DOT_SEGMENTS = frozenset({".", ".."})


def format_path(
    template: str, params: Mapping[str, Any], styles: Sequence[tuple[str, str]] = ()
) -> str:
    """Fill `{name}` slots with percent-encoded values, so no value can change the path's shape.

    Each value is written in its parameter's style (`styles`: name -> "label", "matrix*"...;
    default "simple"): a list comma-joined, an object as `k,v` pairs, booleans as true/false.
    Every character outside the unreserved set is encoded (`/`, `?`, `#`, `%`, spaces, CR/LF,
    non-ASCII), so each value stays one segment. Values that would still move the request
    elsewhere are refused before anything is sent: None, "" (the segment would vanish), and
    "." and ".." (dot segments: httpx removes them, and servers and proxies collapse them
    even when sent as `%2E%2E`).
    """
    chosen = dict(styles)
    path = template
    for name, value in params.items():
        if value is None:
            raise PathParameterError(f"path parameter {name!r} must not be None")
        text = styled_path_value(name, value, chosen.get(name, "simple"))
        if text == "":
            raise PathParameterError(f"path parameter {name!r} must not be empty")
        if text in _DOT_SEGMENTS:
            raise PathParameterError(
                f"path parameter {name!r} must not be {text!r}: it would change the request path"
            )
        path = path.replace("{" + name + "}", text)
    return path


@dataclass(frozen=True)
class RequestOptions:
    """Per-call settings that override the client's for one request."""

    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None
    extra_body: Mapping[str, Any] | None = None
    timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN


DEFAULT_OPTIONS = RequestOptions()
