"""The bases of the generated models: open enums, open tagged unions, and UnknownVariant.

Its own module, loaded with the first model: building a client loads none of pydantic's model
machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic
from pydantic_core import core_schema

__all__ = [
    "OPEN_ENUM",
    "APIModel",
    "OpenUnion",
    "UnknownVariant",
]


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
        paths.extend([name] for name in attributes)
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
