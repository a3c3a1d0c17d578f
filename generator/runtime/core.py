"""Shared by every generated module: the NOT_GIVEN marker, argument types, and the bases
of the generated models (open enums, open tagged unions, UnknownVariant).
"""

from __future__ import annotations

import datetime
import functools
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
from typing import IO, TYPE_CHECKING, Any, Protocol, Self, SupportsIndex, TypeVar, overload

import pydantic
from pydantic_core import core_schema

__all__ = [
    "NOT_GIVEN",
    "OPEN_ENUM",
    "APIModel",
    "BinaryContent",
    "FileContent",
    "FileTypes",
    "NotGiven",
    "OpenUnion",
    "SequenceNotStr",
    "UnknownVariant",
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


class _OpenEnum:
    """Marks an enum `Literal` as open: unknown strings from the server are kept, not rejected.

    The known values are tried first, then any string, inside pydantic-core: no Python
    call per value (a wrap validator doubled the cost of parsing a message list).
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.union_schema(
            [handler(source), core_schema.str_schema()], mode="left_to_right"
        )


OPEN_ENUM = _OpenEnum()


class APIModel(pydantic.BaseModel):
    """The base of every generated model.

    Fields the API adds later are kept (`extra="allow"`); a field can be set by its
    wire name or its Python name; field names may start with `model_`; and each model
    builds its validator on first use (`defer_build`), so importing the package costs
    little and a program pays only for the models it touches.
    """

    model_config = pydantic.ConfigDict(
        extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True
    )


class UnknownVariant(pydantic.BaseModel):
    """A union member this client does not know yet (a newer API); every field is kept."""

    # Built on first use, like the generated models: building it at import would also
    # make pydantic scan every installed distribution for plugins, before any call.
    model_config = pydantic.ConfigDict(extra="allow", defer_build=True)


class OpenUnion:
    """Marks a union as tagged by the property `prop`, and open: a member this client does
    not know (a tag not in `members`) is kept as UnknownVariant instead of being rejected.

    `members` maps every tag value to the member type carrying it. Known tags are
    dispatched inside pydantic-core (a tagged union: no Python call per value); only a
    value the tagged union refuses reaches the UnknownVariant branch, which accepts it
    when its tag is unknown. A known tag with a bad value stays an error.
    """

    def __init__(self, prop: str, members: Mapping[Any, Any]) -> None:
        self.prop = prop
        self.members = dict(members)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: pydantic.GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        choices = {tag: handler.generate_schema(member) for tag, member in self.members.items()}
        # A dict (or JSON) carries the tag under its wire name; a model instance under the
        # attribute of the field with that alias (`class` -> `class_`): look for both.
        attributes = sorted(
            {
                name
                for member in self.members.values()
                if isinstance(member, type) and issubclass(member, pydantic.BaseModel)
                for name, info in member.model_fields.items()
                if (info.alias or name) == self.prop and name != self.prop
            }
        )
        paths: list[list[str | int]] = [[self.prop]]
        paths += ([name] for name in attributes)
        known = core_schema.tagged_union_schema(choices, paths if attributes else self.prop)
        unknown = core_schema.no_info_after_validator_function(
            self._unknown_only, handler.generate_schema(UnknownVariant)
        )
        return core_schema.union_schema([known, unknown], mode="left_to_right")

    def _unknown_only(self, value: UnknownVariant) -> UnknownVariant:
        tag = (value.model_extra or {}).get(self.prop)
        try:
            known = tag in self.members
        except TypeError:  # an unhashable tag names no member
            known = False
        if known:
            raise ValueError(f"{self.prop}={tag!r} names a known member, but the value is not one")
        return value


def to_jsonable(value: Any) -> Any:
    """Models become their wire form (aliases, only fields that were set); containers recurse."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not NOT_GIVEN}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8")  # as pydantic writes bytes in JSON
    return value
