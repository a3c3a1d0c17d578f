"""Caches and the up-to-date shortcut: they save work, and never hide a stale result."""

from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from generator import cache, pipeline
from generator.concurrent import PendingValidation, document_text
from generator.format import format_files
from generator.load import parse_bytes
from generator.pipeline import Options, generate_cached
from generator.problems import SpecError
from generator.progress import NO_PROGRESS, Progress
from generator.validate import VALIDATOR_STACK
from generator.write import read_tree, write_package

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "tests" / "golden" / "features_31" / "spec.yaml"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(home))
    monkeypatch.delenv("OAPI_PYGEN_CACHE", raising=False)
    return home


def _options(spec: Path) -> Options:
    return Options(spec=spec, package="zoo_client", client_name="ZooClient", env_prefix="ZOO")


@pytest.fixture
def tree(tmp_path: Path, cache_home: Path) -> tuple[Options, Path]:
    spec = tmp_path / "spec.yaml"
    shutil.copy2(CASE, spec)
    options = _options(spec)
    write_package(tmp_path / "out", "zoo_client", generate_cached(options).files)
    return options, tmp_path / "out" / "zoo_client"


def _generations(monkeypatch: pytest.MonkeyPatch) -> list[Options]:
    """Counts the runs of the real pipeline behind `generate_cached`."""
    runs: list[Options] = []
    real = pipeline.generate

    def counted(options: Options, progress: Progress = NO_PROGRESS) -> pipeline.Result:
        runs.append(options)
        return real(options, progress)

    monkeypatch.setattr(pipeline, "generate", counted)
    return runs


def test_a_result_is_reused_for_the_same_inputs(tree: tuple[Options, Path],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    options, target = tree
    runs = _generations(monkeypatch)
    first = generate_cached(options)
    again = generate_cached(options)
    assert len(runs) == 0, "the tree's own generation already filled the cache"
    assert again.files == first.files == read_tree(target)
    assert again.coverage == first.coverage and again.inputs == first.inputs


def test_a_changed_input_is_generated_again(tree: tuple[Options, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    options, _ = tree
    runs = _generations(monkeypatch)
    generate_cached(dataclasses.replace(options, client_name="Other"))
    generate_cached(dataclasses.replace(options, strict=True))
    options.spec.write_text(options.spec.read_text().replace("List pets", "List the pets"))
    changed = generate_cached(options)
    assert len(runs) == 3
    assert b"List the pets" in changed.files["client.py"]


def test_the_result_key_covers_every_input_and_tool(tree: tuple[Options, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    options, _ = tree
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "README.md.jinja").write_text("# {{ pkg.title }}\n")
    overlay = tmp_path / "o.yaml"
    overlay.write_text("overlay: 1.0.0\ninfo: {title: o, version: 1}\nactions: []\n")
    variants = [options, dataclasses.replace(options, strict=True), dataclasses.replace(options, package="p"),
                dataclasses.replace(options, templates=templates), dataclasses.replace(options, overlays=(overlay,)),
                dataclasses.replace(options, allow_partial=True)]
    keys = {pipeline.result_key(o, pipeline.inputs_of(o)) for o in variants}
    real = metadata.version
    for tool in (*pipeline.TOOLS, *VALIDATOR_STACK):
        monkeypatch.setattr(metadata, "version", lambda name, t=tool: "0.0.0-other" if name == t else real(name))
        keys.add(pipeline.result_key(options, pipeline.inputs_of(options)))
    monkeypatch.setattr(metadata, "version", real)
    monkeypatch.setattr(pipeline, "tree_hash", lambda root, suffix: "another generator")
    keys.add(pipeline.result_key(options, pipeline.inputs_of(options)))
    assert len(keys) == len(variants) + len(pipeline.TOOLS) + len(VALIDATOR_STACK) + 1


def test_a_damaged_cache_entry_is_a_miss(tree: tuple[Options, Path], cache_home: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    options, target = tree
    for entry in (cache_home / "result").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"not a result")
    runs = _generations(monkeypatch)
    assert generate_cached(options).files == read_tree(target)
    assert len(runs) == 1


def test_format_cache_reuses_results_and_keys_on_content(cache_home: Path) -> None:
    first = format_files({"a.py": "x=1\n", "b.txt": "x=1\n"})
    assert first == {"a.py": "x = 1\n", "b.txt": "x=1\n"}
    entries = list((cache_home / "format").rglob("*"))
    assert [p for p in entries if p.is_file()], "the formatted module is cached"
    assert format_files({"a.py": "x=1\n"}) == {"a.py": "x = 1\n"}
    assert format_files({"a.py": "x=2\n"}) == {"a.py": "x = 2\n"}  # other text, other key


def test_cache_can_be_turned_off(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAPI_PYGEN_CACHE", "0")
    format_files({"a.py": "y=1\n"})
    assert not cache_home.exists()
    assert cache.get("format", cache.key("anything")) is None


def _spec(schema_type: str) -> dict[str, object]:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"A": {"type": schema_type}}}}


def test_validation_verdicts_are_cached_errors_included(cache_home: Path) -> None:
    assert PendingValidation(_spec("string"), False, "g").result() == []
    assert PendingValidation(_spec("string"), False, "g")._done is not None  # a cache hit: no work started
    for _ in range(2):  # computed, then from the cache: the errors are raised both times
        with pytest.raises(SpecError) as caught:
            PendingValidation(_spec("strin"), False, "g").result()
        assert "/components/schemas/A/type" in str(caught.value)


def test_validation_cache_key_covers_generator_strictness_and_document(cache_home: Path) -> None:
    keys = {
        PendingValidation(_spec("string"), False, "g1")._key,
        PendingValidation(_spec("string"), False, "g2")._key,  # another generator version
        PendingValidation(_spec("string"), True, "g1")._key,  # --strict
        PendingValidation(_spec("integer"), False, "g1")._key,  # another document
    }
    assert len(keys) == 4


@pytest.mark.parametrize("package", VALIDATOR_STACK)
def test_validation_cache_key_covers_every_package_of_the_validator(package: str, cache_home: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade of jsonschema (say) under the same openapi-spec-validator can change a verdict:
    a verdict cached before it must not be reused after it."""
    before = PendingValidation(_spec("string"), False, "g")._key
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.0-other" if name == package else real(name))
    assert PendingValidation(_spec("string"), False, "g")._key != before


# `description: 2024-01-01` is a date in YAML: not a string, an error. Quoted, it is a string.
UNQUOTED_DATE = b"""\
openapi: 3.1.0
info: {title: T, version: 1.0.0}
paths: {}
components:
  schemas:
    A: {type: object, description: 2024-01-01, properties: {a: {type: string}}}
"""
QUOTED_DATE = UNQUOTED_DATE.replace(b"2024-01-01", b'"2024-01-01"')


@pytest.mark.parametrize("invalid_first", [True, False])
def test_validation_cache_tells_a_yaml_date_from_the_same_text_quoted(invalid_first: bool, cache_home: Path) -> None:
    """Both documents were one cache entry (json.dumps(default=str) wrote the date as its text): the
    first verdict was given to the other, an invalid spec passed or a fixed one kept its error.
    Each keeps its own verdict, when validated and when both come from the cache."""
    specs = [UNQUOTED_DATE, QUOTED_DATE] if invalid_first else [QUOTED_DATE, UNQUOTED_DATE]
    for _ in range(2):  # validated, then both from the cache
        for raw in specs:
            pending = PendingValidation(parse_bytes(raw, False), False, "g")
            if raw is QUOTED_DATE:
                assert pending.result() == []
            else:
                with pytest.raises(SpecError) as caught:
                    pending.result()
                assert "/components/schemas/A/description" in str(caught.value)
    assert len([p for p in (cache_home / "validate").rglob("*") if p.is_file()]) == 2


def test_validation_cache_key_tells_every_type_apart() -> None:
    """What YAML can load besides JSON's values (dates, times, binary, `!!set`, `!!pairs` tuples),
    beside the text or the value each could be taken for: no two share a key."""
    day = datetime.date(2024, 1, 1)
    values: list[object] = [
        "2024-01-01", day, datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        "2024-01-01 00:00:00", "1", 1, 1.0, True, "True", None, "None", "null", b"x", "b'x'", "x",
        float("nan"), "nan", -0.0, 0.0, ["a", 1], ("a", 1), [("a", 1)], [["a", 1]], {"a"}, ["a"], {"a": None},
        [], (), set(), {}, frozenset(), [day], ["2024-01-01"], {"k": day}, {"k": "2024-01-01"},
    ]
    assert len({document_text({"x": value}) for value in values}) == len(values)


def test_validation_cache_key_is_the_same_whatever_the_hash_seed() -> None:
    """Sets (`!!set`) iterate in an order that changes with PYTHONHASHSEED: the key does not."""
    raw = b"openapi: 3.1.0\nx-set: !!set {alpha, beta, gamma, delta, epsilon}\nx-day: 2024-01-01\n"
    script = ("import sys; from generator.concurrent import document_text; from generator.load import parse_bytes; "
              "print(document_text(parse_bytes(sys.stdin.buffer.read(), False)))")
    texts = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", script], input=raw, cwd=ROOT, env=env, capture_output=True,
                              check=True)
        texts.add(proc.stdout)
    assert len(texts) == 1


# --- formatting in chunks ----------------------------------------------------------------

GENERATED_MODULES = sorted(
    [*(Path(__file__).resolve().parents[1] / "generated" / "assistants_client").glob("*.py"),
     *(Path(__file__).resolve().parent / "golden").glob("*/expected/*.py")])


@pytest.mark.parametrize("size", [1, 50])
def test_formatting_in_chunks_gives_what_black_gives_the_whole_module(size: int) -> None:
    """Cut as finely as possible (size 1: before every top-level class and function that
    may be cut), formatted piece by piece and joined, every committed module comes back
    byte for byte: the join is what black itself puts between those definitions."""
    from generator.format import chunks, format_chunk, join_chunks

    cut = inside = 0
    for path in GENERATED_MODULES:
        text = path.read_text(encoding="utf-8")
        pieces = chunks(text, size)
        cut += len(pieces) - 1
        inside += sum(1 for p in pieces if p.in_class)
        assert join_chunks(pieces, [format_chunk(path.name, p) for p in pieces]) == text, path
    assert cut > 100 and inside > 50  # the corpus really is cut, classes included


def _raw_modules() -> list[tuple[str, str]]:
    """The rendered, not yet formatted modules of the Assistants spec and of every golden case."""
    from generator.build import build_package
    from generator.config import load_settings
    from generator.pipeline import scoped
    from generator.render import render_package

    cfg = load_settings(ROOT / "pyproject.toml")
    cases = [Options(spec=cfg.spec, overlays=cfg.overlays, package=cfg.package, client_name=cfg.client_name,
                     env_prefix=cfg.env_prefix, templates=cfg.templates, filters=cfg.filters)]
    cases += [_options(spec) for spec in sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))]
    out = []
    for options in cases:
        spec = scoped(options)
        pkg, _ = build_package(spec.doc, options.package, options.client_name, options.env_prefix)
        texts = render_package(pkg, options.templates)
        out += [(f"{options.spec.parent.name}/{name}", text) for name, text in texts.items() if name.endswith(".py")]
    return out


def test_formatting_raw_output_in_chunks_gives_what_black_gives_the_whole_module() -> None:
    """The same on what the templates produce before black (long lines, stray blank lines):
    cut finely, inside the clients' classes too, the pieces give black's whole-module result."""
    from generator.format import chunks, format_chunk, format_source, join_chunks

    inside = 0
    for name, text in _raw_modules():
        pieces = chunks(text, 30)
        inside += sum(1 for p in pieces if p.in_class)
        assert join_chunks(pieces, [format_chunk(name, p) for p in pieces]) == format_source(name, text), name
    assert inside > 50


def test_a_long_class_is_cut_between_methods_only() -> None:
    from generator.format import chunks, format_chunk, format_source, join_chunks

    source = (
        "X = 1\n\n\nclass A:\n    '''Doc.'''\n    y = 2\n\n    def a(self):\n        return '''two\nlines'''\n"
        "\n\n\n    def b(self):\n        pass\n    z = 3\n    def c(self): pass\n\n    @typing.overload\n"
        "    def d(self, x: int) -> int: ...\n    @typing.overload\n    def d(self, x: str) -> str: ...\n"
        "    def d(self, x): return x\n\n    def e(self):\n        # a comment\n        pass\n"
        "Y = 2\n\n\n\nZ = 3\n"
    )
    pieces = chunks(source, 1)
    assert [(p.text.splitlines()[0], p.in_class) for p in pieces] == [
        ("X = 1", False), ("class A:", False), ("    def b(self):", True), ("    def e(self):", True),
        ("Y = 2", False), ("Z = 3", False),
    ]
    assert join_chunks(pieces, [format_chunk("m.py", p) for p in pieces]) == format_source("m.py", source)


def test_chunks_are_never_cut_inside_a_statement_or_before_an_overload() -> None:
    from generator.format import chunks

    source = (
        '"""Doc."""\n\nimport typing\n\n\nclass A:\n    """Has\n\n\n\nclass B: inside a docstring."""\n\n\n'
        "@typing.overload\ndef f(x: int) -> int: ...\n\n\n@typing.overload\ndef f(x: str) -> str: ...\n\n\n"
        "def f(x):\n    return x\n\n\n# a comment before g\ndef g():\n    pass\n"
    )
    pieces = chunks(source, 1)
    assert [p.text.splitlines()[0] for p in pieces] == ['"""Doc."""', "class A:"]
    assert "".join(p.text for p in pieces).replace("\n", "") == source.replace("\n", "")


@pytest.mark.parametrize("command", ["check", "generate"])
@pytest.mark.parametrize("vendored", [False, True])
def test_commands_on_an_unchanged_tree_take_the_result_from_the_cache(
        tree: tuple[Options, Path], command: str, vendored: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` and `generate` with unchanged inputs do not run the pipeline (the cache, keyed on the
    inputs, has the result), whether --out names the folder holding the package or the package folder."""
    from click.testing import CliRunner

    import generator.cli

    options, package_dir = tree
    runs = _generations(monkeypatch)
    out = package_dir if vendored else package_dir.parent
    args = [command, "--spec", str(options.spec), "--out", str(out)]
    if not vendored:
        args += ["--package", options.package]
    args += ["--client-name", options.client_name, "--env-prefix", options.env_prefix]
    result = CliRunner().invoke(generator.cli.main, args)
    assert result.exit_code == 0, result.output
    assert ("up to date: " if command == "check" else "0 file(s) changed") in result.output
    assert runs == []


def _niceness(_: object) -> str:
    return str(os.nice(0))


@pytest.mark.skipif((os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods(),
                    reason="formatting runs in worker processes only with fork and two cores or more")
@pytest.mark.parametrize("beside_validation", [False, True])
def test_formatting_workers_yield_the_cpu_only_beside_a_validation(beside_validation: bool,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """On a cold run the validation child is one sequential job: the formatting workers (forked,
    so they run this module's functions as patched here) lower their priority while it runs."""
    from generator import format as fmt

    monkeypatch.setattr(fmt, "_format_item", _niceness)
    base = os.nice(0)
    items = [("a.py", fmt.Chunk("x = 1\n")), ("b.py", fmt.Chunk("y = 2\n"))]
    niceness = {int(n) for n in fmt._run(items, beside_validation)}
    assert niceness == ({min(base + fmt.WORKER_NICENESS, 19)} if beside_validation else {base})
    assert os.nice(0) == base  # the parent keeps its priority
