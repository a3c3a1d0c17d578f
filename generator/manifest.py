"""The manifest, `_manifest.json`: what a generated package was made from, and its files' hashes.

It records only what decides the output bytes and cannot change under a user without their
doing: the spec's and each overlay's content hash, the templates' hash, the generator's
version, the pinned formatter and the options. No versions of unpinned tools, no dates, no
absolute paths, no cache state. Then the coverage and the sha256 of every file written.

The manifest is never taken as proof that a package is current (`check` regenerates and
compares bytes; see `pipeline.generate_cached`). It serves to:
- tell which options a package (a vendored copy too) was generated with (`options_of`),
  and say so when a run's options differ (`option_mismatches`);
- say which inputs changed since the package was generated (`changed_inputs`).

The project's grouping and resource renames are recorded with the options only when set, so a
package generated without them has the manifest it had before they existed. They shape the
package as an overlay setting the same extensions would: a change to them is drift (named by
`changed_inputs`), not another set of options.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import HEADER, TOOL_NAME, __version__

if TYPE_CHECKING:
    from generator.options import Coverage, Options

MANIFEST = "_manifest.json"
FORMATTER = "black"  # pinned in pyproject.toml: its version decides the bytes, so it is recorded
NAMED_OPTIONS = ("package", "client_name", "env_prefix")  # what a package folder's name does not tell


def inputs(options: Options, spec_raw: bytes, overlays: Sequence[tuple[Path, bytes]],
           templates_sha256: str) -> dict[str, Any]:
    """The recorded inputs of a run: equal inputs give equal bytes."""
    layout: dict[str, Any] = {}
    if options.layout.grouping is not None:
        layout["grouping"] = options.layout.grouping
    if options.layout.resources:
        layout["resources"] = dict(options.layout.resources)
    return {
        "generator": {"name": TOOL_NAME, "version": __version__},
        "spec": {"file": options.spec.name, "sha256": _sha256(spec_raw)},
        "overlays": [{"file": path.name, "sha256": _sha256(raw)} for path, raw in overlays],
        "templates": {"sha256": templates_sha256},
        "formatter": {FORMATTER: metadata.version(FORMATTER)},
        "options": {"package": options.package, "client_name": options.client_name,
                    "env_prefix": options.env_prefix, "tags": list(options.filters.tags),
                    "operations": list(options.filters.operations), "allow_partial": options.allow_partial,
                    **layout},
    }


def render(recorded_inputs: Mapping[str, Any], coverage: Coverage, files: Mapping[str, bytes]) -> bytes:
    """The manifest's bytes: the inputs, the coverage (warning counts by kind) and every file's sha256."""
    data = {
        "_comment": HEADER,
        "inputs": recorded_inputs,
        "coverage": {
            "spec_operations": coverage.spec_operations, "scope_operations": coverage.scope_operations,
            "operations": coverage.operations, "models": coverage.models,
            # Counts only: where openapi-spec-validator reports a finding that several identical
            # schemas share can vary between runs, and the manifest must not.
            "warnings": dict(sorted(Counter(p.kind for p in coverage.warnings).items())),
        },
        "files": {name: _sha256(data) for name, data in sorted(files.items()) if name != MANIFEST},
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Recorded:
    """A manifest read back: its inputs, as far as they are well-formed."""

    inputs: dict[str, Any]

    @property
    def options(self) -> dict[str, Any]:
        found = self.inputs.get("options")
        return found if isinstance(found, dict) else {}

    def names(self) -> dict[str, str] | None:
        """package, client_name and env_prefix as recorded; None when one is missing."""
        found = {key: self.options.get(key) for key in NAMED_OPTIONS}
        named = {key: value for key, value in found.items() if isinstance(value, str)}
        return named if len(named) == len(NAMED_OPTIONS) else None


class ManifestError(ValueError):
    """A `_manifest.json` that this generator did not write (or that was damaged)."""


def read(package_dir: Path) -> Recorded | None:
    """The manifest in a package folder; None when there is none, ManifestError when it is unreadable."""
    path = package_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("inputs"), dict):
        raise ManifestError(f"{path} is not a manifest this generator wrote")
    return Recorded(data["inputs"])


def option_mismatches(recorded: Recorded, current: Mapping[str, Any]) -> list[str]:
    """How a run's options differ from those the package was generated with, one sentence each.

    Only what the user chooses is compared (spec file, overlays, filters, names, partial
    output); a changed spec or template content is drift, not another set of options, and so is
    a changed grouping or resource rename (see the module docstring).
    """
    said: list[str] = []
    old_spec, new_spec = _file(recorded.inputs.get("spec")), _file(current["spec"])
    if old_spec != new_spec:
        said.append(f"generated from spec {old_spec}; this run reads {new_spec}")
    old_overlays = [_file(o) for o in recorded.inputs.get("overlays") or []]
    new_overlays = [_file(o) for o in current["overlays"]]
    if old_overlays != new_overlays:
        said.append(f"generated with overlays {_listed(old_overlays)}; this run has {_listed(new_overlays)}")
    old, new = recorded.options, current["options"]
    for key, what in (("tags", "tags"), ("operations", "operations")):
        if list(old.get(key) or []) != list(new[key]):
            said.append(f"generated with {what} {_listed(old.get(key) or [])}; "
                        f"this run has {_listed(new[key])}")
    for key, what in (("package", "package"), ("client_name", "client name"), ("env_prefix", "env prefix")):
        if old.get(key) != new[key]:
            said.append(f"generated with {what} {old.get(key)}; this run has {new[key]}")
    if bool(old.get("allow_partial")) != bool(new["allow_partial"]):
        said.append("generated " + ("with" if old.get("allow_partial") else "without")
                    + " --allow-partial; this run " + ("has it" if new["allow_partial"] else "has not"))
    return said


def changed_inputs(recorded: Recorded, current: Mapping[str, Any]) -> list[str]:
    """Which recorded inputs differ from this run's: the spec, an overlay, the templates, the tools."""
    changed = []
    if recorded.inputs.get("spec") != current["spec"]:
        changed.append(f"the spec ({_file(current['spec'])})")
    old_overlays = {_file(o): o for o in recorded.inputs.get("overlays") or []}
    changed += [f"the overlay {_file(o)}" for o in current["overlays"]
                if _file(o) in old_overlays and old_overlays[_file(o)] != o]
    if recorded.inputs.get("templates") != current["templates"]:
        changed.append("the templates")
    old_options, new_options = recorded.options, current["options"]
    if old_options.get("grouping") != new_options.get("grouping"):
        changed.append(f"the grouping setting ({_setting(old_options.get('grouping'))} -> "
                       f"{_setting(new_options.get('grouping'))})")
    old_renames, new_renames = _renames(old_options), _renames(new_options)
    if old_renames != new_renames:
        which = sorted(k for k in old_renames.keys() | new_renames.keys() if old_renames.get(k) != new_renames.get(k))
        changed.append(f"the resource renames ({', '.join(which)})")
    for key, what in (("generator", "the generator"), ("formatter", "the formatter")):
        old, new = recorded.inputs.get(key), current[key]
        if old != new:
            changed.append(f"{what} ({_version(old)} -> {_version(new)})")
    return changed


def _renames(options: Mapping[str, Any]) -> dict[str, Any]:
    found = options.get("resources")
    return {str(k): v for k, v in found.items()} if isinstance(found, dict) else {}


def _setting(value: object) -> str:
    return "not set" if value is None else str(value)


def _file(entry: object) -> str:
    return str(entry.get("file")) if isinstance(entry, dict) else "?"


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _version(entry: object) -> str:
    if not isinstance(entry, dict):
        return "?"
    if "version" in entry:
        return f"{entry.get('name', TOOL_NAME)} {entry['version']}"
    return ", ".join(f"{name} {version}" for name, version in sorted(entry.items()))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
