"""Unit tests of generator.naming: the names a person would write."""

from __future__ import annotations

import pytest

from generator.naming import Claim, class_name, inline_model_names, pascal_words


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


# ---- the naming pass over inline schemas ---------------------------------------------------


def names_of(*claims: Claim, taken: tuple[str, ...] = ()) -> dict[str, str]:
    return inline_model_names(claims, taken)


def test_a_title_no_other_schema_wants_is_the_name() -> None:
    assert names_of(Claim("/components/schemas/Store/properties/manager/oneOf/0", "StoreManager", "Manager")) == {
        "/components/schemas/Store/properties/manager/oneOf/0": "Manager"}


def test_a_shared_title_names_neither_schema_but_their_places_do() -> None:
    pet, store = "/components/schemas/Pet/properties/owner/oneOf/0", "/components/schemas/Store/properties/owner/oneOf/0"
    assert names_of(Claim(pet, "PetOwner", "Owner"), Claim(store, "StoreOwner", "Owner")) == {
        pet: "PetOwner", store: "StoreOwner"}
    # nor does a title that another schema's place gives, or that a component has
    assert names_of(Claim(pet, "PetOwner", "StoreOwner"), Claim(store, "StoreOwner"))[pet] == "PetOwner"
    assert names_of(Claim(pet, "PetOwner", "Owner"), taken=("Owner",))[pet] == "PetOwner"


def test_a_name_a_component_has_marks_the_inline_schema() -> None:
    tag = "/components/schemas/Pet/properties/tag"
    assert names_of(Claim(tag, "PetTag"), taken=("PetTag",)) == {tag: "PetTagInline"}
    assert names_of(Claim(tag, "PetTag"), taken=("pettag",)) == {tag: "PetTagInline"}  # case does not matter


def test_inside_operations_the_place_names_even_where_a_title_is_free() -> None:
    branch = "/paths/~1payments/post/requestBody/content/application~1json/schema/properties/source/anyOf/0"
    assert names_of(Claim(branch, "MakePaymentBodySourceCard", "Card")) == {branch: "MakePaymentBodySourceCard"}


def test_components_come_first_whatever_the_order_met() -> None:
    in_op = Claim("/paths/~1a/get/responses/200/content/application~1json/schema", "Owner")
    in_component = Claim("/components/schemas/Pet/properties/owner", "PetOwner", "Owner")
    assert names_of(in_op, in_component) == names_of(in_component, in_op) == {
        in_component.pointer: "Owner", in_op.pointer: "OwnerInline"}


def test_places_that_give_one_name_share_it_in_pointer_order() -> None:
    a = Claim("/components/schemas/All/properties/naive_", "AllNaive")
    b = Claim("/components/schemas/All/properties/na\u00efve", "AllNaive")
    assert names_of(b, a) == names_of(a, b) == {a.pointer: "AllNaive", b.pointer: "AllNaive_2"}


def test_adding_an_operation_renames_no_model() -> None:
    """Whatever a new operation's inline schemas want, the names already given stay."""
    before = [Claim("/components/schemas/Pet/properties/owner/oneOf/0", "PetOwner", "Owner"),
              Claim("/components/schemas/Pet/properties/tag", "PetTag"),
              Claim("/paths/~1pets/get/responses/200/content/application~1json/schema", "ListPetsResponse")]
    added = [Claim("/paths/~1a/post/requestBody/content/application~1json/schema/oneOf/0", "CreateABodyOwner", "Owner"),
             Claim("/paths/~1a/post/responses/200/content/application~1json/schema", "PetTag"),
             Claim("/paths/~1a/post/responses/201/content/application~1json/schema", "Owner")]
    old = names_of(*before)
    new = names_of(*added, *before)
    assert {ptr: new[ptr] for ptr in old} == old
    assert len({n.lower() for n in new.values()}) == len(new)
