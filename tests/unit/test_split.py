"""generator/split.py: which module under models/ each model of a grouped package goes to."""

from __future__ import annotations

from generator.chunk import components, pack, resource_lines
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


# ---- long modules continue in parts (generator/chunk.py) -------------------------------------


def test_components_come_dependencies_first_with_circles_together() -> None:
    deps = {"A": frozenset({"B"}), "B": frozenset({"C"}), "C": frozenset({"B"}), "D": frozenset()}
    assert components(["A", "B", "C", "D"], deps) == [["B", "C"], ["A"], ["D"]]


def test_components_of_a_long_chain_need_no_recursion() -> None:
    names = [f"M{i}" for i in range(5000)]
    deps = {names[i]: frozenset({names[i + 1]}) for i in range(len(names) - 1)}
    deps[names[-1]] = frozenset({names[0]})  # one circle of 5,000
    assert components(names, deps) == [names]


def test_pack_keeps_order_and_budget_but_never_splits_an_item() -> None:
    assert pack([3, 3, 3, 9, 1], lambda n: n, budget=6) == [[3, 3], [3], [9], [1]]


def test_models_over_the_budget_continue_in_parts_that_import_only_earlier_ones() -> None:
    # Z <- Y <-> X (a circle) <- W: every model is used by no operation (the `_other` module).
    models = [model("Z"), model("Y", "X", "Z"), model("X", "Y"), model("W", "X"), model("V")]
    found = split(models, {}, [], [resource("pets", op("x"))], {}, budget=15)  # lines: 3, 9, 6, 6, 3
    assert found.model_home == {"Z": OTHER, "Y": OTHER + "_2", "X": OTHER + "_2", "W": OTHER + "_3",
                                "V": OTHER + "_3"}
    assert not _cyclic(found.model_home, {"Y": frozenset({"X", "Z"}), "X": frozenset({"Y"}), "W": frozenset({"X"})})
    modules = {m.name: m for m in found.model_modules}
    assert any("from ..models._other import Z" in line for line in modules[OTHER + "_2"].imports)
    assert [m.python_name for m in modules[OTHER + "_2"].models] == ["Y", "X"]
    # X is defined after Y in the same part: Y's hint on it looks forward, Z's is imported.
    assert [f.forward for f in modules[OTHER + "_2"].models[0].fields] == [True, False]


def test_resource_classes_over_the_budget_continue_in_parts_with_their_builders() -> None:
    children = tuple(ResourceIR(name, f"store.{name}", f"Store{name.title()}Resource", "store", (op(name),), ())
                     for name in ("orders", "carts", "payments"))
    store = ResourceIR("store", "store", "StoreResource", "store", (op("open"),), children)
    found = split([], {}, [], [store], {}, budget=2 * resource_lines(children[0]))
    assert [(name, [c.path for c in classes]) for name, classes in found.resource_parts] == [
        ("store", ["store"]), ("store_2", ["store.orders", "store.carts"]), ("store_3", ["store.payments"])]
    assert [c.module for c in found.resources[0].children] == ["store_2", "store_2", "store_3"]
    assert found.operation_home == {"open": "store", "orders": "store_2", "carts": "store_2", "payments": "store_3"}


def test_part_names_avoid_the_modules_already_there() -> None:
    child = ResourceIR("items", "orders.items", "OrdersItemsResource", "orders", (op("a"),), ())
    orders = ResourceIR("orders", "orders", "OrdersResource", "orders", (op("b"),), (child,))
    taken = resource("orders_2", op("c"))
    found = split([], {}, [], [orders, taken], {}, budget=resource_lines(child))
    assert [name for name, _ in found.resource_parts] == ["orders", "orders_2_", "orders_2"]
