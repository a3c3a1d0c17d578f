from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden snapshots (tests/golden/*/expected and generated/) instead of comparing",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def generated_on_path() -> Path:
    """Make the committed generated package importable as `assistants_client`."""
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
    return GENERATED
