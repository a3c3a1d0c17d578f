"""Paging in every style: the `pagination_styles` golden package against a loopback server.

Each list operation returns a page whose iteration fetches the later pages lazily, sync and
async: by a cursor from the response, by offset (a short page ends it), by page number from the
parameter's default, by the Link header, by a next URL in the body, and by a style the spec
states with x-oapi-pygen-pagination. A list that fits two styles has no iterator.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.corpus_support import _cli
from tests.golden_support import install_case
from tests.loopback import LoopbackServer, Recorded

GOLDEN = Path(__file__).resolve().parent / "golden" / "pagination_styles" / "expected"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
NAMES = ["ant", "bee", "cat", "dog", "eel"]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("paging")
    install_case(GOLDEN, root / "zp_paging")
    sys.path.insert(0, str(root))
    import zp_paging

    yield zp_paging
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("zp_paging")]:
        del sys.modules[name]


def animals(names: list[str]) -> list[dict[str, str]]:
    return [{"name": n} for n in names]


def query(request: Recorded) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.raw_query).items()}


def route(request: Recorded) -> tuple[int, dict[str, str], Any]:
    q = query(request)
    if request.path == "/by-cursor":
        at = int(q.get("cursor", "0"))
        return 200, {}, {"items": animals(NAMES[at:at + 2]), "meta": {"next_cursor": str(at + 2) if at + 2 < 5 else None}}
    if request.path == "/by-offset":
        at, size = int(q.get("offset", "0")), int(q.get("limit", "2"))
        return 200, {}, animals(NAMES[at:at + size])
    if request.path == "/by-page":
        at = int(q.get("page", "0")) * 2
        return 200, {}, {"results": animals(NAMES[at:at + 2])}
    if request.path == "/by-link":
        at = int(q.get("at", "0"))
        link = {"Link": f'</by-link?at={at + 2}>; rel="next"'} if at + 2 < 5 else {}
        return 200, link, animals(NAMES[at:at + 2])
    if request.path == "/by-next-url":
        at = int(q.get("at", "0"))
        return 200, {}, {"data": animals(NAMES[at:at + 2]), "next": f"/by-next-url?at={at + 2}" if at + 2 < 5 else None}
    if request.path == "/stated":
        at = int(q.get("p", "1")) - 1
        return 200, {}, {"animals": animals(NAMES[at * 2:at * 2 + 2])}
    return 404, {}, {"error": {"message": "no route"}}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    with LoopbackServer(route) as srv:
        yield srv


CALLS = {"list_by_cursor": {}, "list_by_offset": {"limit": 2}, "list_by_page": {}, "list_by_link": {},
         "list_by_next_url": {}, "list_stated": {}}
SEEN = {
    "list_by_cursor": ["/by-cursor?", "/by-cursor?cursor=2", "/by-cursor?cursor=4"],
    "list_by_offset": ["/by-offset?limit=2", "/by-offset?offset=2&limit=2", "/by-offset?offset=4&limit=2"],
    "list_by_page": ["/by-page?", "/by-page?page=1", "/by-page?page=2", "/by-page?page=3"],
    "list_by_link": ["/by-link?", "/by-link?at=2", "/by-link?at=4"],
    "list_by_next_url": ["/by-next-url?", "/by-next-url?at=2", "/by-next-url?at=4"],
    "list_stated": ["/stated?", "/stated?p=2", "/stated?p=3", "/stated?p=4"],
}


@pytest.mark.parametrize("method", list(CALLS))
def test_every_page_is_walked_in_its_style(package: ModuleType, server: LoopbackServer, method: str) -> None:
    with package.ZooClient(base_url=server.base_url, max_retries=0) as client:
        page = getattr(client, method)(**CALLS[method])
        assert isinstance(page, package.SyncPage)
        assert [a.name for a in page] == NAMES
    assert [f"{r.path}?{r.raw_query}" for r in server.requests] == SEEN[method]

    async def walk() -> list[str]:
        async with package.AsyncZooClient(base_url=server.base_url, max_retries=0) as client:
            first = await getattr(client, method)(**CALLS[method])
            return [a.name async for a in first]

    server.reset(route)
    assert asyncio.run(walk()) == NAMES
    assert [f"{r.path}?{r.raw_query}" for r in server.requests] == SEEN[method]


def test_a_list_that_fits_two_styles_has_no_iterator(package: ModuleType) -> None:
    returns = inspect.signature(package.ZooClient.list_ambiguous).return_annotation
    assert "Page" not in str(returns)
    assert "Page" in str(inspect.signature(package.ZooClient.list_stated).return_annotation)


def test_the_ambiguous_list_is_an_info_line_not_a_warning(tmp_path: Path) -> None:
    spec = GOLDEN.parent / "spec.yaml"
    proc = _cli("generate", "--spec", spec, "--out", tmp_path / "out", "--package", "zp_info", "--strict",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # not an error under --strict either
    assert ("info: /paths/~1ambiguous/get (line 102): the list fits several paging styles (offset, page): "
            "no page iterator; state one with x-oapi-pygen-pagination") in proc.stderr
    assert "warnings: none" in proc.stdout
