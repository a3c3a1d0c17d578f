"""Unit tests of generator.naming: the names a person would write."""

from __future__ import annotations

import pytest

from generator.naming import class_name, pascal_words


@pytest.mark.parametrize(("wire", "name"), [
    ("RunObject", "RunObject"),  # written in one piece: kept, capitals and all
    ("APIKey", "APIKey"),
    ("object1", "Object1"),
    ("account_enum_status", "AccountEnumStatus"),  # snake_case: joined from its words
    ("create_filter_v2", "CreateFilterV2"),
    ("PkiWriteAcmeAuthorizationAuth_idRequest", "PkiWriteAcmeAuthorizationAuthIdRequest"),
    ("Bulk_update_guild_channels", "BulkUpdateGuildChannels"),
    ("list_API_keys", "ListAPIKeys"),  # a word's own capitals stay
    ("foo-bar", "FooBar"),
    ("3d", "Model3d"),  # a leading digit
    ("Any", "AnyModel"),  # a name the module imports
])
def test_class_names(wire: str, name: str) -> None:
    assert class_name(wire) == name


def test_pascal_words_keeps_capitals_and_drops_separators() -> None:
    assert pascal_words("First type of object") == "FirstTypeOfObject"
    assert pascal_words("OAuth2_token") == "OAuth2Token"
    assert pascal_words("naïve") == "Naive"
    assert pascal_words("--") == ""
