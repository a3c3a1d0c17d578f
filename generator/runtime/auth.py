"""Credentials from the spec's securitySchemes: what each call sends, and how every
credential is kept out of reprs, errors and log lines.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import weakref
from collections.abc import (
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast
from urllib.parse import quote

import httpx
import pydantic

from .errors import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    StreamError,
)

__all__ = [
    "Credentials",
    "CredentialsError",
    "Requirements",
    "SecurityScheme",
]


Requirements = tuple[tuple[str, ...], ...]  # alternatives, each the schemes sent together


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
        parts: list[str] = []
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
    parts: list[str] = []
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
    todo: list[Any] = [value]
    seen: set[int] = set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            obj = cast("dict[str, Any]", node)  # as json.loads made it
            items = list(obj.items())
            obj.clear()
            obj.update((_leaf(k, key, todo), _leaf(v, key, todo)) for k, v in items)
        elif isinstance(node, list):
            array = cast("list[object]", node)
            array[:] = [_leaf(item, key, todo) for item in array]
    return value


def _leaf(value: Any, key: str, todo: list[Any]) -> Any:
    """A string redacted; a container queued for _redacted_json; anything else as it is."""
    if isinstance(value, str):
        return _redact(value, key)
    if isinstance(value, (dict, list)):
        todo.append(value)
        return cast("dict[str, Any] | list[object]", value)  # as json.loads made it
    return value


class _RedactedCause(Exception):
    """Stands in, in an error's cause chain, for an exception whose text would show the API
    key (a server echoed it): that exception's type name and text, the key redacted (for a
    pydantic ValidationError, its errors without their input values)."""


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
