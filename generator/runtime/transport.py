"""Sending Requests: the sync and async transports, retries, timeouts, the base URL, and
parsing a response into the operation's declared type.

The sync and async transports share every decision (what to send, whether and when to
retry, which error to raise, how to parse); only the I/O loop differs.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import (
    Mapping,
)
from typing import Any
from urllib.parse import quote

import anyio
import httpx
import pydantic

from .auth import Credentials
from .core import NOT_GIVEN, NotGiven, T, to_jsonable
from .encoding import (
    DEFAULT_OPTIONS,
    Request,
    RequestOptions,
    form_value,
    multipart_parts,
    raw_body,
    styled_pairs,
)
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    status_error,
    undecodable_body,
    unusable_body,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_DELAY",
    "MAX_SERVER_DELAY",
    "RETRY_COUNT_HEADER",
    "RETRY_STATUSES",
    "AsyncTransport",
    "BaseTransport",
    "SyncTransport",
    "as_timeout",
    "choose_timeout",
    "parse_response",
    "resolve_base_url",
    "result_of",
    "retry_delay",
    "should_retry",
    "type_adapter",
]


log = logging.getLogger(__name__)


_ADAPTERS: dict[Any, pydantic.TypeAdapter[Any]] = {}


def type_adapter(tp: Any) -> pydantic.TypeAdapter[Any]:
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
    return type_adapter(response_type).validate_json(content)


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
            data.update({k: form_value(v) for k, v in extra.items()})
            if encoding == "form":
                return None, data or None, None
            parts = multipart_parts(data, files, request.part_types)
            return None, None, parts or None
        body = request.json_body()
        if extra:
            fields: Mapping[str, Any] = body or {}  # a JSON body that extra_body joins is an object
            body = {**fields, **extra}
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

    def scrub(self, exc: BaseException) -> None:
        """Take every credential this client holds or sent out of an error before it is raised."""
        self._credentials.scrub(exc)


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
        self._http = http_client
        self._closed = False
        self._lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        """The httpx.Client: the one passed in, else one made on first use (making it loads the
        system's certificates, which a client that is built and never used need not pay for).
        Made after close(), it comes closed: a call then fails as on any closed client."""
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
                    if self._closed:
                        self._http.close()
        return self._http

    def send(self, request: Request[T], options: RequestOptions = DEFAULT_OPTIONS) -> T:
        try:
            response = self.response(request, options, stream=False)
            return result_of(request, response)  # type: ignore[no-any-return]
        except APIError as exc:
            self.scrub(exc)
            raise

    def response(
        self, request: Request[Any], options: RequestOptions, stream: bool = False
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
                response = self.http.send(built, stream=True)
                if not (stream and response.is_success):
                    self.read(response)
            except httpx.TransportError as exc:
                error, response = exc, None
            if response is not None and response.is_success:
                return response
            delay = self._next_delay(attempt, retries, built, response, error)
            time.sleep(delay)
            attempt += 1

    @staticmethod
    def read(response: httpx.Response) -> None:
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
        self._closed = True
        if self._owns_client and self._http is not None:
            self._http.close()


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
        self._http = http_client
        self._closed = False

    @property
    def http(self) -> httpx.AsyncClient:
        """The httpx.AsyncClient: the one passed in, else one made on first use (see SyncTransport).
        After close(), none is made: a call fails as it does on a closed httpx client."""
        if self._http is None:
            if self._closed:
                raise RuntimeError("Cannot send a request, as the client has been closed.")
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._http

    async def send(self, request: Request[T], options: RequestOptions = DEFAULT_OPTIONS) -> T:
        try:
            response = await self.response(request, options, stream=False)
            return result_of(request, response)  # type: ignore[no-any-return]
        except APIError as exc:
            self.scrub(exc)
            raise

    async def response(
        self, request: Request[Any], options: RequestOptions, stream: bool = False
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
                    await self.read(response)
            except httpx.TransportError as exc:
                error, response = exc, None
            if response is not None and response.is_success:
                return response
            delay = self._next_delay(attempt, retries, built, response, error)
            await anyio.sleep(delay)
            attempt += 1

    @staticmethod
    async def read(response: httpx.Response) -> None:
        """Read the whole body and release the connection (see SyncTransport.read)."""
        try:
            await response.aread()
        except httpx.DecodingError as exc:
            if response.is_success:
                raise undecodable_body(response, exc) from exc
        finally:
            await response.aclose()

    async def close(self) -> None:
        self._closed = True
        if self._owns_client and self._http is not None:
            await self._http.aclose()
