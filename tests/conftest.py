from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.cli_support import Workspace, make_workspace

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden snapshots (tests/golden/*/expected, generated/ and the bad-spec "
        "messages in tests/bad_specs/expected.json) instead of comparing",
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


@pytest.fixture(scope="session")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The real spec generated once by the command line; tests take private copies (`ws.copy_to`)."""
    return make_workspace(tmp_path_factory.mktemp("cli"))
