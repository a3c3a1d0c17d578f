"""How a list operation pages, read from the spec: stated by the `x-oapi-pygen-pagination`
extension, or recognised from the operation's shape when only one style fits.

Styles (the runtime's PageInfo carries them out):
- cursor: a query parameter (`cursor`, `page_token`, `after`...) takes a value the response
  gives (`next_cursor`, `nextPageToken`... at the top or one object down, `meta.next_cursor`);
- offset: `offset` moves on by the items received, `limit` (or `page_size`...) bounds a page;
- page: `page` counts up from its default (or minimum, else 1);
- link: the success response declares a `Link` header (rel="next");
- next-url: the response gives the next page's URL (`next`, `next_url`, `links.next`...).
The items are the response's array property (`data`, `items`, `results`... or its only one),
or the response itself when it is an array. A Link header or a next URL, where the server says
where the next page is, wins over the styles the client counts itself. A shape that fits no
style, or two of one rank, gets no iterator; two also get an info line (the extension settles it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.problems import Problem
from generator.spec import deref

EXTENSION = "x-oapi-pygen-pagination"
STYLES = ("cursor", "offset", "page", "link", "next-url")
CURSOR_PARAMS = ("cursor", "page_token", "pageToken", "next_token", "nextToken", "continuation_token",
                 "continuationToken", "page_cursor", "pageCursor", "starting_after", "marker")
CURSOR_FIELDS = ("next_cursor", "nextCursor", "next_page_token", "nextPageToken", "next_token", "nextToken",
                 "continuation_token", "continuationToken", "next_marker", "nextMarker", "cursor")
NEXT_URL_FIELDS = ("next", "next_url", "nextUrl", "next_page_url", "nextPageUrl", "next_link", "nextLink")
ITEMS_FIELDS = ("data", "items", "results", "records", "entries", "values", "elements", "objects")
OFFSET_PARAMS = ("offset", "skip")
LIMIT_PARAMS = ("limit", "page_size", "pageSize", "per_page", "perPage", "count", "size", "max_results")
PAGE_PARAMS = ("page", "page_number", "pageNumber", "page_num")
HAS_MORE_FIELDS = ("has_more", "hasMore", "has_next", "hasNext", "more")


@dataclass(frozen=True)
class Paging:
    """One operation's paging, as the runtime's PageInfo takes it."""

    style: str
    param: str = ""  # the query parameter that moves (cursor, offset, page number)
    field: str = ""  # the response's next cursor or next URL, a dotted path
    items: str = ""  # the response's items, a dotted path; "" when the response is the list
    has_more: str = ""  # a boolean response field that says more pages follow
    limit: str = ""  # offset: the page-size parameter
    start: int = 1  # page: the first page's number


def paging(doc: dict[str, Any], op: dict[str, Any], ptr: str, query: dict[str, dict[str, Any]],
           schema: Any, headers: set[str]) -> tuple[Paging | None, list[Problem]]:
    """The operation's paging, or None; with an info Problem when several styles fit its shape.

    `query`: its query parameters by wire name; `schema`: its success response's JSON schema (or
    None); `headers`: the lower-cased names of the headers that response declares.
    """
    stated = op.get(EXTENSION)
    if isinstance(stated, dict):
        return _stated(stated, ptr)
    if stated is False:
        return None, []
    found = deref(doc, schema)
    items = _items(doc, found)
    if items is None:
        return None, []
    # Where the server says where the next page is (a Link header, a next URL), that wins over
    # parameters the client would count on; between two of a kind, nothing is sure.
    links = [p for p in (Paging("link", items=items) if "link" in headers else None,
                         _next_url(doc, found, query, items)) if p]
    counted = [p for p in (_cursor(doc, found, query, items), _offset(query, items), _page(doc, query, items)) if p]
    fits = links or counted
    if len(fits) == 1:
        return fits[0], []
    if not fits:
        return None, []
    styles = ", ".join(p.style for p in fits)
    return None, [Problem(ptr, f"the list fits several paging styles ({styles}): no page iterator; state one with "
                          f"{EXTENSION} (style, request parameter, response field, items)", "info",
                          kind="pagination")]


def _stated(raw: dict[str, Any], ptr: str) -> tuple[Paging | None, list[Problem]]:
    style = raw.get("style")
    if style not in STYLES:
        return None, [Problem(ptr + "/" + EXTENSION, f"style must be one of {', '.join(STYLES)}, not {style!r}: "
                              "no page iterator", "warning", kind="pagination")]
    start = raw.get("start", 1)
    return Paging(str(style), str(raw.get("parameter") or ""), str(raw.get("field") or ""),
                  str(raw.get("items") or ""), str(raw.get("has-more") or ""), str(raw.get("limit") or ""),
                  start if isinstance(start, int) else 1), []


def _props(doc: dict[str, Any], schema: Any) -> dict[str, Any]:
    found = deref(doc, schema)
    props = found.get("properties") if isinstance(found, dict) else None
    return props if isinstance(props, dict) else {}


def _is_array(doc: dict[str, Any], schema: Any) -> bool:
    found = deref(doc, schema)
    return isinstance(found, dict) and (found.get("type") == "array" or "array" in (found.get("type") or ())
                                        or "items" in found)


def _items(doc: dict[str, Any], schema: Any) -> str | None:
    """Where the items are: "" for an array response, else its items property; None if unclear."""
    if _is_array(doc, schema):
        return ""
    arrays = [k for k, v in _props(doc, schema).items() if _is_array(doc, v)]
    named = [k for k in ITEMS_FIELDS if k in arrays]
    if named:
        return named[0]
    return arrays[0] if len(arrays) == 1 else None


def _field(doc: dict[str, Any], schema: Any, names: tuple[str, ...]) -> str:
    """The first of `names` among the response's properties, or one object down (`meta.next`)."""
    props = _props(doc, schema)
    for name in names:
        if name in props:
            return name
    for outer, value in props.items():
        inner = _props(doc, value)
        for name in names:
            if name in inner and not _props(doc, inner[name]):
                return f"{outer}.{name}"
    return ""


def _has_more(doc: dict[str, Any], schema: Any) -> str:
    return _field(doc, schema, HAS_MORE_FIELDS)


def _cursor(doc: dict[str, Any], schema: Any, query: dict[str, Any], items: str) -> Paging | None:
    """A cursor parameter, and a next-cursor field (or a `next` field that is no URL)."""
    param = next((p for p in CURSOR_PARAMS if p in query), "")
    field = _field(doc, schema, CURSOR_FIELDS)
    if not field:
        link = _next_link(doc, schema)
        field = link if link and not _is_url(doc, schema, link) else ""
    if not param or not field or items == "":
        return None
    return Paging("cursor", param, field, items, _has_more(doc, schema))


def _next_url(doc: dict[str, Any], schema: Any, query: dict[str, Any], items: str) -> Paging | None:
    """A `next` field that holds a URL: `format: uri`, or no cursor parameter to take it otherwise."""
    field = _next_link(doc, schema)
    if not field or items == "":
        return None
    if not _is_url(doc, schema, field) and any(p in query for p in CURSOR_PARAMS):
        return None  # a cursor: see _cursor
    return Paging("next-url", field=field, items=items, has_more=_has_more(doc, schema))


def _next_link(doc: dict[str, Any], schema: Any) -> str:
    """A string field named like a next-page link, at the top or in `links`, `paging`..."""
    props = _props(doc, schema)
    for outer, inner in [("", props)] + [(o, _props(doc, props.get(o))) for o in ("links", "_links", "paging",
                                                                                  "pagination", "meta")]:
        for name in NEXT_URL_FIELDS:
            found = deref(doc, inner.get(name))
            if isinstance(found, dict) and ("string" == found.get("type") or "string" in (found.get("type") or ())):
                return f"{outer}.{name}" if outer else name
    return ""


def _is_url(doc: dict[str, Any], schema: Any, field: str) -> bool:
    found: Any = schema
    for step in field.split("."):
        found = _props(doc, found).get(step)
    found = deref(doc, found)
    return isinstance(found, dict) and found.get("format") in ("uri", "url", "uri-reference")


def _offset(query: dict[str, Any], items: str) -> Paging | None:
    param = next((p for p in OFFSET_PARAMS if p in query), "")
    if not param:
        return None
    return Paging("offset", param, items=items, limit=next((p for p in LIMIT_PARAMS if p in query), ""))


def _page(doc: dict[str, Any], query: dict[str, Any], items: str) -> Paging | None:
    param = next((p for p in PAGE_PARAMS if p in query), "")
    if not param:
        return None
    schema = deref(doc, query[param].get("schema"))
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind not in ("integer", None) and "integer" not in (kind or ()):
        return None  # a page token, not a number
    first = schema.get("default", schema.get("minimum", 1)) if isinstance(schema, dict) else 1
    return Paging("page", param, items=items, start=first if isinstance(first, int) else 1)
