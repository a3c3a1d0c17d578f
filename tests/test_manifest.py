"""Unit tests of `generator.manifest`: what it records, how it reads back, what it says."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from generator import HEADER, __version__, manifest
from generator.pipeline import Coverage, Options
from generator.problems import Problem
from generator.resources import Layout
from generator.scope import Filters


def _options(**changes: Any) -> Options:
    base: dict[str, Any] = {"spec": Path("/somewhere/spec/api.yaml"), "package": "pet_client",
                            "client_name": "PetClient", "env_prefix": "PET"}
    return Options(**{**base, **changes})


def _inputs(options: Options | None = None, spec: bytes = b"openapi: 3.1.0\n",
            overlays: tuple[tuple[str, bytes], ...] = ()) -> dict[str, Any]:
    return manifest.inputs(options or _options(), spec, [(Path("/x") / name, raw) for name, raw in overlays], "t" * 64)


def test_inputs_record_content_hashes_names_and_the_pinned_formatter_only() -> None:
    recorded = _inputs(_options(filters=Filters(("pets",), ())), overlays=(("fix.yaml", b"a"),))
    assert recorded == {
        "generator": {"name": "oapi-pygen", "version": __version__},
        # the file's name, never its path: the manifest is the same on every machine
        "spec": {"file": "api.yaml", "sha256": hashlib.sha256(b"openapi: 3.1.0\n").hexdigest()},
        "overlays": [{"file": "fix.yaml", "sha256": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"}],
        "templates": {"sha256": "t" * 64},
        "formatter": {"black": metadata.version("black")},
        "options": {"package": "pet_client", "client_name": "PetClient", "env_prefix": "PET", "tags": ["pets"],
                    "operations": [], "allow_partial": False},
    }
    assert "/somewhere" not in json.dumps(recorded)


def test_render_lists_every_file_but_itself_and_counts_warnings_by_kind() -> None:
    coverage = Coverage(3, 3, 2, 5, (Problem("/a", "x", "warning", kind="default-mismatch"),
                                     Problem("/b", "y", "warning", kind="default-mismatch")))
    files = {"models.py": b"m", "README.md": b"r", manifest.MANIFEST: b"old"}
    data = json.loads(manifest.render(_inputs(), coverage, files))
    assert data["_comment"] == HEADER
    assert data["coverage"] == {"spec_operations": 3, "scope_operations": 3, "operations": 2, "models": 5,
                                "warnings": {"default-mismatch": 2}}
    assert list(data["files"]) == ["README.md", "models.py"]
    assert manifest.render(_inputs(), coverage, files).endswith(b"}\n")


def test_read_tells_no_manifest_from_a_broken_one(tmp_path: Path) -> None:
    assert manifest.read(tmp_path) is None
    (tmp_path / manifest.MANIFEST).write_text("{not json")
    with pytest.raises(manifest.ManifestError):
        manifest.read(tmp_path)
    (tmp_path / manifest.MANIFEST).write_text('{"files": {}}')
    with pytest.raises(manifest.ManifestError, match="not a manifest this generator wrote"):
        manifest.read(tmp_path)
    (tmp_path / manifest.MANIFEST).write_bytes(manifest.render(_inputs(), Coverage(0, 0, 0, 0, ()), {}))
    recorded = manifest.read(tmp_path)
    assert recorded is not None and recorded.names() == {"package": "pet_client", "client_name": "PetClient",
                                                         "env_prefix": "PET"}


def test_names_are_none_when_one_is_missing() -> None:
    assert manifest.Recorded({"options": {"package": "p", "client_name": "C"}}).names() is None
    assert manifest.Recorded({"options": "nonsense"}).names() is None


def test_option_mismatches_say_what_was_recorded_and_what_this_run_has() -> None:
    recorded = manifest.Recorded(_inputs(overlays=(("a.yaml", b"1"), ("b.yaml", b"2"))))
    assert manifest.option_mismatches(recorded, _inputs(overlays=(("a.yaml", b"1"), ("b.yaml", b"2")))) == []
    assert manifest.option_mismatches(recorded, _inputs(overlays=(("a.yaml", b"changed"), ("b.yaml", b"2")))) == []
    assert manifest.option_mismatches(recorded, _inputs()) == [
        "generated with overlays a.yaml, b.yaml; this run has none"]
    other = _options(spec=Path("other.yaml"), client_name="Zoo", filters=Filters(("t",), ("op",)),
                     allow_partial=True)
    assert manifest.option_mismatches(recorded, _inputs(other, overlays=(("b.yaml", b"2"),))) == [
        "generated from spec api.yaml; this run reads other.yaml",
        "generated with overlays a.yaml, b.yaml; this run has b.yaml",
        "generated with tags none; this run has t",
        "generated with operations none; this run has op",
        "generated with client name PetClient; this run has Zoo",
        "generated without --allow-partial; this run has it",
    ]


def test_changed_inputs_name_the_spec_an_overlay_the_templates_and_tools() -> None:
    recorded = manifest.Recorded(_inputs(overlays=(("a.yaml", b"1"),)))
    assert manifest.changed_inputs(recorded, _inputs(overlays=(("a.yaml", b"1"),))) == []
    current = _inputs(spec=b"openapi: 3.0.3\n", overlays=(("a.yaml", b"2"),))
    current["templates"] = {"sha256": "u" * 64}
    current["formatter"] = {"black": "99.0"}
    current["generator"] = {"name": "oapi-pygen", "version": "9.9.9"}
    assert manifest.changed_inputs(recorded, current) == [
        "the spec (api.yaml)", "the overlay a.yaml", "the templates",
        f"the generator (oapi-pygen {__version__} -> oapi-pygen 9.9.9)",
        f"the formatter (black {metadata.version('black')} -> black 99.0)",
    ]


def test_grouping_and_renames_are_recorded_when_set_and_a_change_to_them_is_drift() -> None:
    """Not set, they leave the manifest as it was before they existed. Set, they shape the package
    as an overlay setting the extensions would: a change is an input that changed, not other options."""
    plain = _inputs()
    assert list(plain["options"]) == ["package", "client_name", "env_prefix", "tags", "operations", "allow_partial"]
    paths = _inputs(_options(layout=Layout("paths", (("files", "documents"),))))
    assert paths["options"]["grouping"] == "paths" and paths["options"]["resources"] == {"files": "documents"}
    assert manifest.option_mismatches(manifest.Recorded(plain), paths) == []
    assert manifest.changed_inputs(manifest.Recorded(plain), paths) == [
        "the grouping setting (not set -> paths)", "the resource renames (files)"]
    assert manifest.changed_inputs(manifest.Recorded(paths), paths) == []
    flat = _inputs(_options(layout=Layout("flat", (("files", "docs"), ("models", "")))))
    assert manifest.changed_inputs(manifest.Recorded(paths), flat) == [
        "the grouping setting (paths -> flat)", "the resource renames (files, models)"]
    assert manifest.changed_inputs(manifest.Recorded(flat), plain) == [
        "the grouping setting (flat -> not set)", "the resource renames (files, models)"]
