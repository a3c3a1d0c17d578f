"""The progress line of `generate` (generator/progress.py): drawn on a terminal only, after a
delay, throttled, cleared before the result lines; never anything else, never other files.

The renderer is driven by a fake clock, so no test here waits for or measures real time.
"""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import cli
from generator.pipeline import Options, generate
from generator.progress import (
    DELAY_VARIABLE,
    NO_PROGRESS,
    Progress,
    TerminalProgress,
    delay_of,
    for_terminal,
    in_ci,
)
from tests.cli_support import REPO, run_cli

CASE_SPEC = REPO / "tests" / "golden" / "features_31" / "spec.yaml"
CASE_ARGS = ("--package", "zoo_client", "--client-name", "ZooClient", "--env-prefix", "ZOO")
CLEAR = "\x1b[K"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def drawn(stream: FakeTTY) -> list[str]:
    """Each redraw's text, and "" for each time the line was cleared."""
    return [part.removesuffix(CLEAR) for part in stream.getvalue().split("\r")[1:]]


def renderer(delay: float = 1.0, columns: int | None = None) -> tuple[TerminalProgress, FakeTTY, FakeClock]:
    stream, clock = FakeTTY(), FakeClock()
    return TerminalProgress(stream, delay=delay, interval=0.1, clock=clock, columns=columns), stream, clock


# --- the renderer --------------------------------------------------------------------------------


def test_a_short_run_prints_nothing() -> None:
    progress, stream, clock = renderer()
    with progress:
        for name in ("loading", "validating", "building"):
            progress.stage(name, 50)
            for _ in range(50):
                clock.now += 0.001
                progress.advance()
        clock.now += 0.5  # 0.65 s in all: under the delay
        progress.stage("writing")
    assert stream.getvalue() == ""


def test_the_line_appears_after_the_delay() -> None:
    progress, stream, clock = renderer()
    progress.stage("building", 1049)
    clock.now += 0.99
    progress.advance(10)
    assert stream.getvalue() == ""
    clock.now += 0.01
    progress.advance(2)
    assert stream.getvalue() == f"\roapi-pygen: building 12/1049 operations{CLEAR}"


def test_redraws_are_throttled_but_a_new_stage_is_drawn_at_once() -> None:
    progress, stream, clock = renderer(delay=0)
    progress.stage("building", 10_000)
    for _ in range(10_000):  # ten thousand operations in one second
        clock.now += 0.0001
        progress.advance()
    lines = drawn(stream)
    assert 9 <= len(lines) <= 11, lines  # about ten a second
    assert lines[0] == "oapi-pygen: building 0/10000 operations"
    assert all(re.fullmatch(r"oapi-pygen: building \d+/10000 operations", line) for line in lines)
    progress.stage("rendering", 5, "modules")  # within the interval of the last redraw
    assert drawn(stream)[-1] == "oapi-pygen: rendering 0/5 modules"


def test_an_unchanged_line_is_not_drawn_again() -> None:
    progress, stream, clock = renderer(delay=0)
    progress.stage("validating")
    clock.now += 5
    progress.stage("validating")
    assert drawn(stream) == ["oapi-pygen: validating"]


def test_the_line_is_cleared_at_the_end_once() -> None:
    progress, stream, clock = renderer()
    with progress:
        progress.stage("formatting", 4, "modules")
        clock.now += 2
        progress.advance()
        progress.stage("formatting", 198, "pieces")
        clock.now += 1
        progress.advance(198)
    progress.close()  # again: nothing more
    assert drawn(stream) == ["oapi-pygen: formatting 1/4 modules", "oapi-pygen: formatting 0/198 pieces",
                             "oapi-pygen: formatting 198/198 pieces", ""]
    assert stream.getvalue().endswith(f"\r{CLEAR}")


def test_a_stage_without_a_count_shows_its_name() -> None:
    progress, stream, _ = renderer(delay=0)
    progress.stage("formatting", 0, "pieces")  # everything was in the cache
    progress.stage("writing")
    assert drawn(stream) == ["oapi-pygen: formatting", "oapi-pygen: writing"]


def test_the_count_never_passes_the_total() -> None:
    progress, stream, _ = renderer(delay=0)
    progress.stage("building", 3)
    progress.advance(5)
    progress.stage("building", 3)
    assert drawn(stream) == ["oapi-pygen: building 0/3 operations"]
    progress.advance(7)
    progress.stage("writing")
    assert "oapi-pygen: building 3/3 operations" not in drawn(stream)  # throttled, but never 7/3
    assert all("7/3" not in line for line in drawn(stream))


def test_the_line_is_cut_to_the_terminal_width() -> None:
    progress, stream, _ = renderer(delay=0, columns=20)
    progress.stage("building", 1049)
    assert drawn(stream) == ["oapi-pygen: building"[:19]]


def test_a_stream_that_fails_stops_the_line_not_the_run() -> None:
    class Gone(FakeTTY):
        def write(self, text: str) -> int:
            raise OSError(5, "Input/output error")

    progress = TerminalProgress(Gone(), delay=0)
    progress.stage("building", 2)
    progress.advance()
    progress.close()


def test_no_progress_does_nothing() -> None:
    with NO_PROGRESS as progress:
        progress.stage("building", 3)
        progress.advance()
    assert type(NO_PROGRESS) is Progress


# --- when it is drawn at all ---------------------------------------------------------------------


def test_only_a_terminal_outside_ci_without_quiet_gets_the_line() -> None:
    assert isinstance(for_terminal(FakeTTY(), quiet=False, environ={}), TerminalProgress)
    assert for_terminal(io.StringIO(), quiet=False, environ={}) is NO_PROGRESS  # not a terminal
    assert for_terminal(FakeTTY(), quiet=True, environ={}) is NO_PROGRESS
    assert for_terminal(FakeTTY(), quiet=False, environ={"CI": "true"}) is NO_PROGRESS
    assert for_terminal(FakeTTY(), quiet=False, environ={"TERM": "dumb"}) is NO_PROGRESS
    closed = io.StringIO()
    closed.close()  # isatty raises ValueError
    assert for_terminal(closed, quiet=False, environ={}) is NO_PROGRESS


@pytest.mark.parametrize(("value", "ci"), [("", False), ("0", False), ("false", False), ("False", False),
                                           ("true", True), ("1", True), ("yes", True), ("woodpecker", True)])
def test_ci_is_any_value_but_empty_zero_or_false(value: str, ci: bool) -> None:
    assert in_ci({"CI": value}) is ci
    assert isinstance(for_terminal(FakeTTY(), quiet=False, environ={"CI": value}), TerminalProgress) is not ci


def test_no_ci_variable_is_not_ci() -> None:
    assert not in_ci({})


@pytest.mark.parametrize(("value", "delay"), [("0", 0.0), ("2.5", 2.5), ("soon", 1.0), ("-1", 1.0), ("nan", 1.0)])
def test_the_delay_can_be_set_for_tests(value: str, delay: float) -> None:
    assert delay_of({DELAY_VARIABLE: value}) == delay
    assert delay_of({}) == 1.0


# --- the pipeline: stages told, bytes unchanged --------------------------------------------------


class Recorder(Progress):
    def __init__(self) -> None:
        self.stages: list[tuple[str, int | None, str]] = []
        self.advanced: Counter[tuple[str, str]] = Counter()  # (stage, unit) -> units advanced

    def stage(self, name: str, total: int | None = None, unit: str = "operations") -> None:
        self.stages.append((name, total, unit))

    def advance(self, n: int = 1) -> None:
        name, _, unit = self.stages[-1]
        self.advanced[name, unit] += n


def test_the_stages_report_progress_and_the_files_do_not_change(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache"))  # cold: every stage runs
    options = Options(spec=CASE_SPEC, package="zoo_client", client_name="ZooClient", env_prefix="ZOO")
    recorder = Recorder()
    told = generate(options, recorder)
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache-2"))
    untold = generate(options)
    assert told.files == untold.files  # the manifest among them
    assert [name for name, _, _ in recorder.stages] == [
        "loading", "validating", "building", "rendering", "formatting", "formatting", "validating"]
    totals = {(name, unit): total for name, total, unit in recorder.stages if total is not None}
    assert totals == {("building", "operations"): told.operations, ("rendering", "modules"): 5,
                      ("formatting", "modules"): 4, ("formatting", "pieces"): totals["formatting", "pieces"]}
    assert totals["formatting", "pieces"] > 0  # a cold cache: every piece is formatted
    assert recorder.advanced == totals  # each stage counted up to its total, no further


# --- the command line ----------------------------------------------------------------------------


def _seconds_masked(text: str) -> str:
    """The run's elapsed time (`in 0.53s`) is the one part of the output that differs between runs."""
    return re.sub(r"\bin \d+\.\d\ds\b", "in <seconds>", text)


def test_without_a_terminal_the_output_is_exactly_as_without_progress(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(DELAY_VARIABLE, "0")  # would draw at once, were stderr a terminal
    results = []
    for run, extra, ci in (("with", (), None), ("without", ("--quiet",), "true"), ("without-q", ("-q",), None)):
        cwd = tmp_path / run
        cwd.mkdir()
        monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / run / "cache"))  # cold, each
        if ci is None:
            monkeypatch.delenv("CI", raising=False)
        else:
            monkeypatch.setenv("CI", ci)
        result = run_cli("generate", "--spec", CASE_SPEC, "--out", "out", *CASE_ARGS, *extra, cwd=cwd)
        assert result.returncode == 0, result.stderr
        results.append(result)
    with_progress, *without = results
    for other in without:
        assert _seconds_masked(with_progress.stdout) == _seconds_masked(other.stdout)
        assert with_progress.stderr == other.stderr
    assert "\r" not in with_progress.stdout + with_progress.stderr
    assert "\x1b" not in with_progress.stdout + with_progress.stderr
    assert with_progress.stdout.splitlines()[-1].startswith("coverage: ")


def test_the_line_is_cleared_before_a_bad_spec_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAPI_PYGEN_CACHE_DIR", str(tmp_path / "cache"))
    # as if stderr were a terminal: the line is drawn at once on the stream the errors go to
    monkeypatch.setattr(cli, "for_terminal", lambda stream, quiet: TerminalProgress(stream, delay=0))
    result = CliRunner().invoke(cli.main, ["generate", "--spec", str(REPO / "tests" / "bad_specs" / "dangling_ref.yaml"),
                                           "--out", str(tmp_path / "out"), *CASE_ARGS])
    assert result.exit_code == 2, result.output
    drawn_part, cleared, reported = result.stderr.rpartition(f"\r{CLEAR}")
    assert cleared and "oapi-pygen: " in drawn_part, result.stderr
    assert reported.startswith("error: ") and "\r" not in reported, result.stderr
    assert not (tmp_path / "out").exists()


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run with stdin, stdout and stderr on a pseudo-terminal; (exit status, everything it wrote)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower)
    finally:
        os.close(follower)
    written = bytearray()
    try:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: every copy of the follower is closed, the run is over
                break
            if not data:
                break
            written += data
    finally:
        os.close(leader)
    return proc.wait(), written.decode("utf-8").replace("\r\n", "\n")


def test_on_a_terminal_the_stages_and_counts_are_shown_then_cleared(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({DELAY_VARIABLE: "0", "TERM": "xterm", "OAPI_PYGEN_CACHE_DIR": str(tmp_path / "cache"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))})
    status, output = _on_a_terminal([sys.executable, "-m", "generator", "generate", "--spec", str(CASE_SPEC),
                                     "--out", "out", *CASE_ARGS], tmp_path, env)
    assert status == 0, output
    progress, cleared, after = output.rpartition(f"\r{CLEAR}")
    assert cleared, output  # the line was taken away ...
    assert "\r" not in after and "\x1b" not in after  # ... before the result lines, which are as ever
    lines = after.splitlines()
    assert lines[0].startswith("generated: ") and "in out/zoo_client" in lines[0], lines
    assert lines[-1].startswith("coverage: ") and lines[-1].endswith("warnings: none"), lines
    shown = [part.removesuffix(CLEAR) for part in progress.split("\r")[1:]]
    assert all(line.startswith("oapi-pygen: ") for line in shown), shown
    stages = {line.split()[1] for line in shown}
    assert stages >= {"loading", "validating", "building", "rendering", "formatting", "writing"}, shown
    assert any(re.fullmatch(r"oapi-pygen: building \d+/\d+ operations", line) for line in shown), shown


def test_on_a_terminal_quiet_shows_nothing_extra(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({DELAY_VARIABLE: "0", "TERM": "xterm", "OAPI_PYGEN_CACHE_DIR": str(tmp_path / "cache"),
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))})
    status, output = _on_a_terminal([sys.executable, "-m", "generator", "generate", "--spec", str(CASE_SPEC),
                                     "--out", "out", *CASE_ARGS, "--quiet"], tmp_path, env)
    assert status == 0, output
    assert "\r" not in output and "\x1b" not in output and "oapi-pygen:" not in output
    assert output.splitlines()[0].startswith("generated: ")
    assert output.splitlines()[-1].startswith("coverage: ")
