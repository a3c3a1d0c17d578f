"""The spec's security schemes and requirements, as the generated client sends them.

Each scheme of `components.securitySchemes` becomes constructor arguments of the client, named
after the scheme (`api_key`, `bot_token`, `username`/`password`, `access_token`), each with a
default from an environment variable `{PREFIX}_{ARGUMENT}`. Each operation carries the
requirements that apply to it: its own `security`, else the document's; the client sends the
first alternative whose credentials it was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.ir import Requirements, SchemeIR
from generator.naming import KEYWORDS, assign_unique, words
from generator.problems import Problem
from generator.prose import doc_text, one_line
from generator.spec import escape_token, iter_operations, pointer

# Words that say only "this is auth" or the scheme's kind: a name made of nothing else is
# replaced by the kind's usual argument name.
_GENERIC = frozenset({"auth", "authentication", "authorization", "scheme", "security", "bearer", "http", "https",
                      "basic", "o", "oauth", "oauth2", "2", "0", "20", "jwt", "openid", "connect", "oidc", "password",
                      "flow", "flows", "default", "token", "access", "api", "key", "apikey", "open", "id"})
_TRAILING = frozenset({"auth", "authentication", "authorization", "scheme", "security"})
_KIND_ARGUMENT = {"apiKey": "api_key", "bearer": "token", "oauth2": "access_token", "http": "credentials"}
_ENDINGS = ("token", "key", "secret", "credentials", "id")


@dataclass(frozen=True)
class Security:
    schemes: tuple[SchemeIR, ...]
    default: Requirements  # the document's `security`
    per_operation: dict[str, Requirements]  # operation pointer -> its own, where it differs
    warnings: tuple[Problem, ...]


def security_of(doc: dict[str, Any], env_prefix: str, taken: Iterable[str]) -> Security:
    """The schemes (with their constructor arguments, unique against `taken`) and the
    requirements of the document and of each operation that has its own."""
    raw = ((doc.get("components") or {}).get("securitySchemes") or {})
    declared = {k: v for k, v in raw.items() if isinstance(v, dict) and isinstance(k, str)}
    basics = sum(1 for s in declared.values() if _kind(s) == "basic")
    wanted = [(key, _argument_names(key, declared[key], basics)) for key in declared]
    flat = assign_unique(((f"{key}\0{i}", name) for key, names in wanted for i, name in enumerate(names)),
                         taken=taken)
    schemes = tuple(_scheme(key, declared[key], tuple(flat[f"{key}\0{i}"] for i in range(len(names))), env_prefix)
                    for key, names in wanted)
    warnings: list[Problem] = []
    default = requirements(doc.get("security"), "/security", declared, warnings)
    per_operation: dict[str, Requirements] = {}
    for ptr, op in _operations(doc):
        if "security" in op:
            own = requirements(op["security"], ptr + "/security", declared, warnings)
            if own != default:
                per_operation[ptr] = own
    return Security(schemes, default, per_operation, tuple(warnings))


def requirements(raw: Any, ptr: str, declared: dict[str, Any], warnings: list[Problem]) -> Requirements:
    """A `security` list as alternatives of scheme names; `{}` (no credentials) is an alternative
    too. An alternative naming a scheme that is not declared cannot be met and is left out."""
    if not isinstance(raw, list):
        return ()
    found: list[tuple[str, ...]] = []
    for i, alternative in enumerate(raw):
        if not isinstance(alternative, dict):
            continue
        unknown = [k for k in alternative if k not in declared]
        if unknown:
            warnings.append(Problem(f"{ptr}/{i}/{escape_token(str(unknown[0]))}",
                                    f"names the security scheme {unknown[0]!r}, which components/securitySchemes "
                                    "does not declare: this alternative is left out", "warning",
                                    kind="unknown-security-scheme"))
            continue
        found.append(tuple(str(k) for k in alternative))
    return tuple(dict.fromkeys(found))


def _operations(doc: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    for path, method, op, _ in iter_operations(doc):
        yield pointer("paths", path, method), op


def _kind(scheme: dict[str, Any]) -> str:
    kind = scheme.get("type")
    if kind == "http":
        word = str(scheme.get("scheme") or "").lower()
        return word if word in ("basic", "bearer") else "http"
    if kind == "openIdConnect":
        return "oauth2"
    return str(kind) if kind in ("apiKey", "oauth2", "mutualTLS") else "unknown"


def _argument_names(key: str, scheme: dict[str, Any], basics: int) -> tuple[str, ...]:
    kind = _kind(scheme)
    if kind in ("mutualTLS", "unknown"):
        return ()
    parts = words(key)
    while parts and parts[-1] in _TRAILING:
        parts.pop()
    if parts[:1] == ["x"]:
        parts = parts[1:]
    own = "_".join(parts) if parts and not set(parts) <= _GENERIC else ""
    if kind == "basic":
        prefix = f"{own}_" if own and basics > 1 else ("basic_" if basics > 1 else "")
        return f"{prefix}username", f"{prefix}password"
    if not own:  # `ApiKeyAuth` -> api_key, `TokenAuthentication` -> token, `bearerAuth` -> token
        name = "_".join(parts) if parts in (["api", "key"], ["token"], ["access", "token"]) else _KIND_ARGUMENT[kind]
    elif kind in ("bearer", "oauth2") and not own.endswith(_ENDINGS):
        name = own + "_token"
    else:
        name = own
    name = name if name.isidentifier() and name not in KEYWORDS else _KIND_ARGUMENT[kind]
    return (name,)


def _scheme(key: str, raw: dict[str, Any], arguments: tuple[str, ...], env_prefix: str) -> SchemeIR:
    kind = _kind(raw)
    location = str(raw.get("in") or "header") if kind == "apiKey" else "header"
    wire = str(raw.get("name") or "") if kind == "apiKey" else "Authorization"
    word = {"basic": "Basic", "bearer": "Bearer", "oauth2": "Bearer"}.get(kind, str(raw.get("scheme") or ""))
    envs = tuple(f"{env_prefix}_{a.upper()}" for a in arguments)
    return SchemeIR(key, kind, location, wire, word if kind != "apiKey" else "", arguments, envs,
                    _describe(key, kind, location, wire, word, raw))


def _describe(key: str, kind: str, location: str, wire: str, word: str, raw: dict[str, Any]) -> str:
    if kind == "apiKey":
        what = f"an API key sent in the {location} {wire!r}"
        if location == "header" and wire.lower() == "authorization":
            what += " as its whole value (include any prefix the API expects)"
    elif kind == "basic":
        what = "HTTP basic authentication"
    elif kind == "oauth2":
        what = "an OAuth2 access token (or a callable returning a fresh one), sent as a bearer token"
        urls = sorted({str(f.get("tokenUrl")) for f in (raw.get("flows") or {}).values()
                       if isinstance(f, dict) and f.get("tokenUrl")})
        if raw.get("openIdConnectUrl"):
            urls.append(str(raw["openIdConnectUrl"]))
        if urls:
            what += f"; get one from {', '.join(urls)}"
    elif kind == "bearer":
        what = "a bearer token"
    elif kind == "mutualTLS":
        what = "a client certificate: configure it on the http_client you pass"
    else:
        what = f"credentials for the HTTP {word!r} scheme, sent as `Authorization: {word} <value>`"
    return doc_text(one_line(f"{key}: {what}."))
