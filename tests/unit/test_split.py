"""generator/split.py: which module under models/ each model of a grouped package goes to."""

from __future__ import annotations

from generator.ir import FieldIR, ModelIR, OperationIR, ResourceIR
from generator.split import OTHER, SHARED, _cyclic, split


def model(name: str, *refs: str) -> ModelIR:
    fields = tuple(FieldIR(f"f{i}", f"f{i}", ref, "", "") for i, ref in enumerate(refs))
    return ModelIR(name, f"/components/schemas/{name}", True, "", fields)


def op(pointer: str) -> OperationIR:
    return OperationIR(pointer, pointer, "GET", "/", "'/'", pointer, (), (), (), (), (), "", False, "json", False, "",
                       "None", "json", "", "", False, "", pointer, False, ())


def resource(name: str, *ops: OperationIR) -> ResourceIR:
    return ResourceIR(name, name, name.title() + "Resource", name, ops, ())


def test_models_go_to_the_one_resource_that_uses_them_else_shared_or_other() -> None:
    models = [model("Pet", "Tag"), model("Tag"), model("Order", "Pet"), model("Souvenir", "Order"), model("Lone")]
    buy, list_pets = op("buy"), op("list_pets")
    found = split(models, {}, [], [resource("pets", list_pets), resource("store", buy)],
                  {"list_pets": {"Pet"}, "buy": {"Order"}})
    # Order names Pet (named in the hint, not in the builder's deps): Pet and Tag are used by both.
    assert found.model_home == {"Pet": SHARED, "Tag": SHARED, "Order": "store", "Souvenir": OTHER, "Lone": OTHER}
    modules = {m.name: m for m in found.model_modules}
    assert [m.python_name for m in modules["store"].models] == ["Order"]
    assert any("from ..models._shared import Pet" in line for line in modules["store"].imports)


def test_operations_on_the_client_make_their_models_shared() -> None:
    models = [model("Health")]
    check = op("check")
    found = split(models, {}, [check], [resource("pets", op("x"))], {"check": {"Health"}})
    assert found.model_home == {"Health": SHARED}
    assert found.operation_home == {"check": "_client", "x": "pets"}


def test_modules_that_would_import_each_other_are_detected() -> None:
    home = {"A": "one", "B": "two"}
    assert _cyclic(home, {"A": frozenset({"B"}), "B": frozenset({"A"})})
    assert not _cyclic(home, {"A": frozenset({"B"})})
