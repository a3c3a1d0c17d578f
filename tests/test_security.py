"""Credentials on the wire: the `security_schemes` golden package against a loopback server.

One test per scheme kind (an API key in a header, the query and a cookie; HTTP basic; bearer;
OAuth2 and OpenID Connect with a token callable), the document's security and an operation's
own, `security: []`, an optional requirement, alternatives in order and two schemes together;
each shows the exact header, query or cookie the server saw, from the sync and the async client.
Then: the constructor's arguments and environment variables, the error for a missing credential
(raised by the call, not the constructor), secrets kept out of errors and logs, and the headers
the client sets itself (Accept from the declared responses; no Accept/Authorization/Content-Type
arguments).
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import inspect
import logging
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generator.pipeline import Options, generate
from tests.golden_support import install_case
from tests.loopback import LoopbackServer, Recorded

GOLDEN = Path(__file__).resolve().parent / "golden" / "security_schemes" / "expected"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
ENV_VARS = ("ZOO_HEADER_KEY", "ZOO_QUERY_KEY", "ZOO_COOKIE_KEY", "ZOO_USERNAME", "ZOO_PASSWORD", "ZOO_TOKEN",
            "ZOO_ACCESS_TOKEN", "ZOO_PARTNER_SSO_TOKEN")
HEADER_KEY, QUERY_KEY, COOKIE_KEY = "hdr-key-0123456789", "qry-key-0123456789", "ck-key-0123456789"
USER, PASSWORD, TOKEN = "door-user", "pa55word-0123456789", "bearer-0123456789"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("security")
    install_case(GOLDEN, root / "zs_security")
    sys.path.insert(0, str(root))
    import zs_security

    yield zs_security
    sys.path.remove(str(root))
    for name in [m for m in sys.modules if m.startswith("zs_security")]:
        del sys.modules[name]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    for name in PROXY_VARS + ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    with LoopbackServer(lambda request: (200, {}, {"opened": True})) as srv:
        yield srv


def both(package: ModuleType, server: LoopbackServer, call: Callable[[Any], Any], **credentials: Any) -> list[Recorded]:
    """Make the call with the sync client, then the async one; the two requests the server saw."""
    with package.ZooClient(base_url=server.base_url, max_retries=0, **credentials) as client:
        call(client)

    async def go() -> None:
        async with package.AsyncZooClient(base_url=server.base_url, max_retries=0, **credentials) as client:
            await call(client)

    asyncio.run(go())
    assert len(server.requests) == 2, server.requests
    return list(server.requests)


def cookies(request: Recorded) -> dict[str, str]:
    pairs = [c.strip().split("=", 1) for c in (request.header("Cookie") or "").split(";") if c.strip()]
    return {k: v for k, v in pairs}


ALL = {"header_key": HEADER_KEY, "query_key": QUERY_KEY, "cookie_key": COOKIE_KEY, "username": USER,
       "password": PASSWORD, "token": TOKEN, "access_token": "oauth-0123456789",
       "partner_sso_token": "sso-0123456789"}


# ---- one scheme kind each ------------------------------------------------------------------


def test_api_key_in_a_header_for_the_documents_security(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.with_header_key(), **ALL):
        assert request.header("X-Door-Key") == HEADER_KEY
        assert request.header("Authorization") is None and request.query == [] and "Cookie" not in dict(
            request.headers)


def test_api_key_in_the_query(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.with_query_key(), **ALL):
        assert request.query == [("door_key", QUERY_KEY)]
        assert request.header("X-Door-Key") is None


def test_api_key_in_a_cookie(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.with_cookie_key(), **ALL):
        assert cookies(request) == {"door_session": COOKIE_KEY}
        assert request.query == []


def test_http_basic(package: ModuleType, server: LoopbackServer) -> None:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for request in both(package, server, lambda c: c.with_basic(), **ALL):
        assert request.header("Authorization") == expected


def test_http_bearer(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.with_bearer(), **ALL):
        assert request.header("Authorization") == f"Bearer {TOKEN}"


def test_oauth2_and_openid_connect_tokens_may_come_from_a_callable(package: ModuleType,
                                                                      server: LoopbackServer) -> None:
    issued = iter(f"fresh-token-{n:04d}" for n in range(10))
    requests = both(package, server, lambda c: c.with_o_auth(), access_token=lambda: next(issued))
    assert [r.header("Authorization") for r in requests] == ["Bearer fresh-token-0000", "Bearer fresh-token-0001"]
    server.reset(server.router)
    for request in both(package, server, lambda c: c.with_partner_sso(), partner_sso_token="sso-0123456789"):
        assert request.header("Authorization") == "Bearer sso-0123456789"


# ---- what an operation asks for ------------------------------------------------------------------


def test_an_empty_requirement_sends_nothing_and_needs_nothing(package: ModuleType, server: LoopbackServer) -> None:
    for credentials in (ALL, {}):
        server.reset(server.router)
        for request in both(package, server, lambda c: c.public_door(), **credentials):
            assert request.header("Authorization") is None and request.header("X-Door-Key") is None
            assert request.query == [] and request.header("Cookie") is None


def test_an_optional_requirement_sends_what_was_given(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.optional_key(), header_key=HEADER_KEY):
        assert request.header("X-Door-Key") == HEADER_KEY
    server.reset(server.router)
    for request in both(package, server, lambda c: c.optional_key()):
        assert request.header("X-Door-Key") is None


def test_alternatives_are_tried_in_the_specs_order(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.either_way(), **ALL):  # basic comes first
        assert (request.header("Authorization") or "").startswith("Basic ") and request.query == []
    server.reset(server.router)
    for request in both(package, server, lambda c: c.either_way(), query_key=QUERY_KEY):  # basic is missing
        assert request.header("Authorization") is None and request.query == [("door_key", QUERY_KEY)]


def test_two_schemes_of_one_alternative_go_together(package: ModuleType, server: LoopbackServer) -> None:
    for request in both(package, server, lambda c: c.both_keys(), header_key=HEADER_KEY, query_key=QUERY_KEY):
        assert request.header("X-Door-Key") == HEADER_KEY and request.query == [("door_key", QUERY_KEY)]


# ---- the constructor and missing credentials ------------------------------------------------------


def test_the_constructor_takes_one_argument_per_credential(package: ModuleType) -> None:
    for cls in (package.ZooClient, package.AsyncZooClient):
        parameters = inspect.signature(cls).parameters
        assert list(parameters)[:8] == ["header_key", "query_key", "cookie_key", "username", "password", "token",
                                        "access_token", "partner_sso_token"]
        assert "api_key" not in parameters
        assert "Callable[[], str]" in str(parameters["access_token"].annotation)
        assert "Callable" not in str(parameters["token"].annotation)
        doc = inspect.getdoc(cls) or ""
        assert "$ZOO_HEADER_KEY" in doc or cls is package.AsyncZooClient
    doc = inspect.getdoc(package.ZooClient) or ""
    assert "https://door.example.test/oauth/token" in doc and "X-Door-Key" in doc


def readme_example(readme: str) -> str:
    """The README's line that makes a client, with the comment on what it reads."""
    return next(line for line in readme.splitlines() if line.startswith("client = ZooClient()"))


def test_the_readme_example_names_the_variables_the_client_reads(package: ModuleType) -> None:
    line = readme_example((GOLDEN / "README.md").read_text(encoding="utf-8"))
    client = importlib.import_module(f"{package.__name__}.client")
    read = [var for scheme in client.SECURITY_SCHEMES for var in scheme.env_vars] + [client.BASE_URL_ENV]
    assert re.findall(r"\$(\w+)", line) == [*ENV_VARS, "ZOO_BASE_URL"] == read


@pytest.mark.parametrize(("schemes", "said"), [
    ("", "# needs no credentials; base URL from $ZOO_BASE_URL if set"),
    ("components: {securitySchemes: {tls: {type: mutualTLS}}}\nsecurity: [{tls: []}]\n",
     "# reads no credentials from the environment; base URL from $ZOO_BASE_URL if set"),
    ("components: {securitySchemes: {bot: {type: http, scheme: bearer}}}\n",
     "# credentials from $ZOO_BOT_TOKEN; base URL from $ZOO_BASE_URL if set"),
])
def test_the_readme_example_says_what_a_spec_without_credential_variables_needs(
        tmp_path: Path, schemes: str, said: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: T, version: '1'}\nservers: [{url: 'https://t.example.test'}]\n"
                    "paths:\n  /ping:\n    get:\n      operationId: ping\n"
                    "      responses: {'204': {description: ok}}\n" + schemes, encoding="utf-8")
    files = generate(Options(spec=spec, package="zoo_client", client_name="ZooClient", env_prefix="ZOO")).files
    readme = next(content for name, content in files.items() if name.endswith("README.md"))
    assert readme_example(readme.decode()).endswith(said)


def test_credentials_default_to_environment_variables(package: ModuleType, server: LoopbackServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOO_USERNAME", USER)
    monkeypatch.setenv("ZOO_PASSWORD", PASSWORD)
    monkeypatch.setenv("ZOO_HEADER_KEY", HEADER_KEY)
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for request in both(package, server, lambda c: c.with_basic()):
        assert request.header("Authorization") == expected
    server.reset(server.router)
    for request in both(package, server, lambda c: c.with_header_key(), header_key="given-wins-0123"):
        assert request.header("X-Door-Key") == "given-wins-0123"


def test_a_missing_credential_fails_the_call_not_the_client(package: ModuleType, server: LoopbackServer) -> None:
    with package.ZooClient(base_url=server.base_url, max_retries=0, username=USER) as client:
        with pytest.raises(package.CredentialsError) as caught:
            client.with_basic()
        assert client.public_door().opened is True
    message = str(caught.value)
    assert message.startswith("GET /basic needs credentials")
    assert "'BasicAuth'" in message and "password=" in message and "ZOO_PASSWORD" in message
    assert "username=" not in message  # it was given
    assert "ZooClient(...)" in message

    async def go() -> BaseException:
        async with package.AsyncZooClient(base_url=server.base_url, max_retries=0) as client:
            with pytest.raises(package.CredentialsError) as async_caught:
                await client.either_way()
            return async_caught.value

    message = str(asyncio.run(go()))
    assert "'BasicAuth'" in message and "; or " in message and "'QueryKey'" in message and "ZOO_QUERY_KEY" in message
    assert [r.path for r in server.requests] == ["/public"]  # nothing else was sent


# ---- secrets ------------------------------------------------------------------------------------


def test_no_credential_shows_in_reprs_errors_or_logs(package: ModuleType, caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARS + ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    secrets = [HEADER_KEY, QUERY_KEY, COOKIE_KEY, PASSWORD, TOKEN, base64.b64encode(f"{USER}:{PASSWORD}".encode())
               .decode()]

    def echo(request: Recorded) -> tuple[int, dict[str, str], Any]:  # a server that echoes what it got
        return 401, {}, {"error": {"message": f"bad credentials: {request.headers} {request.raw_query}"}}

    caplog.set_level(logging.DEBUG)
    with LoopbackServer(echo) as srv, package.ZooClient(base_url=srv.base_url, max_retries=0, **ALL) as client:
        shown = repr(client) + repr(client._transport) + repr(client._transport._credentials)
        for call in (client.with_header_key, client.with_query_key, client.with_cookie_key, client.with_basic,
                     client.with_bearer):
            with pytest.raises(package.AuthenticationError) as caught:
                call()
            shown += str(caught.value) + repr(caught.value) + repr(caught.value.body)
    shown += caplog.text
    assert "door_key=" in caplog.text  # httpx logged the query: with the key taken out
    for secret in secrets:
        assert secret not in shown, secret


# ---- headers the client sets itself ----------------------------------------------------------------


def test_accept_lists_the_declared_media_types_and_header_parameters_do_not_shadow_it(
        package: ModuleType, server: LoopbackServer) -> None:
    parameters = inspect.signature(package.ZooClient.get_report).parameters
    assert "x_trace" in parameters
    assert not {"accept", "authorization", "content_type"} & set(parameters)
    server.reset(lambda request: (200, {"Content-Type": "text/csv"}, None))
    requests = both(package, server, lambda c: c.get_report(x_trace="t-1"), header_key=HEADER_KEY)
    for request in requests:
        assert request.header("Accept") == "text/csv, text/plain, application/problem+json"
        assert request.header("X-Trace") == "t-1"
    server.reset(lambda request: (200, {}, {"opened": True}))
    for request in both(package, server, lambda c: c.with_header_key(), **ALL):
        assert request.header("Accept") == "application/json"
    server.reset(server.router)
    with package.ZooClient(base_url=server.base_url, max_retries=0, header_key=HEADER_KEY) as client:
        client.get_report(extra_headers={"Accept": "text/plain"})
    assert server.requests[0].header("Accept") == "text/plain"  # the caller's choice wins
