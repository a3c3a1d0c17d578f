"""Responses read as they arrive: server-sent events, binary bodies and JSON lines."""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import (
    AsyncIterator,
    Callable,
    Iterator,
)
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self

import anyio
import httpx
import pydantic

from .core import T
from .encoding import DEFAULT_OPTIONS, Request, RequestOptions
from .errors import (
    APIError,
    APIResponseValidationError,
    StreamError,
    describe_problems,
    is_event_stream,
    json_object,
    not_a_stream,
    read_failure,
    snippet,
    try_json,
)
from .transport import AsyncTransport, SyncTransport, parse_response, type_adapter

__all__ = [
    "AsyncBinaryStream",
    "AsyncJSONLines",
    "AsyncStream",
    "BinaryStream",
    "JSONLines",
    "SSEDecoder",
    "ServerSentEvent",
    "Stream",
]


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
            error = json_object(body)
            detail = error.get("error", body) if error is not None else body
            fields = json_object(detail)
            message = fields.get("message") if fields is not None else str(detail)
            raise StreamError(
                f"the server reported an error in the stream: {message}", body, sse.data
            )
        is_json, data = try_json(sse.data)
        if not is_json:
            raise APIResponseValidationError(
                f"stream event {sse.event!r}: the data is not JSON: {snippet(sse.data)}",
                self.response,
                sse.data,
            )
        value = {"event": sse.event, "data": data} if self._envelope else data
        try:  # an event type this client does not know comes back as UnknownVariant, not here
            return False, type_adapter(self._event_type).validate_python(value)
        except pydantic.ValidationError as exc:
            raise APIResponseValidationError(
                f"stream event {sse.event!r} did not match its schema: {describe_problems(exc)}",
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

    @classmethod
    def open(
        cls,
        transport: SyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> Stream[Any]:
        """Send a streamed request; its events as they arrive (an answer that is not an event
        stream raises APIResponseValidationError)."""
        try:
            response = transport.response(request, options, stream=True)
            if not is_event_stream(response):
                try:
                    transport.read(response)
                except httpx.TransportError as exc:
                    raise read_failure(exc, response) from exc
                raise not_a_stream(response)
        except APIError as exc:
            transport.scrub(exc)
            raise
        return cls(response, request.stream_type, request.stream_envelope, scrub=transport.scrub)

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

    @classmethod
    async def open(
        cls,
        transport: AsyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> AsyncStream[Any]:
        """Send a streamed request; its events as they arrive (see Stream.open)."""
        try:
            response = await transport.response(request, options, stream=True)
            if not is_event_stream(response):
                try:
                    await transport.read(response)
                except httpx.TransportError as exc:
                    raise read_failure(exc, response) from exc
                raise not_a_stream(response)
        except APIError as exc:
            transport.scrub(exc)
            raise
        return cls(response, request.stream_type, request.stream_envelope, scrub=transport.scrub)

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
                f"a line of the response did not match its schema: {describe_problems(exc)}",
                self.response,
                line,
            ) from exc


class BinaryStream(_BodyStream, _Closing):
    """A binary response read as it arrives, never held whole in memory: iterate it for
    chunks of bytes, or `write_to(path)`; close it (or use `with`) to release the connection."""

    @classmethod
    def open(
        cls,
        transport: SyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> BinaryStream:
        """Send the request; its body read as it arrives."""
        try:
            return cls(transport.response(request, options, stream=True))
        except APIError as exc:
            transport.scrub(exc)
            raise

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

    @classmethod
    async def open(
        cls,
        transport: AsyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> AsyncBinaryStream:
        """Send the request; its body read as it arrives."""
        try:
            return cls(await transport.response(request, options, stream=True))
        except APIError as exc:
            transport.scrub(exc)
            raise

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

    @classmethod
    def open(
        cls,
        transport: SyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> JSONLines[Any]:
        """Send the request; its body read as it arrives."""
        try:
            return cls(transport.response(request, options, stream=True), request.response_type)
        except APIError as exc:
            transport.scrub(exc)
            raise

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

    @classmethod
    async def open(
        cls,
        transport: AsyncTransport,
        request: Request[Any],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> AsyncJSONLines[Any]:
        """Send the request; its body read as it arrives."""
        try:
            return cls(
                await transport.response(request, options, stream=True), request.response_type
            )
        except APIError as exc:
            transport.scrub(exc)
            raise

    async def __aiter__(self) -> AsyncIterator[T]:
        try:
            async for line in self.response.aiter_lines():
                if line.strip():
                    yield self._item(line)
        except httpx.HTTPError as exc:
            raise read_failure(exc, self.response) from exc
        finally:
            await self.close()
