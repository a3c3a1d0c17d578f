"""The exceptions a client raises, and how an unusable response becomes one."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import httpx
import pydantic

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PathParameterError",
    "PermissionDeniedError",
    "RateLimitError",
    "StreamError",
    "UnprocessableEntityError",
    "describe_problems",
    "is_event_stream",
    "not_a_stream",
    "read_failure",
    "snippet",
    "status_error",
    "try_json",
    "undecodable_body",
    "unusable_body",
]


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
        is_json, parsed = try_json(text if raw is None else raw)
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
    error = json_object(body)
    detail = json_object(error.get("error")) if error is not None else None
    message = detail.get("message") if detail is not None else None
    text = f"HTTP {response.status_code}: {message or response.reason_phrase}"
    if 300 <= response.status_code < 400:
        location = response.headers.get("location")
        text += f" (a redirect to {location!r}; redirects are not followed)"
    cls = _STATUS_ERRORS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(text, response, body)


def try_json(text: str | bytes) -> tuple[bool, Any]:
    """(True, value) when text is JSON (bytes: UTF-8 JSON), else (False, None)."""
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def json_object(value: object) -> dict[str, Any] | None:
    """value when it is a JSON object (a dict, as json.loads makes it), else None."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


# A word that may be a credential (letters, digits and base64/URL-safe punctuation).
_CUT_WORD = re.compile(r"[\w\-.~+/=]+\Z")


def snippet(text: str, limit: int = 200) -> str:
    """repr of text, cut after `limit` characters, never inside a word: a cut key would show
    a piece that its redaction, which looks for the whole key, could not find."""
    if len(text) <= limit:
        return repr(text)
    return repr(_CUT_WORD.sub("", text[:limit]) + "...")


def _error_detail(body: Any) -> str | None:
    """The message of an OpenAI-style `{"error": {...}}` object, or None when body is not one."""
    error = json_object(body)
    detail = json_object(error.get("error")) if error is not None else None
    if detail is None:
        return None
    return str(detail.get("message") or detail.get("code") or detail.get("type") or "no message")


def describe_problems(exc: Exception) -> str:
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
    is_json, body = try_json(response.content)
    detail = _error_detail(body) if is_json else None
    if not is_json:
        content_type = response.headers.get("content-type", "none")
        what = f"the body is not JSON (content type {content_type!r}): {snippet(text)}"
    elif detail is not None:
        what = f"the server sent an error instead of a result: {detail}"
    else:
        name = getattr(response_type, "__name__", None) or repr(response_type)
        what = f"the body did not match {name}: {describe_problems(exc)}; body: {snippet(text)}"
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


def is_event_stream(response: httpx.Response) -> bool:
    """True unless the response declares a media type other than text/event-stream."""
    content_type: str = response.headers.get("content-type", "text/event-stream")
    return content_type.partition(";")[0].strip().lower() == "text/event-stream"


def not_a_stream(response: httpx.Response) -> APIResponseValidationError:
    """The error for a streamed call answered with something other than an event stream."""
    text = response.text
    is_json, body = try_json(response.content)
    detail = _error_detail(body) if is_json else None
    content_type = response.headers.get("content-type")
    what = f"expected text/event-stream, got {content_type!r}"
    what += f"; the server sent an error: {detail}" if detail else f": {snippet(text)}"
    return APIResponseValidationError(
        f"HTTP {response.status_code}: {what}", response, text, response.content
    )
