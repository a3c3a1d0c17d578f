"""A small content-addressed cache for work whose result depends only on its inputs.

Entries live under $OAPI_PYGEN_CACHE_DIR, else $XDG_CACHE_HOME/oapi-pygen, else
~/.cache/oapi-pygen. Keys are sha256 digests of everything the result depends on
(input bytes and tool versions), so a stale entry cannot be hit. OAPI_PYGEN_CACHE=0
turns the cache off. A broken or unwritable cache is ignored, never fatal.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def cache_dir() -> Path | None:
    if os.environ.get("OAPI_PYGEN_CACHE", "1") == "0":
        return None
    explicit = os.environ.get("OAPI_PYGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "oapi-pygen"


def key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def get(kind: str, digest: str) -> bytes | None:
    root = cache_dir()
    if root is None:
        return None
    try:
        return (root / kind / digest[:2] / digest).read_bytes()
    except OSError:
        return None


def put(kind: str, digest: str, data: bytes) -> None:
    """Store atomically (write a temporary file, then rename), so readers never see half an entry."""
    root = cache_dir()
    if root is None:
        return
    folder = root / kind / digest[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / digest)
    except OSError:
        pass


def versions(distributions: Iterable[str]) -> str:
    """`name==version` of each installed distribution ("-" for one that is absent), for a key."""
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return " ".join(f"{name}=={version(name)}" for name in distributions)
