"""Golden snapshots: one way to render a case, one way to compare, one way to update.

A case is a folder `tests/golden/<case>/` with `spec.yaml`, a `README.md` saying
what it covers, and `expected/`, the package the generator must produce. A case
generated with options other than the defaults names them in `options.json`
(e.g. `{"allow_partial": true}`; see CASE_OPTIONS).
The real product, `generated/assistants_client`, is checked the same way.
A case's `expected/` leaves out the runtime modules (`_runtime/`, copied verbatim from
generator/runtime/): its `_manifest.json` names them with their hashes, and `install_case`
puts them back for the tests that import a case's package.
The messages the generator prints for the specs it refuses (tests/bad_specs/) are
snapshots too, kept in `tests/bad_specs/expected.json` and updated by the same flag.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator import HEADER, apidiff
from generator.config import load_settings
from generator.pipeline import Options, api_surface, generate
from generator.runtime_files import PACKAGE as RUNTIME
from generator.runtime_files import runtime_files
from generator.write import drift, read_tree, write_package

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden"
BAD_SPECS_DIR = ROOT / "tests" / "bad_specs"
MESSAGES = BAD_SPECS_DIR / "expected.json"
UPDATE_COMMAND = "make golden   (or: pytest tests/test_golden.py tests/test_bad_specs.py --update-golden)"


@dataclass(frozen=True)
class Snapshot:
    """Where a snapshot lives and how it is generated."""

    name: str
    options: Options
    out_dir: Path  # the folder holding the package folder
    package_dir: str  # the package folder's name inside out_dir


CASE_OPTIONS = ("allow_partial", "strict")  # the Options fields a case's options.json may set


def case_options(case: Path) -> dict[str, bool]:
    """The options a case is generated with besides the defaults: its options.json, if it has one."""
    path = case / "options.json"
    chosen: dict[str, bool] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    unknown = set(chosen) - set(CASE_OPTIONS)
    assert not unknown, f"{path}: unknown options {sorted(unknown)}; a case may set {CASE_OPTIONS}"
    return chosen


def case_snapshot(case: Path) -> Snapshot:
    options = Options(spec=case / "spec.yaml", package="zoo_client", client_name="ZooClient", env_prefix="ZOO",
                      **case_options(case))
    return Snapshot(case.name, options, case, "expected")


def product_snapshot() -> Snapshot:
    settings = load_settings(ROOT / "pyproject.toml")
    options = Options(spec=settings.spec, overlays=settings.overlays, package=settings.package,
                      client_name=settings.client_name, env_prefix=settings.env_prefix)
    return Snapshot("generated", options, ROOT / "generated", options.package)


def all_snapshots() -> list[Snapshot]:
    cases = sorted(p for p in GOLDEN_DIR.iterdir() if (p / "spec.yaml").is_file())
    return [product_snapshot()] + [case_snapshot(c) for c in cases]


def render(snapshot: Snapshot) -> dict[str, bytes]:
    """The files a snapshot stores: the whole package for the product, a case's without its runtime."""
    files = generate(snapshot.options).files
    if snapshot.name == "generated":
        return files
    return {name: data for name, data in files.items() if not name.startswith(RUNTIME + "/")}


def install_case(expected: Path, dest: Path) -> None:
    """Copy a case's expected package to `dest`, with the runtime modules its manifest names
    (checked against their recorded hashes), so that it imports."""
    shutil.copytree(expected, dest)
    texts = {p.relative_to(expected).as_posix(): p.read_text(encoding="utf-8") for p in expected.rglob("*.py")}
    recorded = json.loads((expected / "_manifest.json").read_text(encoding="utf-8"))["files"]
    runtime = runtime_files(texts, HEADER)
    assert sorted(runtime) == sorted(n for n in recorded if n.startswith(RUNTIME + "/")), expected
    for name, text in runtime.items():
        data = text.encode("utf-8")
        assert hashlib.sha256(data).hexdigest() == recorded[name], f"{expected}: {name} is not the recorded one"
        (dest / name).parent.mkdir(exist_ok=True)
        (dest / name).write_bytes(data)


def compare(snapshot: Snapshot) -> str:
    """The unified diff from the stored snapshot to a fresh rendering ("" when equal)."""
    target = snapshot.out_dir / snapshot.package_dir
    return drift(render(snapshot), read_tree(target), target.relative_to(ROOT).as_posix())


def update(snapshot: Snapshot) -> None:
    write_package(snapshot.out_dir, snapshot.package_dir, render(snapshot))


def stored_messages() -> dict[str, list[str]]:
    """Bad-spec case -> the stderr lines the generator must print for it."""
    if not MESSAGES.is_file():
        return {}
    data: dict[str, list[str]] = json.loads(MESSAGES.read_text(encoding="utf-8"))
    return data


def store_messages(updates: dict[str, list[str]], keep: set[str] | None = None) -> None:
    """Write `updates` into the snapshot; with `keep`, drop every case not in it (sorted, stable bytes)."""
    data = stored_messages()
    data.update(updates)
    if keep is not None:
        data = {k: v for k, v in data.items() if k in keep}
    text = json.dumps(dict(sorted(data.items())), indent=2, ensure_ascii=False) + "\n"
    MESSAGES.write_text(text, encoding="utf-8")


# --- API change reports (`diff`) -----------------------------------------------------------
# A case is a folder `tests/golden/diffs/<case>/` with `old.yaml`, `new.yaml`, a
# `README.md` saying which changes it covers, and the expected reports
# `expected.md` and `expected.json`.

DIFF_DIR = GOLDEN_DIR / "diffs"
DIFF_FILES = ("expected.md", "expected.json")


def diff_cases() -> list[Path]:
    return sorted(p for p in DIFF_DIR.iterdir() if (p / "old.yaml").is_file())


def render_diff(case: Path) -> dict[str, bytes]:
    old, new = (api_surface(Options(spec=case / name)) for name in ("old.yaml", "new.yaml"))
    changes = apidiff.compare(old, new)
    return {"expected.md": apidiff.markdown(changes, "old.yaml", "new.yaml").encode(),
            "expected.json": apidiff.as_json(changes, "old.yaml", "new.yaml").encode()}


def compare_diff(case: Path) -> str:
    stored = {name: (case / name).read_bytes() for name in DIFF_FILES if (case / name).is_file()}
    return drift(render_diff(case), stored, case.relative_to(ROOT).as_posix())


def update_diff(case: Path) -> None:
    for name, data in render_diff(case).items():
        (case / name).write_bytes(data)
