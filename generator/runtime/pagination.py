"""Pages of a list operation, and lazy iteration over every later page, sync and async."""

from __future__ import annotations

import dataclasses
from collections.abc import (
    AsyncIterator,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, Generic, TypeVar, cast

import httpx
import typing_extensions

from .encoding import DEFAULT_OPTIONS, PageInfo, Request, RequestOptions
from .errors import APIError
from .transport import AsyncTransport, BaseTransport, SyncTransport, result_of

__all__ = [
    "AsyncPage",
    "SyncPage",
]


ItemT = TypeVar("ItemT")


# The list response a page came from; a default, so `SyncPage[Item]` stays a valid annotation.
ResponseT = typing_extensions.TypeVar("ResponseT", default=Any)


def _field(value: Any, path: str) -> Any:
    """`a.b` of a model or a mapping; None where a step is missing."""
    for step in path.split(".") if path else []:
        if isinstance(value, Mapping):
            value = cast("Mapping[str, Any]", value).get(step)
        else:
            value = getattr(value, step, None)
        if value is None:
            return None
    return value


class _PageBase(Generic[ItemT, ResponseT]):
    def __init__(
        self,
        transport: BaseTransport,
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
        self.data: list[ItemT] = (
            list(cast("Sequence[ItemT]", items)) if isinstance(items, (list, tuple)) else []
        )
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

    _transport: SyncTransport

    @classmethod
    def fetch(
        cls,
        transport: SyncTransport,
        request: Request[ResponseT],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> SyncPage[Any, ResponseT]:
        """Send a list request; the page of its answer."""
        try:
            response = transport.response(request, options)
            result = result_of(request, response)
        except APIError as exc:
            transport.scrub(exc)
            raise
        return cls(transport, request, options, result, response.headers)

    def next_page(self) -> SyncPage[ItemT, ResponseT] | None:
        request = self._next_request()
        if request is None:
            return None
        page: SyncPage[ItemT, ResponseT] = self.fetch(
            self._transport, request, self._next_options()
        )
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

    _transport: AsyncTransport

    @classmethod
    async def fetch(
        cls,
        transport: AsyncTransport,
        request: Request[ResponseT],
        options: RequestOptions = DEFAULT_OPTIONS,
    ) -> AsyncPage[Any, ResponseT]:
        """Send a list request; the page of its answer."""
        try:
            response = await transport.response(request, options)
            result = result_of(request, response)
        except APIError as exc:
            transport.scrub(exc)
            raise
        return cls(transport, request, options, result, response.headers)

    async def next_page(self) -> AsyncPage[ItemT, ResponseT] | None:
        request = self._next_request()
        if request is None:
            return None
        page: AsyncPage[ItemT, ResponseT] = await self.fetch(
            self._transport, request, self._next_options()
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
