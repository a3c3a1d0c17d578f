"""HTTP runtime for generated clients: requests, transports, retries, pages, streams, errors.

This module is written by hand and copied unchanged into each generated
package; the generated modules only describe requests and call into it.
The sync and async transports share every decision (what to send, whether and
when to retry, which error to raise, how to parse); only the I/O loop differs.
"""

from __future__ import annotations

import base64
import codecs
import dataclasses
import datetime
import functools
import inspect
import json
import logging
import os
import random
import re
import time
import warnings
import weakref
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from types import TracebackType
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Generic,
    Protocol,
    Self,
    SupportsIndex,
    TypeVar,
    overload,
)
from urllib.parse import parse_qsl, quote

import anyio
import httpx
import pydantic
import typing_extensions
from pydantic_core import core_schema

T = TypeVar("T")
ItemT = TypeVar("ItemT")
T_co = TypeVar("T_co", covariant=True)
# The list response a page came from; a default, so `SyncPage[Item]` stays a valid annotation.
ResponseT = typing_extensions.TypeVar("ResponseT", default=Any)

log = logging.getLogger(__name__)

__all__ = [
    "NOT_GIVEN",
    "OPEN_ENUM",
    "APIConnectionError",
    "APIError",
    "APIModel",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBinaryStream",
    "AsyncJSONLines",
    "AsyncPage",
    "AsyncStream",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "BinaryContent",
    "BinaryStream",
    "ConflictError",
    "FileTypes",
    "InternalServerError",
    "JSONLines",
    "NotFoundError",
    "NotGiven",
    "OpenUnion",
    "PageInfo",
    "PathParameterError",
    "PermissionDeniedError",
    "RateLimitError",
    "Request",
    "RequestOptions",
    "SSEDecoder",
    "SequenceNotStr",
    "ServerSentEvent",
    "Stream",
    "StreamError",
    "SyncPage",
    "SyncTransport",
    "UnknownVariant",
    "UnprocessableEntityError",
    "deprecated",
    "format_path",
]


class NotGiven:
    """The type of NOT_GIVEN: an argument the caller left out, so it is not sent at all."""

    _instance: Self | None = None

    def __new__(cls) -> Self:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()

if TYPE_CHECKING:  # type checkers see the standard marker and report deprecated calls
    from typing_extensions import deprecated
else:

    def deprecated(message: str, /) -> Callable[[Any], Any]:
        """At run time, what `typing_extensions.deprecated` does to a function (a DeprecationWarning
        on every call, `__deprecated__` set), without its import of asyncio on Python < 3.12."""

        def decorate(func: Any) -> Any:
            if inspect.iscoroutinefunction(func):

                async def wrapper(*args: Any, **kwargs: Any) -> Any:
                    warnings.warn(message, DeprecationWarning, stacklevel=2)
                    return await func(*args, **kwargs)

            else:

                def wrapper(*args: Any, **kwargs: Any) -> Any:
                    warnings.warn(message, DeprecationWarning, stacklevel=2)
                    return func(*args, **kwargs)

            functools.update_wrapper(wrapper, func)
            wrapper.__deprecated__ = message
            return wrapper

        return decorate


FileContent = bytes | IO[bytes]
FileTypes = (
    FileContent | tuple[str | None, FileContent] | tuple[str | None, FileContent, str | None]
)
"""A file part of a multipart body: its bytes or a binary file, optionally with a name and content type."""

BinaryContent = bytes | bytearray | memoryview | IO[bytes] | Iterable[bytes] | AsyncIterable[bytes]
"""A raw request body (`application/octet-stream`, `image/png`...): bytes, a binary file, or an
iterator of bytes (an async one for the async client). Files and iterators are streamed; a file
that can seek is sent again from where it started when a call is retried, an iterator is not
(a call whose body is an iterator is not retried)."""


class SequenceNotStr(Protocol[T_co]):
    """What a list argument takes: a list, a tuple or any other sequence, but not a `str`.

    `Sequence[str]` would accept `"abc"` too, which the API would get as a string where it
    expects a list; `str.__contains__` takes only a `str`, which keeps `str` (and `bytes`)
    out of this protocol. Being covariant, a `list[dict[str, Any]]` is accepted where the
    items may be models or dicts. (No `index` or `count`: their `value: Any` would let mypy
    infer a list display's items as Any, and accept `[1]` for a list of models.)
    """

    @overload
    def __getitem__(self, index: SupportsIndex, /) -> T_co: ...
    @overload
    def __getitem__(self, index: slice, /) -> Sequence[T_co]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[T_co]: ...
    def __reversed__(self) -> Iterator[T_co]: ...


# ---- forward compatibility ------------------------------------------------------------


class _OpenEnum:
    """Marks an enum `Literal` as open: unknown strings from the server are kept, not rejected.

    The known values are tried first, then any string, inside pydantic-core: no Python
    call per value (a wrap validator doubled the cost of parsing a message list).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [handler(source), core_schema.str_schema()], mode="left_to_right"
        )


OPEN_ENUM = _OpenEnum()


class APIModel(pydantic.BaseModel):
    """The base of every generated model.

    Fields the API adds later are kept (`extra="allow"`); a field can be set by its
    wire name or its Python name; field names may start with `model_`; and each model
    builds its validator on first use (`defer_build`), so importing the package costs
    little and a program pays only for the models it touches.
    """

    model_config = pydantic.ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True
    )


class UnknownVariant(pydantic.BaseModel):
    """A union member this client does not know yet (a newer API); every field is kept."""

    # Built on first use, like the generated models: building it at import would also
    # make pydantic scan every installed distribution for plugins, before any call.
    model_config = pydantic.ConfigDict(extra="allow", defer_build=True)


class OpenUnion:
    """Marks a union as tagged by the property `prop`, and open: a member this client does
    not know (a tag not in `members`) is kept as UnknownVariant instead of being rejected.

    `members` maps every tag value to the member type carrying it. Known tags are
    dispatched inside pydantic-core (a tagged union: no Python call per value); only a
    value the tagged union refuses reaches the UnknownVariant branch, which accepts it
    when its tag is unknown. A known tag with a bad value stays an error.
    """

    def __init__(self, prop: str, members: Mapping[Any, Any]) -> None:
        self.prop = prop
        self.members = dict(members)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        choices = {tag: handler.generate_schema(member) for tag, member in self.members.items()}
        # A dict (or JSON) carries the tag under its wire name; a model instance under the
        # attribute of the field with that alias (`class` -> `class_`): look for both.
        attributes = sorted(
            {
                name
                for member in self.members.values()
                if isinstance(member, type) and issubclass(member, pydantic.BaseModel)
                for name, info in member.model_fields.items()
                if (info.alias or name) == self.prop and name != self.prop
            }
        )
        paths: list[list[str | int]] = [[self.prop]]
        paths += ([name] for name in attributes)
        known = core_schema.tagged_union_schema(choices, paths if attributes else self.prop)
        unknown = core_schema.no_info_after_validator_function(
            self._unknown_only, handler.generate_schema(UnknownVariant)
        )
        return core_schema.union_schema([known, unknown], mode="left_to_right")

    def _unknown_only(self, value: UnknownVariant) -> UnknownVariant:
        tag = (value.model_extra or {}).get(self.prop)
        try:
            known = tag in self.members
        except TypeError:  # an unhashable tag names no member
            known = False
        if known:
            raise ValueError(f"{self.prop}={tag!r} names a known member, but the value is not one")
        return value


# ---- requests -------------------------------------------------------------------------


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


def _field(value: Any, path: str) -> Any:
    """`a.b` of a model or a mapping; None where a step is missing."""
    for step in path.split(".") if path else []:
        value = value.get(step) if isinstance(value, Mapping) else getattr(value, step, None)
        if value is None:
            return None
    return value


Requirements = tuple[tuple[str, ...], ...]  # alternatives, each the schemes sent together


@dataclass(frozen=True)
class Request(Generic[T]):
    """Everything needed to send one API call; built by the operations module, no I/O."""

    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None  # the body's properties, one per keyword argument
    body_value: Any = (
        NOT_GIVEN  # or the whole body, when its schema is not an object with properties
    )
    response_type: Any = None
    page: PageInfo | None = None
    stream_type: Any = None  # the event type when the call streams
    stream_envelope: bool = False  # events are `{event, data}` objects rather than bare data
    headers: Mapping[str, Any] = field(default_factory=dict)  # header parameters
    cookies: Mapping[str, Any] = field(default_factory=dict)  # cookie parameters
    query_styles: Mapping[str, str] = field(
        default_factory=dict
    )  # "csv", "deepObject" or "json"; default: repeat (lists) or spread (mappings)
    body_encoding: str = "json"  # "json", "multipart", "form", "text" or "binary"
    response_kind: str = "json"  # "json", "jsonl", "text", "bytes" or "none"
    body_media: str = ""  # the body's media type as the spec declares it ("" is application/json)
    content_type: Any = NOT_GIVEN  # the caller's choice among the media types the operation takes
    media_encodings: Mapping[str, str] = field(
        default_factory=dict
    )  # the encoding of each media type the caller may choose, where it is not body_encoding's
    part_types: Mapping[str, str] = field(
        default_factory=dict
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

    def form_parts(self) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
        """(fields, files) of a multipart or form body: file-like values go to files."""
        data: dict[str, Any] = {}
        files: list[tuple[str, Any]] = []
        whole = self.body_value if isinstance(self.body_value, Mapping) else {}
        for key, value in (self.body if self.body is not None else whole).items():
            if value is NOT_GIVEN or value is None:
                continue
            items = (
                value if isinstance(value, list) and any(_is_file(v) for v in value) else [value]
            )
            if any(_is_file(v) for v in items):
                files += [(key, v) for v in items]
            else:
                data[key] = _form_value(to_jsonable(value))
        return data, files

    def form_fields(self, extra: Mapping[str, Any]) -> list[str]:
        """A form body's encoded `name=value` texts: properties that the spec's `encoding` gives a
        style are written in it, like query parameters; the others as in form_parts (a list
        repeats the name, an object is JSON text), then `extra`."""
        styles = dict(self.form_styles)
        whole = self.body_value if isinstance(self.body_value, Mapping) else {}
        fields = {**(self.body if self.body is not None else whole), **extra}
        found: list[str] = []
        for key, value in fields.items():
            if value is NOT_GIVEN or value is None:
                continue
            if key in styles:
                found += styled_query(key, value, styles[key])
                continue
            text = _form_value(to_jsonable(value))
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
        return bytes(value)
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
        return value if isinstance(value, AsyncIterable) else _as_async(value)
    if not isinstance(value, Iterable):
        raise TypeError(
            f"a binary body for the sync client takes bytes, a file or an iterator of bytes, "
            f"not {type(value).__name__}"
        )
    return value


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
    data: Mapping[str, Any], files: list[tuple[str, Any]], part_types: Mapping[str, str]
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
        if declared and not isinstance(file, tuple):
            file = (
                os.path.basename(str(getattr(file, "name", "") or "")) or "upload",
                file,
                declared,
            )
        elif declared and len(file) == 2:
            file = (*file, declared)
        parts.append((name, file))
    return parts


def _is_file(value: Any) -> bool:
    return (
        isinstance(value, (bytes, bytearray))
        or hasattr(value, "read")
        or (isinstance(value, tuple) and len(value) >= 2 and _is_file(value[1]))
    )


def _form_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_form_value(v) for v in value]
    if isinstance(value, (dict, bool)) or value is None:
        return json.dumps(value)
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Models become their wire form (aliases, only fields that were set); containers recurse."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8")  # as pydantic writes bytes in JSON
    return value


# ---- parameter styles --------------------------------------------------------------------
#
# OpenAPI's `style` and `explode`, per RFC 6570: the style code a Request carries for a
# parameter is the style's name, with "*" appended when it explodes ("label*", "form").

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
        return [(str(k), _scalar(v)) for k, v in value.items() if v is not None]
    return None


def _list(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple)):
        return [_scalar(v) for v in value if v is not None]
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


# ---- errors ---------------------------------------------------------------------------


class APIError(Exception):
    """Base class of every error the client raises."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class PathParameterError(APIError, ValueError):
    """A path parameter the client will not send (see `format_path`); raised before any I/O."""


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class StreamError(APIError):
    """The server sent an `error` event in the middle of a stream.

    `text` is the event's data as sent and `body` that data parsed as JSON when it is JSON,
    else the text itself; an API key the server echoed there reads `<redacted>` in both.
    """

    def __init__(self, message: str, body: Any, text: str | None = None) -> None:
        super().__init__(message)
        self.body = body
        self.text = text if text is not None else body if isinstance(body, str) else ""


class APIResponseValidationError(APIError):
    """A successful status with a body the client cannot use: not JSON, not the declared type,
    an error object instead of a result, a body that cannot be decoded, a stream that is not
    text/event-stream, or a stream event whose data is not JSON or not its schema.

    `text` is the raw text the server sent (for a stream event, that event's data) and `body`
    that text parsed as JSON when it is JSON, else the text itself. An API key the server
    echoed reads `<redacted>` in both, and in the message; `response` is the raw
    httpx.Response all the same (see APIStatusError).
    """

    def __init__(
        self,
        message: str,
        response: httpx.Response,
        text: str,
        raw: bytes | None = None,
    ) -> None:
        super().__init__(message, response.request)
        self.response = response
        self.status_code = response.status_code
        self.text = text
        is_json, parsed = _try_json(text if raw is None else raw)
        self.body: Any = parsed if is_json else text
        self.request_id = response.headers.get("x-request-id")


class APIStatusError(APIError):
    """The server answered with an error status: 4xx, 5xx, or a 3xx (redirects are not followed).

    `body` is the response parsed as JSON, else its text (None when empty). An API key the
    server echoed reads `<redacted>` in `body` (in any string, list item or dict key, however
    deep) and in the message, str, repr and args. `response` is the raw httpx.Response, left
    as it came: its `.text`, `.content` and `.json()` are what the server sent, an echoed key
    included (its repr shows no body), just as `request.headers` holds the key that was sent
    (httpx masks it in a repr). Show or log `body`, not `response.text`.
    """

    def __init__(self, message: str, response: httpx.Response, body: Any) -> None:
        super().__init__(message, response.request)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = response.headers.get("x-request-id")


class _RedactedCause(Exception):
    """Stands in, in an error's cause chain, for an exception whose text would show the API
    key (a server echoed it): that exception's type name and text, the key redacted (for a
    pydantic ValidationError, its errors without their input values)."""


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422."""


class RateLimitError(APIStatusError):
    """429."""


class InternalServerError(APIStatusError):
    """5xx."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error response (already read), carrying its parsed body."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text or None
    except httpx.ResponseNotRead:  # its body could not be decoded
        body = None
    detail = body.get("error") if isinstance(body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    text = f"HTTP {response.status_code}: {message or response.reason_phrase}"
    if 300 <= response.status_code < 400:
        location = response.headers.get("location")
        text += f" (a redirect to {location!r}; redirects are not followed)"
    cls = _STATUS_ERRORS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(text, response, body)


# ---- parsing --------------------------------------------------------------------------

_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def _adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
    """One TypeAdapter per type, keyed by the type itself: `list[X]` written in a call is a
    new object each time but an equal key (an id() key grew without bound, and could
    hand out a collected type's adapter to a new object that reused its id)."""
    try:
        adapter = _ADAPTERS.get(tp)
    except TypeError:  # an unhashable type expression: build it each time
        return pydantic.TypeAdapter(tp)
    if adapter is None:
        adapter = _ADAPTERS[tp] = pydantic.TypeAdapter(tp)
    return adapter


def result_of(request: Request[Any], response: httpx.Response) -> Any:
    """The call's result: the typed JSON body, raw bytes, text, or None.

    A body that is not JSON or not the declared type raises APIResponseValidationError
    (the content type is not checked: JSON labelled text/plain is still parsed).
    """
    if request.response_kind == "none" or (
        request.allow_empty and (response.status_code in (204, 205) or not response.content.strip())
    ):
        return None
    if request.response_kind == "bytes":
        return response.content
    if request.response_kind == "text":
        return response.text
    try:
        if request.response_kind == "jsonl":
            return [
                parse_response(request.response_type, line)
                for line in response.content.splitlines()
                if line.strip()
            ]
        return parse_response(request.response_type, response.content)
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise unusable_body(response, request.response_type, exc) from exc


def parse_response(response_type: Any, content: bytes) -> Any:
    """Validate a JSON body into the operation's declared type (pydantic.ValidationError if not)."""
    if response_type is None or response_type is type(None):
        return None
    if isinstance(response_type, type) and issubclass(response_type, pydantic.BaseModel):
        return response_type.model_validate_json(content)
    return _adapter(response_type).validate_json(content)


def _try_json(text: str | bytes) -> tuple[bool, Any]:
    """(True, value) when text is JSON (bytes: UTF-8 JSON), else (False, None)."""
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


# A word that may be a credential (letters, digits and base64/URL-safe punctuation).
_CUT_WORD = re.compile(r"[\w\-.~+/=]+\Z")


def _snippet(text: str, limit: int = 200) -> str:
    """repr of text, cut after `limit` characters, never inside a word: a cut key would show
    a piece that its redaction, which looks for the whole key, could not find."""
    if len(text) <= limit:
        return repr(text)
    return repr(_CUT_WORD.sub("", text[:limit]) + "...")


def _error_detail(body: Any) -> str | None:
    """The message of an OpenAI-style `{"error": {...}}` object, or None when body is not one."""
    detail = body.get("error") if isinstance(body, dict) else None
    if not isinstance(detail, dict):
        return None
    return str(detail.get("message") or detail.get("code") or detail.get("type") or "no message")


def _problems(exc: Exception) -> str:
    if isinstance(exc, pydantic.ValidationError):
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        return f"{exc.error_count()} problem(s), the first at {where}: {first['msg']}"
    return str(exc)


def unusable_body(
    response: httpx.Response, response_type: Any, exc: Exception
) -> APIResponseValidationError:
    """The error for a successful response whose body is not the declared JSON type."""
    text = response.text
    status = f"HTTP {response.status_code}"
    is_json, body = _try_json(response.content)
    detail = _error_detail(body) if is_json else None
    if not is_json:
        content_type = response.headers.get("content-type", "none")
        what = f"the body is not JSON (content type {content_type!r}): {_snippet(text)}"
    elif detail is not None:
        what = f"the server sent an error instead of a result: {detail}"
    else:
        name = getattr(response_type, "__name__", None) or repr(response_type)
        what = f"the body did not match {name}: {_problems(exc)}; body: {_snippet(text)}"
    return APIResponseValidationError(f"{status}: {what}", response, text, response.content)


def undecodable_body(response: httpx.Response, exc: Exception) -> APIResponseValidationError:
    encoding = response.headers.get("content-encoding", "none")
    message = (
        f"HTTP {response.status_code}: the body could not be decoded "
        f"(content encoding {encoding!r}): {exc}"
    )
    return APIResponseValidationError(message, response, "")


def read_failure(exc: httpx.HTTPError, response: httpx.Response) -> APIError:
    """The error for an exception while reading a response body (or a stream)."""
    if isinstance(exc, httpx.DecodingError):
        return undecodable_body(response, exc)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError("the response timed out while being read", response.request)
    return APIConnectionError(
        f"the connection broke while the response was read: {type(exc).__name__}",
        response.request,
    )


def _is_event_stream(response: httpx.Response) -> bool:
    """True unless the response declares a media type other than text/event-stream."""
    content_type: str = response.headers.get("content-type", "text/event-stream")
    return content_type.partition(";")[0].strip().lower() == "text/event-stream"


def not_a_stream(response: httpx.Response) -> APIResponseValidationError:
    """The error for a streamed call answered with something other than an event stream."""
    text = response.text
    is_json, body = _try_json(response.content)
    detail = _error_detail(body) if is_json else None
    content_type = response.headers.get("content-type")
    what = f"expected text/event-stream, got {content_type!r}"
    what += f"; the server sent an error: {detail}" if detail else f": {_snippet(text)}"
    return APIResponseValidationError(
        f"HTTP {response.status_code}: {what}", response, text, response.content
    )


# ---- retries --------------------------------------------------------------------------

RETRY_STATUSES = frozenset({408, 409, 429})
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_SERVER_DELAY = 60.0
RETRY_COUNT_HEADER = "x-retry-count"


def retry_delay(attempt: int, response: httpx.Response | None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): the server's word, else backoff."""
    if response is not None:
        told = _retry_after(response.headers)
        if told is not None and 0 <= told <= MAX_SERVER_DELAY:
            return told
    base: float = min(INITIAL_RETRY_DELAY * 2.0 ** min(attempt - 1, 32), MAX_RETRY_DELAY)
    return base * (1.0 - 0.25 * random.random())


def _retry_after(headers: httpx.Headers) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        import email.utils  # only an HTTP-date Retry-After needs it: not paid at import

        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return float(parsed.timestamp() - time.time())


def should_retry(response: httpx.Response) -> bool:
    explicit = response.headers.get("x-should-retry")
    if explicit in ("true", "false"):
        return bool(explicit == "true")
    return response.status_code in RETRY_STATUSES or response.status_code >= 500


# ---- configuration --------------------------------------------------------------------


_SERVER_VARIABLE = re.compile(r"\{([^{}]*)\}")


def resolve_base_url(
    base_url: str | None,
    env_var: str,
    default: str,
    variables: Mapping[str, str | None] | None = None,
    defaults: Mapping[str, str] | None = None,
) -> str:
    """`base_url`, else the environment variable, else the spec's server URL with its
    `{variables}` filled (the values given, else the spec's defaults). A server URL that is
    not absolute (the spec's is relative, or it has none) needs one of the first two."""
    url = base_url or os.environ.get(env_var)
    if not url:
        chosen = {
            **(defaults or {}),
            **{k: v for k, v in (variables or {}).items() if v is not None},
        }
        url = _SERVER_VARIABLE.sub(
            lambda m: quote(chosen.get(m.group(1), m.group(0)), safe=":/@.-_~"), default
        )
        if "://" not in url:
            raise APIError(
                f"the spec's server URL {default!r} is not absolute: pass base_url=... or set {env_var}"
            )
    return url.rstrip("/")


def as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


_REDACTED = "<redacted>"


@dataclass(frozen=True)
class SecurityScheme:
    """One of the spec's security schemes: where its credential goes and what it is called."""

    key: str  # the scheme's name in the spec
    kind: str  # "apiKey", "basic", "bearer", "oauth2", "http" (another Authorization scheme), "mutualTLS"
    location: str = "header"  # "header", "query" or "cookie"
    name: str = "Authorization"  # the header, query parameter or cookie
    scheme: str = ""  # the word before the value in Authorization ("Bearer", "Basic", ...)
    arguments: tuple[str, ...] = ()  # the client's constructor arguments for it
    env_vars: tuple[str, ...] = ()  # where each argument's default is read


S = TypeVar("S")


class _Secret(Generic[S]):
    """Holds a secret so that it never shows in a repr, a str or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: S) -> None:
        self._value = value

    def reveal(self) -> S:
        return self._value

    def __repr__(self) -> str:
        return _REDACTED


class CredentialsError(APIError):
    """An operation needs credentials the client was not given (raised when it is called)."""


class Credentials:
    """The credentials a client was built with, by scheme; decides what each call sends.

    A call sends the first of its requirement's alternatives whose credentials are all
    present (an empty alternative needs none). Values never show in a repr, and every
    value sent is taken out of the errors a call raises (see `scrub`).
    """

    def __init__(
        self,
        client: str,
        schemes: Sequence[SecurityScheme],
        default: Requirements,
        given: Mapping[str, Any],
    ) -> None:
        self._client = client
        self._schemes = {s.key: s for s in schemes}
        self._default = default
        values: dict[str, Any] = {}
        for s in schemes:
            for argument, env_var in zip(s.arguments, s.env_vars):
                value = given.get(argument)
                if value is None:
                    value = os.environ.get(env_var) or None
                if value is not None and value != "":
                    values[argument] = value
        # Held by _Secrets, whose reprs show nothing: the values given, and the secret texts sent
        # lately (tokens from callables too).
        self._values: _Secret[dict[str, Any]] = _Secret(values)
        self._sent: _Secret[dict[str, None]] = _Secret({})
        if any(s.location == "query" and s.kind == "apiKey" for s in schemes):
            _LOG_SCRUBBER.watch(self)

    def __repr__(self) -> str:
        return f"Credentials(schemes={sorted(self._schemes)!r})"

    def _has(self, scheme: SecurityScheme) -> bool:
        return all(a in self._values.reveal() for a in scheme.arguments)

    def chosen(self, requirements: Requirements | None, what: str) -> tuple[SecurityScheme, ...]:
        """The schemes to send for a call (`what` names it in the error when none can be met)."""
        alternatives = self._default if requirements is None else requirements
        if not alternatives:
            return ()
        for alternative in alternatives:
            schemes = [self._schemes[k] for k in alternative if k in self._schemes]
            if all(self._has(s) for s in schemes):
                return tuple(schemes)
        raise CredentialsError(
            f"{what} needs credentials: "
            + "; or ".join(self._needed(alternative) for alternative in alternatives)
        )

    def _needed(self, alternative: tuple[str, ...]) -> str:
        parts = []
        for key in alternative:
            s = self._schemes[key]
            missing = [
                (a, e) for a, e in zip(s.arguments, s.env_vars) if a not in self._values.reveal()
            ]
            if missing:
                given = " and ".join(f"{a}=..." for a, _ in missing)
                envs = " and ".join(e for _, e in missing)
                parts.append(
                    f"the {key!r} scheme: pass {given} to {self._client}(...) or set {envs}"
                )
        return ", with ".join(parts)

    def apply(
        self,
        requirements: Requirements | None,
        what: str,
        headers: httpx.Headers,
        params: list[tuple[str, Any]],
        cookies: dict[str, str],
    ) -> None:
        """Put the credentials of the chosen alternative where their schemes say."""
        for s in self.chosen(requirements, what):
            if not s.arguments:  # mutual TLS: the http_client's certificate does it
                continue
            value = self._text(s)
            self._remember(value)
            if s.location == "query":
                params.append((s.name, value))
            elif s.location == "cookie":
                cookies[s.name] = value
            else:
                headers[s.name] = f"{s.scheme} {value}" if s.scheme else value

    def _text(self, s: SecurityScheme) -> str:
        if s.kind == "basic":
            username, password = (str(self._values.reveal()[a]) for a in s.arguments)
            self._remember(password)
            return base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        value = self._values.reveal()[s.arguments[0]]
        return str(value() if callable(value) else value)

    def _remember(self, secret: str) -> None:
        sent = self._sent.reveal()
        sent[secret] = None
        while len(sent) > 16:  # a callable's tokens: the older ones have expired
            del sent[next(iter(sent))]

    def secrets(self) -> list[str]:
        """Every credential text this client holds or has sent lately, longest first; those
        sent in a URL also as they are written there."""
        found = {str(v) for v in self._values.reveal().values() if isinstance(v, str)} | set(
            self._sent.reveal()
        )
        found |= {quote(v, safe="") for v in found}
        return sorted(found, key=len, reverse=True)

    def scrub(self, exc: BaseException) -> None:
        """Take every credential out of an error (see `_scrub_chain`); a value shorter than
        8 characters is not a real secret and is left alone."""
        if not isinstance(exc, APIError):
            return
        for secret in self.secrets():
            if len(secret) >= 8:
                _scrub_chain(exc, secret)


class _LogScrubber(logging.Filter):
    """Takes API keys sent in the query string out of httpx's request log lines."""

    def __init__(self) -> None:
        super().__init__()
        self._watched: weakref.WeakSet[Credentials] = weakref.WeakSet()

    def watch(self, credentials: Credentials) -> None:
        if not self._watched:
            logging.getLogger("httpx").addFilter(self)
        self._watched.add(credentials)

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [s for c in list(self._watched) for s in c.secrets() if len(s) >= 8]
        if secrets:
            text = record.getMessage()
            if any(s in text for s in secrets):
                for s in secrets:
                    text = text.replace(s, _REDACTED)
                record.msg, record.args = text, None
        return True


_LOG_SCRUBBER = _LogScrubber()


def _scrub_chain(exc: APIError, key: str) -> None:
    """Scrub every APIError in exc's chain, and replace each other exception there that
    would show the key (see _stand_in) by its stand-in, keeping the chain's shape."""
    links = _chain(exc)
    mentioned = False
    for link in links:
        if isinstance(link, APIError):
            mentioned = _scrub_error(link, key) or mentioned
    made: dict[int, BaseException] = {}
    for link in links:
        stand_in = _stand_in(link, key, mentioned)
        if stand_in is not None:
            made[id(link)] = stand_in
    if not made:
        return
    for link in links:
        target = made.get(id(link), link)
        suppress = link.__suppress_context__  # setting __cause__ would set it
        target.__cause__ = made.get(id(link.__cause__), link.__cause__)
        target.__context__ = made.get(id(link.__context__), link.__context__)
        target.__suppress_context__ = suppress


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and every exception reachable from it through causes and contexts, each once."""
    links: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        links.append(link)
        todo += [link.__cause__, link.__context__]
    return links


def _scrub_error(exc: APIError, key: str) -> bool:
    """Redact the key in exc's message; in its `text` and `body` too when its raw text holds
    the key (the only case where they can). True when the raw text held it."""
    mentioned = any(_mentions(text, key) for text in _sources(exc))
    if mentioned or _mentions(exc.message, key):
        exc.message = _redact(exc.message, key)
        exc.args = (exc.message,)
    if not mentioned:
        return False
    if isinstance(exc, (APIStatusError, APIResponseValidationError, StreamError)):
        exc.body = _redacted_json(exc.body, key)
    if isinstance(exc, (APIResponseValidationError, StreamError)):
        exc.text = _redact(exc.text, key)
    return True


def _sources(exc: APIError) -> list[str]:
    """The raw texts an error's body and text were made from: its `text`, a body that is
    text, and the response's bytes decoded as json.loads decodes them (UTF-8, -16 or -32)."""
    found = [exc.text] if isinstance(exc, (APIResponseValidationError, StreamError)) else []
    body = getattr(exc, "body", None)
    if isinstance(body, str):
        found.append(body)
    response = getattr(exc, "response", None)
    if isinstance(response, httpx.Response) and not isinstance(body, str):
        try:
            content = response.content
        except httpx.ResponseNotRead:  # a stream, or a body that could not be decoded
            return found
        found.append(content.decode(json.detect_encoding(content), "replace"))
    return found


def _mentions(text: str, key: str) -> bool:
    return key in text or (_has_escapes(text) and _escaped_key(key).search(text) is not None)


def _redact(text: str, key: str) -> str:
    text = text.replace(key, _REDACTED)
    return _escaped_key(key).sub(_REDACTED, text) if _has_escapes(text) else text


def _has_escapes(text: str) -> bool:
    """Whether text has the JSON escapes that could spell a key (see _escaped_key)."""
    return "\\u" in text or "\\/" in text


def _escaped_key(key: str) -> re.Pattern[str]:
    """The key as JSON text may spell it, and a repr of that text show it: any character
    as `\\u` and four hex digits of either case, a `/` as `\\/`, the backslash doubled or not."""
    parts = []
    for char in key:
        forms = [re.escape(char)]
        if ord(char) < 0x10000:
            forms.append(r"\\+u" + "".join(f"[{d}{d.upper()}]" for d in f"{ord(char):04x}"))
        if char == "/":
            forms.append(r"\\+/")
        parts.append("(?:" + "|".join(forms) + ")")
    return re.compile("".join(parts))


def _redacted_json(value: Any, key: str) -> Any:
    """A JSON value with the key redacted in every string, dict keys included, at any depth
    (a loop, not recursion: as deep as json.loads went). Containers are changed in place,
    keeping their order; two dict keys that become one keep the later value."""
    if isinstance(value, str):
        return _redact(value, key)
    todo, seen = [value], set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            node.update((_leaf(k, key, todo), _leaf(v, key, todo)) for k, v in items)
        elif isinstance(node, list):
            node[:] = [_leaf(item, key, todo) for item in node]
    return value


def _leaf(value: Any, key: str, todo: list[Any]) -> Any:
    """A string redacted; a container queued for _redacted_json; anything else as it is."""
    if isinstance(value, str):
        return _redact(value, key)
    if isinstance(value, (dict, list)):
        todo.append(value)
    return value


def _stand_in(link: BaseException, key: str, mentioned: bool) -> _RedactedCause | None:
    """What replaces `link` in a chain: None when its text cannot show the key. A pydantic
    ValidationError shows (parts of) the body it validated, so it is replaced whenever the
    body held the key (`mentioned`); any other exception when its text holds the key."""
    if isinstance(link, APIError):
        return None
    if isinstance(link, pydantic.ValidationError):
        if not mentioned:
            return None
        text = _errors_without_input(link)
    else:
        text = _text_of(link)
        if not _mentions(text, key):
            return None
    name = f"{type(link).__module__}.{type(link).__qualname__}"
    stand_in = _RedactedCause(f"{name}: {_redact(text, key)}")
    stand_in.__traceback__ = link.__traceback__
    return stand_in


def _errors_without_input(exc: pydantic.ValidationError, shown: int = 10) -> str:
    """What str() of a ValidationError says, without the input values (which pydantic cuts
    short, so that a key in them could show in part)."""
    lines = [f"{exc.error_count()} validation error(s) for {exc.title}"]
    for error in exc.errors(include_url=False, include_input=False, include_context=False)[:shown]:
        where = ".".join(str(part) for part in error["loc"]) or "the top level"
        lines.append(f"{where}: {error['msg']} [type={error['type']}]")
    if exc.error_count() > shown:
        lines.append(f"... and {exc.error_count() - shown} more")
    return "\n".join(lines)


def _text_of(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - a broken __str__ shows nothing, key included
        return ""


class BaseTransport:
    """What the sync and async transports share: building requests and every retry decision."""

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        headers: Mapping[str, str] | httpx.Headers,
        max_retries: int,
        timeout: float | httpx.Timeout | None,
    ) -> None:
        self.base_url = base_url
        self._credentials = credentials
        self.headers = httpx.Headers(headers)
        self.max_retries = max_retries
        self.timeout = as_timeout(timeout)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        request: Request[Any],
        options: RequestOptions,
    ) -> httpx.Request:
        fragments = request.query_fragments()
        if options.extra_query:  # a name given here replaces the documented parameter's value
            extra = Request("GET", "", options.extra_query).query_fragments()
            replaced = {name for name, _ in extra}
            fragments = [pair for pair in fragments if pair[0] not in replaced] + extra
        params: list[tuple[str, Any]] = []  # credentials sent in the query
        headers = httpx.Headers(self.headers)  # names are case-insensitive: later ones replace
        cookies = request.cookie_params()
        self._credentials.apply(
            request.security, f"{request.method} {request.path}", headers, params, cookies
        )
        headers.update(request.header_params())
        if "Accept" not in self.headers:  # default_headers may choose one for every call
            headers["Accept"] = request.accept
        if request.is_streaming():
            headers["Accept"] = "text/event-stream"
        content, data, files = self._body(
            request, options, headers, isinstance(http, httpx.AsyncClient)
        )
        headers.update(options.extra_headers or {})
        timeout = (
            self.timeout if isinstance(options.timeout, NotGiven) else as_timeout(options.timeout)
        )
        if request.url:  # a next-page link: its own query, and credentials sent in the query
            url = httpx.URL(request.url)
            query = "&".join(filter(None, [url.query.decode("ascii")] + styled_pairs(params)))
        else:
            url = httpx.URL(self.base_url + request.path)
            query = "&".join([text for _, text in fragments] + styled_pairs(params))
        return http.build_request(
            request.method,
            url.copy_with(query=query.encode("ascii")) if query else url,
            content=content,
            data=data,
            files=files,
            headers=headers,
            cookies=cookies or None,
            timeout=timeout,
        )

    @staticmethod
    def _body(
        request: Request[Any], options: RequestOptions, headers: httpx.Headers, is_async: bool
    ) -> tuple[Any, dict[str, Any] | None, list[tuple[str, Any]] | None]:
        """(content, form fields, multipart parts) for the request body, in the media type the
        caller chose or the spec's first; extra_body joins the fields of a JSON or form body."""
        media, encoding = request.media()
        if encoding in ("binary", "text"):
            return raw_body(request, headers, is_async), None, None
        extra = {k: to_jsonable(v) for k, v in (options.extra_body or {}).items()}
        if encoding == "form" and request.form_styles:
            headers["Content-Type"] = media or "application/x-www-form-urlencoded"
            return "&".join(request.form_fields(extra)).encode("ascii"), None, None
        if encoding in ("multipart", "form"):
            data, files = request.form_parts()
            data.update({k: _form_value(v) for k, v in extra.items()})
            if encoding == "form":
                return None, data or None, None
            parts = multipart_parts(data, files, request.part_types)
            return None, None, parts or None
        body = request.json_body()
        if extra:
            body = {**(body or {}), **extra}
        if body is None:
            return None, None, None
        headers["Content-Type"] = media or "application/json"
        return json.dumps(body, separators=(",", ":")).encode(), None, None

    def _retries(self, options: RequestOptions) -> int:
        return (
            self.max_retries if isinstance(options.max_retries, NotGiven) else options.max_retries
        )

    def _next_delay(
        self,
        attempt: int,
        retries: int,
        built: httpx.Request,
        response: httpx.Response | None,
        error: Exception | None,
    ) -> float:
        """Seconds to wait before trying again; raises the final error when there is no retry left."""
        if response is not None and not should_retry(response):
            raise status_error(response)
        if attempt >= retries:
            if response is not None:
                raise status_error(response)
            if isinstance(error, httpx.TimeoutException):
                raise APITimeoutError("the request timed out", built) from error
            raise APIConnectionError(f"connection failed: {type(error).__name__}", built) from error
        delay = retry_delay(attempt + 1, response)
        what = f"HTTP {response.status_code}" if response is not None else type(error).__name__
        log.info(
            "retrying %s %s after %s in %.2fs",
            built.method,
            built.url.path,
            what,
            delay,
        )
        return delay

    @staticmethod
    def _mark_attempt(built: httpx.Request, attempt: int) -> None:
        built.headers[RETRY_COUNT_HEADER] = str(attempt)


DEFAULT_TIMEOUT = 600.0


def choose_timeout(
    timeout: float | httpx.Timeout | None | NotGiven,
    http_client: httpx.Client | httpx.AsyncClient | None,
) -> float | httpx.Timeout | None:
    """An explicit timeout wins; else a client you passed in keeps its own; else the default."""
    if not isinstance(timeout, NotGiven):
        return timeout
    return http_client.timeout if http_client is not None else DEFAULT_TIMEOUT


class SyncTransport(BaseTransport):
    """Sends Requests over one httpx.Client, with retries."""

    def __init__(
        self,
        *,
        http_client: httpx.Client | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        **config: Any,
    ) -> None:
        super().__init__(timeout=choose_timeout(timeout, http_client), **config)
        self._owns_client = http_client is None
        self.http = http_client or httpx.Client(timeout=self.timeout, follow_redirects=False)

    def send(self, request: Request[T], options: RequestOptions = DEFAULT_OPTIONS) -> T:
        try:
            response = self._send(request, options, stream=False)
            return result_of(request, response)  # type: ignore[no-any-return]
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    def page(
        self, request: Request[ResponseT], options: RequestOptions = DEFAULT_OPTIONS
    ) -> SyncPage[Any, ResponseT]:
        try:
            response = self._send(request, options, stream=False)
            result = result_of(request, response)
        except APIError as exc:
            self._credentials.scrub(exc)
            raise
        return SyncPage(self, request, options, result, response.headers)

    def stream(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> Stream[Any]:
        try:
            response = self._send(request, options, stream=True)
            if not _is_event_stream(response):
                try:
                    self._read(response)
                except httpx.TransportError as exc:
                    raise read_failure(exc, response) from exc
                raise not_a_stream(response)
        except APIError as exc:
            self._credentials.scrub(exc)
            raise
        return Stream(
            response, request.stream_type, request.stream_envelope, scrub=self._credentials.scrub
        )

    def download(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> BinaryStream:
        """The response body as a BinaryStream, read as it arrives."""
        try:
            return BinaryStream(self._send(request, options, stream=True))
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    def lines(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> JSONLines[Any]:
        """A JSON-lines response as typed items, read as they arrive."""
        try:
            return JSONLines(self._send(request, options, stream=True), request.response_type)
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    def _send(self, request: Request[Any], options: RequestOptions, stream: bool) -> httpx.Response:
        """The first 2xx response (read in full unless `stream`); raises the final error."""
        built = self._build(self.http, request, options)
        retries = self._retries(options) if request.replayable() else 0
        attempt = 0
        while True:
            self._mark_attempt(built, attempt)
            response: httpx.Response | None = None
            error: Exception | None = None
            try:
                response = self.http.send(built, stream=True)
                if not (stream and response.is_success):
                    self._read(response)
            except httpx.TransportError as exc:
                error, response = exc, None
            if response is not None and response.is_success:
                return response
            delay = self._next_delay(attempt, retries, built, response, error)
            time.sleep(delay)
            attempt += 1

    @staticmethod
    def _read(response: httpx.Response) -> None:
        """Read the whole body and release the connection. A broken connection raises the
        httpx.TransportError (retried); a 2xx body that cannot be decoded raises
        APIResponseValidationError, while an error status keeps deciding what happens next."""
        try:
            response.read()
        except httpx.DecodingError as exc:
            if response.is_success:
                raise undecodable_body(response, exc) from exc
        finally:
            response.close()

    def close(self) -> None:
        if self._owns_client:
            self.http.close()


class AsyncTransport(BaseTransport):
    """Sends Requests over one httpx.AsyncClient, with retries."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        **config: Any,
    ) -> None:
        super().__init__(timeout=choose_timeout(timeout, http_client), **config)
        self._owns_client = http_client is None
        self.http = http_client or httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

    async def send(self, request: Request[T], options: RequestOptions = DEFAULT_OPTIONS) -> T:
        try:
            response = await self._send(request, options, stream=False)
            return result_of(request, response)  # type: ignore[no-any-return]
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    async def page(
        self, request: Request[ResponseT], options: RequestOptions = DEFAULT_OPTIONS
    ) -> AsyncPage[Any, ResponseT]:
        try:
            response = await self._send(request, options, stream=False)
            result = result_of(request, response)
        except APIError as exc:
            self._credentials.scrub(exc)
            raise
        return AsyncPage(self, request, options, result, response.headers)

    async def stream(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> AsyncStream[Any]:
        try:
            response = await self._send(request, options, stream=True)
            if not _is_event_stream(response):
                try:
                    await self._read(response)
                except httpx.TransportError as exc:
                    raise read_failure(exc, response) from exc
                raise not_a_stream(response)
        except APIError as exc:
            self._credentials.scrub(exc)
            raise
        return AsyncStream(
            response, request.stream_type, request.stream_envelope, scrub=self._credentials.scrub
        )

    async def download(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> AsyncBinaryStream:
        """The response body as an AsyncBinaryStream, read as it arrives."""
        try:
            return AsyncBinaryStream(await self._send(request, options, stream=True))
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    async def lines(
        self, request: Request[Any], options: RequestOptions = DEFAULT_OPTIONS
    ) -> AsyncJSONLines[Any]:
        """A JSON-lines response as typed items, read as they arrive."""
        try:
            return AsyncJSONLines(
                await self._send(request, options, stream=True), request.response_type
            )
        except APIError as exc:
            self._credentials.scrub(exc)
            raise

    async def _send(
        self, request: Request[Any], options: RequestOptions, stream: bool
    ) -> httpx.Response:
        """The first 2xx response (read in full unless `stream`); raises the final error."""
        built = self._build(self.http, request, options)
        retries = self._retries(options) if request.replayable() else 0
        attempt = 0
        while True:
            self._mark_attempt(built, attempt)
            response: httpx.Response | None = None
            error: Exception | None = None
            try:
                response = await self.http.send(built, stream=True)
                if not (stream and response.is_success):
                    await self._read(response)
            except httpx.TransportError as exc:
                error, response = exc, None
            if response is not None and response.is_success:
                return response
            delay = self._next_delay(attempt, retries, built, response, error)
            await anyio.sleep(delay)
            attempt += 1

    @staticmethod
    async def _read(response: httpx.Response) -> None:
        """Read the whole body and release the connection (see SyncTransport._read)."""
        try:
            await response.aread()
        except httpx.DecodingError as exc:
            if response.is_success:
                raise undecodable_body(response, exc) from exc
        finally:
            await response.aclose()

    async def close(self) -> None:
        if self._owns_client:
            await self.http.aclose()


# ---- pagination -----------------------------------------------------------------------


class _PageBase(Generic[ItemT, ResponseT]):
    def __init__(
        self,
        transport: Any,
        request: Request[ResponseT],
        options: RequestOptions,
        response: ResponseT,
        headers: httpx.Headers | None = None,
    ) -> None:
        self._transport = transport
        self._request = request
        self._options = options
        self.response = response  # the typed list response, e.g. ListMessagesResponse
        self._headers = headers or httpx.Headers()
        info = request.page or PageInfo("after", "last_id")
        self._info = info
        items = _field(response, info.items_field) if info.items_field else response
        self.data: list[ItemT] = list(items or []) if isinstance(items, (list, tuple)) else []
        more = _field(response, info.has_more_field) if info.has_more_field else None
        self.has_more: bool = bool(more) if more is not None else bool(self.data)

    def _next_request(self) -> Request[ResponseT] | None:
        info, query = self._info, self._request.query
        if not self.has_more or not self.data:
            return None
        if info.style in ("link", "next-url"):
            url = self._next_url()
            return dataclasses.replace(self._request, url=url) if url else None
        if info.style == "offset":
            limit = query.get(info.limit_param) if info.limit_param else None
            if isinstance(limit, int) and len(self.data) < limit:
                return None
            offset = query.get(info.cursor_param)
            value: Any = (offset if isinstance(offset, int) else 0) + len(self.data)
        elif info.style == "page":
            number = query.get(info.cursor_param)
            value = (number if isinstance(number, int) else info.start) + 1
        else:
            value = _field(self.response, info.cursor_field)
            if value is None or value == "":
                return None
        return dataclasses.replace(self._request, query={**query, info.cursor_param: value})

    def _next_url(self) -> str:
        """The next page's URL: from the Link header or the response field, made absolute."""
        if self._info.style == "link":
            found = httpx.Response(200, headers=self._headers).links.get("next", {}).get("url", "")
        else:
            found = _field(self.response, self._info.cursor_field) or ""
        if not isinstance(found, str) or not found:
            return ""
        base = self._request.url or self._transport.base_url + self._request.path
        return str(httpx.URL(base).join(found))

    def _next_options(self) -> RequestOptions:
        """The cursor decides later pages: an `extra_query` value for it applies to the first only
        (and none to a next-page link, which carries its whole query)."""
        extra = self._options.extra_query
        if extra and self._info.style in ("link", "next-url"):
            return dataclasses.replace(self._options, extra_query=None)
        if not extra or self._info.cursor_param not in extra:
            return self._options
        rest = {k: v for k, v in extra.items() if k != self._info.cursor_param}
        return dataclasses.replace(self._options, extra_query=rest or None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(items={len(self.data)}, has_more={self.has_more})"


class SyncPage(_PageBase[ItemT, ResponseT]):
    """One page of a list; `auto_paging_iter()` (or iterating the page) walks every later page lazily."""

    def next_page(self) -> SyncPage[ItemT, ResponseT] | None:
        request = self._next_request()
        if request is None:
            return None
        page: SyncPage[ItemT, ResponseT] = self._transport.page(request, self._next_options())
        return page

    def auto_paging_iter(self) -> Iterator[ItemT]:
        page: SyncPage[ItemT, ResponseT] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()

    def __iter__(self) -> Iterator[ItemT]:
        return self.auto_paging_iter()


class AsyncPage(_PageBase[ItemT, ResponseT]):
    """One page of a list; `async for` over `auto_paging_iter()` (or the page) walks every later page."""

    async def next_page(self) -> AsyncPage[ItemT, ResponseT] | None:
        request = self._next_request()
        if request is None:
            return None
        page: AsyncPage[ItemT, ResponseT] = await self._transport.page(
            request, self._next_options()
        )
        return page

    async def auto_paging_iter(self) -> AsyncIterator[ItemT]:
        page: AsyncPage[ItemT, ResponseT] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self.auto_paging_iter()


# ---- server-sent events ---------------------------------------------------------------


@dataclass(frozen=True)
class ServerSentEvent:
    event: str | None
    data: str
    id: str | None = None
    retry: int | None = None


_LINE_END = re.compile(r"\r\n|\r|\n")


class SSEDecoder:
    """An incremental text/event-stream parser (WHATWG rules): feed bytes in any chunks, get events."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._started = False
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        text = self._pending + self._text.decode(chunk)
        if not self._started and text:
            text = text.removeprefix("\ufeff")
            self._started = True
        events: list[ServerSentEvent] = []
        start = 0
        for end in _LINE_END.finditer(text):
            if end.group() == "\r" and end.end() == len(text):
                break  # maybe the first half of "\r\n": wait for the next chunk
            event = self._line(text[start : end.start()])
            start = end.end()
            if event is not None:
                events.append(event)
        self._pending = text[start:]
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: a line ended by a final "\r" still counts; an unfinished event is dropped."""
        rest = self._pending + self._text.decode(b"", final=True)
        self._pending = ""
        event = self._line(rest[:-1]) if rest.endswith("\r") else None
        return [event] if event is not None else []

    def _line(self, line: str) -> ServerSentEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        """A blank line: the buffered event, or None when it had no `data` line (WHATWG)."""
        event = None
        if self._data:
            event = ServerSentEvent(self._event, "\n".join(self._data), self._id, self._retry)
        self._event, self._data, self._retry = None, [], None
        return event


class _Closing:
    """A response read as it arrives: close it, or use a `with` block, to release the connection."""

    response: httpx.Response

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _AsyncClosing:
    """The same for the async client: `await close()`, or an `async with` block."""

    response: httpx.Response

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class _StreamBase(Generic[T]):
    """What the sync and async streams share: decoding, typing, and mapping read errors.

    The stream ends at `[DONE]`, or cleanly at the end of the body without one (an event
    left unfinished there is dropped, as WHATWG says). A read timeout raises APITimeoutError,
    a connection that breaks mid-body APIConnectionError, an `error` event StreamError, and
    data that is not JSON or not its event's schema APIResponseValidationError.
    """

    def __init__(
        self,
        response: httpx.Response,
        event_type: Any,
        envelope: bool,
        *,
        scrub: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.response = response
        self._event_type = event_type
        self._envelope = envelope
        self._scrub = scrub
        self._decoder = SSEDecoder()
        self._done = False

    def _convert(self, sse: ServerSentEvent) -> tuple[bool, T | None]:
        """(finished, event): `[DONE]` finishes, an `error` event raises, anything else is typed."""
        if sse.data == "[DONE]":
            return True, None
        if self._event_type is ServerSentEvent:  # no schema: the events as they come
            return False, sse  # type: ignore[return-value]
        if sse.event == "error":
            body = _json_or_text(sse.data)
            detail = body.get("error", body) if isinstance(body, dict) else body
            message = detail.get("message") if isinstance(detail, dict) else str(detail)
            raise StreamError(
                f"the server reported an error in the stream: {message}", body, sse.data
            )
        is_json, data = _try_json(sse.data)
        if not is_json:
            raise APIResponseValidationError(
                f"stream event {sse.event!r}: the data is not JSON: {_snippet(sse.data)}",
                self.response,
                sse.data,
            )
        value = {"event": sse.event, "data": data} if self._envelope else data
        try:  # an event type this client does not know comes back as UnknownVariant, not here
            return False, _adapter(self._event_type).validate_python(value)
        except pydantic.ValidationError as exc:
            raise APIResponseValidationError(
                f"stream event {sse.event!r} did not match its schema: {_problems(exc)}",
                self.response,
                sse.data,
            ) from exc

    def _failed(self, exc: BaseException) -> None:
        """Before an error leaves the stream: scrub the API key from its message."""
        if self._scrub is not None:
            self._scrub(exc)

    def _events(self, sses: list[ServerSentEvent]) -> Iterator[T]:
        for sse in sses:
            finished, event = self._convert(sse)
            if finished:
                self._done = True
                return
            if event is not None:
                yield event


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


class Stream(_StreamBase[T], _Closing):
    """Typed events of a streamed response: iterate it, and close it (or use `with`) when done."""

    def __iter__(self) -> Iterator[T]:
        try:
            chunks = self.response.iter_bytes()
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except httpx.HTTPError as exc:
                    raise read_failure(exc, self.response) from exc
                yield from self._events(self._decoder.feed(chunk))
                if self._done:
                    return
            yield from self._events(self._decoder.close())
        except APIError as exc:
            self._failed(exc)
            raise
        finally:
            self.close()


class AsyncStream(_StreamBase[T], _AsyncClosing):
    """Typed events of a streamed response: `async for` over it, and close it (or `async with`)."""

    async def __aiter__(self) -> AsyncIterator[T]:
        try:
            chunks = self.response.aiter_bytes()
            while True:
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except httpx.HTTPError as exc:
                    raise read_failure(exc, self.response) from exc
                for event in self._events(self._decoder.feed(chunk)):
                    yield event
                if self._done:
                    return
            for event in self._events(self._decoder.close()):
                yield event
        except APIError as exc:
            self._failed(exc)
            raise
        finally:
            await self.close()


class _BodyStream:
    """What the binary and JSON-lines streams share: the response, and typed line parsing."""

    def __init__(self, response: httpx.Response, item_type: Any = None) -> None:
        self.response = response
        self._item_type = item_type

    @property
    def content_type(self) -> str | None:
        value: str | None = self.response.headers.get("content-type")
        return value

    def _item(self, line: str) -> Any:
        try:
            return parse_response(self._item_type, line.encode("utf-8"))
        except ValueError as exc:
            raise APIResponseValidationError(
                f"a line of the response did not match its schema: {_problems(exc)}",
                self.response,
                line,
            ) from exc


class BinaryStream(_BodyStream, _Closing):
    """A binary response read as it arrives, never held whole in memory: iterate it for
    chunks of bytes, or `write_to(path)`; close it (or use `with`) to release the connection."""

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        try:
            yield from self.response.iter_bytes(chunk_size)
        except httpx.HTTPError as exc:
            raise read_failure(exc, self.response) from exc
        finally:
            self.close()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()

    def write_to(self, path: str | os.PathLike[str]) -> int:
        """Write the body to a file as it arrives; returns the number of bytes written."""
        written = 0
        with open(path, "wb") as fh:
            for chunk in self.iter_bytes():
                written += fh.write(chunk)
        return written


class AsyncBinaryStream(_BodyStream, _AsyncClosing):
    """BinaryStream for the async client: `async for chunk in stream`, `await write_to(path)`."""

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.HTTPError as exc:
            raise read_failure(exc, self.response) from exc
        finally:
            await self.close()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def write_to(self, path: str | os.PathLike[str]) -> int:
        """Write the body to a file as it arrives; returns the number of bytes written."""
        written = 0
        async with await anyio.open_file(path, "wb") as fh:
            async for chunk in self.iter_bytes():
                written += await fh.write(chunk)
        return written


class JSONLines(_BodyStream, _Closing, Generic[T]):
    """A JSON-lines response (one JSON value per line) read as it arrives: iterate it for the
    typed items; close it (or use `with`) to release the connection."""

    def __iter__(self) -> Iterator[T]:
        try:
            for line in self.response.iter_lines():
                if line.strip():
                    yield self._item(line)
        except httpx.HTTPError as exc:
            raise read_failure(exc, self.response) from exc
        finally:
            self.close()


class AsyncJSONLines(_BodyStream, _AsyncClosing, Generic[T]):
    """JSONLines for the async client: `async for item in lines`."""

    async def __aiter__(self) -> AsyncIterator[T]:
        try:
            async for line in self.response.aiter_lines():
                if line.strip():
                    yield self._item(line)
        except httpx.HTTPError as exc:
            raise read_failure(exc, self.response) from exc
        finally:
            await self.close()
