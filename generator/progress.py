"""A progress line for long runs on a terminal.

The stages say what they are doing (`stage(name, total, unit)`) and how far they are
(`advance(n)`); they never know whether anyone is watching. `NO_PROGRESS` ignores both.
Only the command line chooses a `TerminalProgress` (see `for_terminal`): on stderr, when it
is a terminal, outside CI and without --quiet. That draws one line, in place, once the run
has taken longer than DELAY seconds, at most once every INTERVAL seconds (a new stage is
drawn at once), and clears it when the run is done, before the result lines are printed.

No thread: the line is drawn only from the stage and advance calls, so the pipeline stays
single-threaded (`concurrent` forks only from a process with no other threads). Nothing here
can change what is generated: progress is only ever written to the stream it was given.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Self, TextIO

from generator import TOOL_NAME

DELAY = 1.0  # seconds of quiet before the line appears: a short run prints nothing extra
INTERVAL = 0.1  # seconds between redraws: at most about ten a second
DELAY_VARIABLE = "OAPI_PYGEN_PROGRESS_DELAY"  # another DELAY (the tests use 0)
_CLEAR_TO_END = "\x1b[K"


class Progress:
    """Progress that goes nowhere; the interface every stage is given."""

    def stage(self, name: str, total: int | None = None, unit: str = "operations") -> None:
        """A stage begins (`total`: how many `unit`s it will do, when it counts them)."""

    def advance(self, n: int = 1) -> None:
        """`n` more of the stage's units are done."""

    def close(self) -> None:
        """The run is over (or about to print): take the line away. Idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


NO_PROGRESS = Progress()


class TerminalProgress(Progress):
    """The line `oapi-pygen: building 412/1049 operations`, redrawn in place with a carriage return
    and a clear-to-end-of-line. A stream that fails to take it stops it; the run goes on."""

    def __init__(self, stream: TextIO, *, delay: float = DELAY, interval: float = INTERVAL,
                 clock: Callable[[], float] = time.monotonic, columns: int | None = None) -> None:
        self._stream = stream
        self._delay = delay
        self._interval = interval
        self._clock = clock
        self._columns = columns
        self._started = clock()
        self._drawn_at = -math.inf
        self._shown = ""  # the text on the terminal now ("" when none)
        self._broken = False
        self._name = ""
        self._total: int | None = None
        self._unit = ""
        self._done = 0

    def stage(self, name: str, total: int | None = None, unit: str = "operations") -> None:
        self._name, self._total, self._unit, self._done = name, total, unit, 0
        self._draw(at_once=True)

    def advance(self, n: int = 1) -> None:
        self._done += n
        self._draw(at_once=False)

    def close(self) -> None:
        if self._shown:
            self._write("\r" + _CLEAR_TO_END)
            self._shown = ""

    def line(self) -> str:
        """The text drawn for the stage as it is now."""
        text = f"{TOOL_NAME}: {self._name}"
        if self._total:
            text += f" {min(self._done, self._total)}/{self._total} {self._unit}"
        if self._columns is not None and len(text) >= self._columns:
            text = text[:max(self._columns - 1, 0)]  # a wrapped line could not be redrawn in place
        return text

    def _draw(self, at_once: bool) -> None:
        if self._broken:
            return
        now = self._clock()
        if now - self._started < self._delay or (not at_once and now - self._drawn_at < self._interval):
            return
        text = self.line()
        if text != self._shown:
            self._write("\r" + text + _CLEAR_TO_END)
            self._shown = text
        self._drawn_at = now

    def _write(self, text: str) -> None:
        # Flushed at once: a process forked later (validation, formatting) must not inherit
        # the text in a buffer and write it again when it exits.
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # a closed or vanished terminal
            self._broken = True


def in_ci(environ: Mapping[str, str]) -> bool:
    """CI is set, to anything but empty, "0" or "false" (as CI services set it: "true", "1")."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


def delay_of(environ: Mapping[str, str]) -> float:
    try:
        delay = float(environ.get(DELAY_VARIABLE, DELAY))
    except ValueError:
        return DELAY
    return delay if math.isfinite(delay) and delay >= 0 else DELAY


def for_terminal(stream: TextIO, quiet: bool, environ: Mapping[str, str] | None = None) -> Progress:
    """A TerminalProgress on `stream` when someone is watching it: a terminal (one that understands
    clear-to-end-of-line: not TERM=dumb), outside CI, not --quiet. Else NO_PROGRESS."""
    environ = os.environ if environ is None else environ
    if quiet or in_ci(environ) or environ.get("TERM") == "dumb":
        return NO_PROGRESS
    try:
        if not stream.isatty():
            return NO_PROGRESS
    except (AttributeError, ValueError):  # a closed stream, or a stand-in without isatty
        return NO_PROGRESS
    try:
        columns: int | None = os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError):
        columns = None
    return TerminalProgress(stream, delay=delay_of(environ), columns=columns)
