"""Shared by every generated module: the NOT_GIVEN marker, argument types, and turning
models and values into their wire form. (The models' bases are in `model`.)
"""

from __future__ import annotations

import datetime
import functools
import importlib
import inspect
import warnings
from collections.abc import (
    AsyncIterable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Protocol, Self, SupportsIndex, TypeVar, cast, overload

import pydantic

__all__ = [
    "NOT_GIVEN",
    "BinaryContent",
    "FileContent",
    "FileTypes",
    "LazyModule",
    "NotGiven",
    "SequenceNotStr",
    "deprecated",
    "to_jsonable",
]


T = TypeVar("T")


T_co = TypeVar("T_co", covariant=True)


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


if TYPE_CHECKING:  # type checkers see the standard marker and report deprecated calls
    from typing_extensions import deprecated
else:

    def deprecated(message: str, /) -> Callable[[Any], Any]:
        """At run time, what `typing_extensions.deprecated` does to a function (a DeprecationWarning
        on every call, `__deprecated__` set), without its import of asyncio on Python < 3.12."""

        def decorate(func: Any) -> Any:
            if inspect.iscoroutinefunction(func):

                async def wrapper(*args: Any, **kwargs: Any) -> Any:
                    warnings.warn(message, DeprecationWarning, stacklevel=2)
                    return await func(*args, **kwargs)

            else:

                def wrapper(*args: Any, **kwargs: Any) -> Any:
                    warnings.warn(message, DeprecationWarning, stacklevel=2)
                    return func(*args, **kwargs)

            functools.update_wrapper(wrapper, func)
            wrapper.__deprecated__ = message
            return wrapper

        return decorate


FileContent = bytes | IO[bytes]


FileTypes = (
    FileContent | tuple[str | None, FileContent] | tuple[str | None, FileContent, str | None]
)


"""A file part of a multipart body: its bytes or a binary file, optionally with a name and content type."""


BinaryContent = bytes | bytearray | memoryview | IO[bytes] | Iterable[bytes] | AsyncIterable[bytes]


"""A raw request body (`application/octet-stream`, `image/png`...): bytes, a binary file, or an
iterator of bytes (an async one for the async client). Files and iterators are streamed; a file
that can seek is sent again from where it started when a call is retried, an iterator is not
(a call whose body is an iterator is not retried)."""


class SequenceNotStr(Protocol[T_co]):
    """What a list argument takes: a list, a tuple or any other sequence, but not a `str`.

    `Sequence[str]` would accept `"abc"` too, which the API would get as a string where it
    expects a list; `str.__contains__` takes only a `str`, which keeps `str` (and `bytes`)
    out of this protocol. Being covariant, a `list[dict[str, Any]]` is accepted where the
    items may be models or dicts. (No `index` or `count`: their `value: Any` would let mypy
    infer a list display's items as Any, and accept `[1]` for a list of models.)
    """

    @overload
    def __getitem__(self, index: SupportsIndex, /) -> T_co: ...
    @overload
    def __getitem__(self, index: slice, /) -> Sequence[T_co]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[T_co]: ...
    def __reversed__(self) -> Iterator[T_co]: ...


class LazyModule:
    """Stands for a module imported on first attribute access: the client's request builders,
    and with them the models, so that building a client creates no model class."""

    def __init__(self, name: str, package: str | None) -> None:
        self._name = name
        self._package = package
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name, self._package)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"LazyModule({self._name!r}, {self._package!r})"


def to_jsonable(value: Any) -> Any:
    """Models become their wire form (aliases, only fields that were set); containers recurse."""
    if isinstance(value, pydantic.BaseModel):  # looked up here: pydantic loads it on first use
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        mapping = cast("Mapping[object, object]", value)
        return {str(k): to_jsonable(v) for k, v in mapping.items() if v is not NOT_GIVEN}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return [to_jsonable(v) for v in cast("Sequence[object]", value)]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8")  # as pydantic writes bytes in JSON
    return value
