"""The base URL a client uses: the `server_variables` golden package, and a spec whose server URL
is relative or missing (generated here).

The first server's variables are constructor arguments with the spec's defaults; `base_url`
and $<PREFIX>_BASE_URL win over them; a server URL that is not absolute demands one of them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.corpus_support import _cli
from tests.golden_support import install_case
from tests.loopback import LoopbackServer

GOLDEN = Path(__file__).resolve().parent / "golden" / "server_variables" / "expected"
RELATIVE_SPEC = """openapi: 3.1.0
info: {title: Relative, version: "1"}
servers: [{url: /api/v3}]
paths:
  /ping:
    get:
      operationId: ping
      responses: {"200": {description: Pong., content: {application/json: {schema: {type: string}}}}}
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("servers")
    install_case(GOLDEN, root / "zv_servers")
    sys.path.insert(0, str(root))
    import zv_servers

    yield zv_servers
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("zv_servers")]:
        del sys.modules[name]


@pytest.fixture(autouse=True)
def no_base_url_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZOO_BASE_URL", raising=False)


def test_server_variables_default_to_the_specs(package: ModuleType) -> None:
    with package.ZooClient() as client:
        assert client.base_url == "https://eu.zoo.example.test/v2"


def test_server_variables_are_constructor_arguments(package: ModuleType) -> None:
    with package.ZooClient(region="us") as client:
        assert client.base_url == "https://us.zoo.example.test/v2"
    async_client = package.AsyncZooClient(region="us", version="v3")
    assert async_client.base_url == "https://us.zoo.example.test/v3"
    asyncio.run(async_client.close())


def test_base_url_and_its_variable_win_over_server_variables(package: ModuleType,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with LoopbackServer(lambda request: (200, {}, ["lion"])) as server:
        with package.ZooClient(base_url=server.base_url, region="us") as client:
            assert client.list_animals() == ["lion"]
        monkeypatch.setenv("ZOO_BASE_URL", server.base_url)
        with package.ZooClient(region="us") as client:
            assert client.base_url == server.base_url
    assert [r.path for r in server.requests] == ["/animals"]


def test_a_relative_server_url_demands_a_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spec.yaml").write_text(RELATIVE_SPEC, encoding="utf-8")
    proc = _cli("generate", "--spec", "spec.yaml", "--out", "out", "--package", "zr_relative",
                "--client-name", "Client", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    monkeypatch.delenv("ZR_RELATIVE_BASE_URL", raising=False)
    import zr_relative

    try:
        with pytest.raises(zr_relative.APIError, match=r"'/api/v3' is not absolute: pass base_url=\.\.\. or set "
                                                      r"ZR_RELATIVE_BASE_URL"):
            zr_relative.Client()
        with zr_relative.Client(base_url="https://example.test/api/v3") as client:
            assert client.base_url == "https://example.test/api/v3"
    finally:
        for name in [m for m in sys.modules if m.startswith("zr_relative")]:
            del sys.modules[name]
