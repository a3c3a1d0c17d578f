"""Output equals the committed snapshots, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden_support import (
    UPDATE_COMMAND,
    Snapshot,
    all_snapshots,
    compare,
    compare_diff,
    diff_cases,
    render,
    update,
    update_diff,
)

SNAPSHOTS = all_snapshots()
DIFF_CASES = diff_cases()


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[s.name for s in SNAPSHOTS])
def test_snapshot_matches(snapshot: Snapshot, update_golden: bool) -> None:
    if update_golden:
        update(snapshot)
    diff = compare(snapshot)
    assert not diff, f"{snapshot.name} differs from a fresh generation:\n{diff}\nUpdate with: {UPDATE_COMMAND}"


def test_every_case_documents_itself() -> None:
    for snapshot in SNAPSHOTS[1:]:
        readme = snapshot.out_dir / "README.md"
        assert readme.is_file() and len(readme.read_text()) > 80, f"{snapshot.name} needs a README.md"


def test_openapi_30_and_31_give_identical_models() -> None:
    by_name = {s.name: s for s in SNAPSHOTS}
    models = {}
    for name in ("features_30", "features_31"):
        text = render(by_name[name])["models.py"].decode()
        header, body = text.split("\n", 1)
        assert "DO NOT EDIT" in header
        models[name] = body
    assert models["features_30"] == models["features_31"]
    assert "status: Annotated[Literal[\"active\", \"retired\"], OPEN_ENUM] | None = None" in models["features_31"]
    assert 'Cat | Dog | UnknownVariant, OpenUnion("kind", {"cat": Cat, "dog": Dog})' in models["features_31"]


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
def test_change_report_matches(case: Path, update_golden: bool) -> None:
    if update_golden:
        update_diff(case)
    diff = compare_diff(case)
    assert not diff, f"the change report of {case.name} differs:\n{diff}\nUpdate with: {UPDATE_COMMAND}"
    readme = case / "README.md"
    assert readme.is_file() and len(readme.read_text()) > 80, f"{case.name} needs a README.md"
