"""The stages in order: load -> validate -> build -> render -> format -> files in memory."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import TOOL_NAME, __version__
from generator.build import build_package
from generator.format import format_files
from generator.load import LoadedSpec, load_spec
from generator.overlay import apply_overlays
from generator.problems import Problem, SpecError
from generator.render import render_package
from generator.validate import validate

GENERATOR_DIR = Path(__file__).resolve().parent
PROJECT_DIR = GENERATOR_DIR.parent
DEFAULT_TEMPLATES = PROJECT_DIR / "templates"
RUNTIME_FILE = GENERATOR_DIR / "runtime" / "_runtime.py"


@dataclass(frozen=True)
class Options:
    spec: Path
    overlays: tuple[Path, ...] = ()
    package: str = "assistants_client"
    client_name: str = "AssistantsClient"
    env_prefix: str = "OPENAI"
    templates: Path = DEFAULT_TEMPLATES


@dataclass
class Result:
    files: dict[str, bytes]  # path relative to the package folder -> bytes
    operations: int
    models: int
    timings: dict[str, float] = field(default_factory=dict)


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now


def effective_spec(options: Options) -> tuple[LoadedSpec, dict[str, Any], list[tuple[Path, bytes]]]:
    """The spec with its overlays applied, validated; raises SpecError on any problem."""
    loaded = load_spec(options.spec)
    overlays = [(path, read_overlay(path)) for path in options.overlays]
    doc = apply_overlays(loaded.doc, overlays)
    validate(doc)
    return loaded, doc, overlays


def read_overlay(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem("", f"cannot read overlay {path}: {exc.strerror or exc}")]) from None


def check_spec(options: Options) -> tuple[int, int]:
    """Load, overlay, validate and build (no rendering); returns (operations, models) as `generate` counts them."""
    loaded, doc, _ = effective_spec(options)
    pkg = build_package(doc, options.package, options.client_name, options.env_prefix, loaded.sha256)
    return len(pkg.operations), len(pkg.models)


def generate(options: Options) -> Result:
    """Run every stage in memory; raises SpecError on bad input, writes nothing."""
    clock = _Clock()
    loaded = load_spec(options.spec)
    overlays = [(path, read_overlay(path)) for path in options.overlays]
    doc = apply_overlays(loaded.doc, overlays)
    clock.lap("load")
    validate(doc)
    clock.lap("validate")
    pkg = build_package(doc, options.package, options.client_name, options.env_prefix, loaded.sha256)
    clock.lap("build")
    texts = render_package(pkg, options.templates)
    texts["_runtime.py"] = f"# {pkg.header_comment}\n" + RUNTIME_FILE.read_text(encoding="utf-8")
    texts["py.typed"] = f"# {pkg.header_comment}\n"
    clock.lap("render")
    texts = format_files(texts)
    clock.lap("format")
    files = {name: text.encode("utf-8") for name, text in sorted(texts.items())}
    files["_manifest.json"] = manifest(options, loaded.sha256, overlays, pkg.header_comment, files)
    return Result(files, len(pkg.operations), len(pkg.models), clock.timings)


def manifest(options: Options, spec_sha: str, overlays: list[tuple[Path, bytes]], header: str,
             files: dict[str, bytes]) -> bytes:
    """What the output was made from, so a drift check can say why it differs."""
    data = {
        "_comment": header,
        "generator": {"name": TOOL_NAME, "version": __version__, "sha256": tree_hash(GENERATOR_DIR, ".py")},
        "spec": {"file": options.spec.name, "sha256": spec_sha},
        "overlays": [{"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()} for path, raw in overlays],
        "templates": {"sha256": tree_hash(options.templates, ".jinja")},
        "formatter": {"name": "black", "version": metadata.version("black")},
        "options": {"package": options.package, "client_name": options.client_name,
                    "env_prefix": options.env_prefix},
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode("utf-8")


def tree_hash(root: Path, suffix: str) -> str:
    """sha256 over the relative paths and bytes of every `suffix` file under root, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob(f"*{suffix}") if "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
