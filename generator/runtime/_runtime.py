"""HTTP runtime for generated clients: requests, transport, retries and errors.

This module is written by hand and copied unchanged into each generated
package; the generated modules only describe requests and call into it.
"""

from __future__ import annotations

import datetime
import email.utils
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import pydantic
from typing_extensions import Self

T = TypeVar("T")

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "Request",
    "SyncTransport",
    "UnprocessableEntityError",
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


@dataclass(frozen=True)
class Request(Generic[T]):
    """Everything needed to send one API call; built by the operations module, no I/O."""

    method: str
    path: str
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    response_type: Any = None

    def query_params(self) -> list[tuple[str, str | int | float | bool | None]]:
        """The query string as ordered pairs; lists repeat the key, omitted values vanish."""
        pairs: list[tuple[str, str | int | float | bool | None]] = []
        for key, value in self.query.items():
            if value is NOT_GIVEN or value is None:
                continue
            for item in value if isinstance(value, (list, tuple)) else [value]:
                pairs.append((key, _query_text(item)))
        return pairs

    def json_body(self) -> Any:
        """The JSON body: omitted arguments are left out, explicit None becomes null."""
        if self.body is None:
            return None
        return {k: to_jsonable(v) for k, v in self.body.items() if v is not NOT_GIVEN}


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Models become their wire form (aliases, only fields that were set); containers recurse."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def format_path(template: str, params: Mapping[str, Any]) -> str:
    """Fill `{name}` slots with percent-encoded values, so no value can change the path's shape."""
    path = template
    for name, value in params.items():
        text = str(value)
        if text == "":
            raise ValueError(f"path parameter {name!r} must not be empty")
        path = path.replace("{" + name + "}", quote(text, safe=""))
    return path


# ---- errors --------------------------------------------------------------------------


class APIError(Exception):
    """Base class of every error the client raises."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

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
    """The exception for an error response, carrying its parsed body."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text or None
    detail = body.get("error") if isinstance(body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    text = f"HTTP {response.status_code}: {message or response.reason_phrase}"
    cls = _STATUS_ERRORS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(text, response, body)


# ---- responses ----------------------------------------------------------------------

_ADAPTERS: dict[int, pydantic.TypeAdapter[Any]] = {}


def parse_response(response_type: Any, content: bytes) -> Any:
    """Validate a JSON body into the operation's declared type."""
    if response_type is None or response_type is type(None):
        return None
    if isinstance(response_type, type) and issubclass(response_type, pydantic.BaseModel):
        return response_type.model_validate_json(content)
    adapter = _ADAPTERS.get(id(response_type))
    if adapter is None:
        adapter = _ADAPTERS[id(response_type)] = pydantic.TypeAdapter(response_type)
    return adapter.validate_json(content)


# ---- transport ----------------------------------------------------------------------

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0


def retry_delay(attempt: int, response: httpx.Response | None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): the server's word, else backoff."""
    if response is not None:
        told = _retry_after(response.headers)
        if told is not None and 0 <= told <= 60:
            return told
    base: float = min(INITIAL_RETRY_DELAY * 2.0 ** (attempt - 1), MAX_RETRY_DELAY)
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


def resolve_api_key(api_key: str | None, env_var: str) -> str:
    key = api_key if api_key is not None else os.environ.get(env_var)
    if not key:
        raise APIError(f"no API key: pass api_key=... or set the {env_var} environment variable")
    return key


def resolve_base_url(base_url: str | None, env_var: str, default: str) -> str:
    return (base_url or os.environ.get(env_var) or default).rstrip("/")


class SyncTransport:
    """Sends Requests over one httpx.Client, with retries; parses the typed result."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        max_retries: int = 2,
        timeout: float | httpx.Timeout = 600.0,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url
        self.headers = dict(headers)
        self.max_retries = max_retries
        self._owns_client = http_client is None
        self.http = http_client or httpx.Client(timeout=timeout)

    def send(self, request: Request[T]) -> T:
        response = self._send_with_retries(self._build(request))
        return parse_response(request.response_type, response.content)  # type: ignore[no-any-return]

    def _build(self, request: Request[Any]) -> httpx.Request:
        body = request.json_body()
        return self.http.build_request(
            request.method,
            self.base_url + request.path,
            params=request.query_params(),
            json=body,
            headers=self.headers,
        )

    def _send_with_retries(self, built: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.http.send(built)
            except httpx.TimeoutException as exc:
                if attempt >= self.max_retries:
                    raise APITimeoutError("the request timed out", built) from exc
                response = None
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise APIConnectionError(f"connection failed: {exc}", built) from exc
                response = None
            if response is not None:
                if response.is_success:
                    return response
                response.read()
                if attempt >= self.max_retries or not should_retry(response):
                    raise status_error(response)
            attempt += 1
            time.sleep(retry_delay(attempt, response))

    def close(self) -> None:
        if self._owns_client:
            self.http.close()
