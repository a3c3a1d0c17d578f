"""Validation beside the rest of the pipeline, and its cache.

openapi-spec-validator is the validator of record and the slowest stage. On a
cold run it validates in a forked process while the parent builds, renders and
formats; its verdict (warnings, or the errors that stop the run) is collected
before anything is written. Results are cached by the sha256 of the exact
document validated (see `document_text`: a YAML date is not its string), the
strictness, the generator and the versions of the validator and of the packages
it validates with (jsonschema, referencing, ...).
Fork is used only where it is safe: on a platform that has it, from a process
with no other threads.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from generator import cache
from generator.problems import Problem, SpecError
from generator.validate import validate, validator_versions

Verdict = tuple[bool, list[Problem], float]  # (passed, warnings or errors, seconds spent)


def _verdict(doc: dict[str, Any], strict: bool) -> Verdict:
    started = time.perf_counter()
    try:
        return True, validate(doc, strict=strict), time.perf_counter() - started
    except SpecError as exc:  # problems travel back as data: SpecError itself does not pickle
        return False, list(exc.problems), time.perf_counter() - started


class PendingValidation:
    """A validation under way (or already done); `result()` gives its warnings or raises its errors."""

    def __init__(self, doc: dict[str, Any], strict: bool, generator_sha: str) -> None:
        self.seconds = 0.0
        self._key = cache.key("validate", generator_sha, validator_versions(), str(strict), document_text(doc))
        hit = cache.get("validate", self._key)
        self._done: Verdict | None = pickle.loads(hit) if hit is not None else None
        self._future: Future[Verdict] | None = None
        self._pool: ProcessPoolExecutor | None = None
        if self._done is None and _can_fork():
            # The child imports openapi-spec-validator itself (0.18 s: it brings pydantic-settings,
            # jsonschema-path, referencing), beside the parent's build instead of before it. The
            # parent has no other thread when it forks (_can_fork), so no import lock is held.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            gc.freeze()  # the child's collector leaves the inherited objects alone (see format._run)
            try:
                self._future = self._pool.submit(_verdict, doc, strict)  # forks the child
            finally:
                gc.unfreeze()
        elif self._done is None:
            self._done = _verdict(doc, strict)
            self._store()

    @property
    def running(self) -> bool:
        """Validating in a child process right now (not from the cache, not yet done)."""
        return self._future is not None and not self._future.done()

    def result(self) -> list[Problem]:
        if self._done is None and self._future is not None:
            self._done = self._future.result()
            self._store()
        self.close()
        assert self._done is not None
        passed, problems, self.seconds = self._done
        if not passed:
            raise SpecError(problems)
        return problems

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _store(self) -> None:
        if self._done is not None:
            cache.put("validate", self._key, pickle.dumps(self._done))


def document_text(doc: Any) -> str:
    """The document as Python literal text, which tells every value's type: `2024-01-01` (a date in
    YAML, invalid as a description) and `"2024-01-01"` (a string) differ, as do bytes, tuples
    (`!!pairs`) and lists, 1, 1.0 and True. `json.dumps(default=str)` made them one, so one's
    cached verdict was given to the other. This is repr(doc) (keys in the order validated, which
    the order of the problems follows), except that sets (`!!set`), whose order changes with
    PYTHONHASHSEED, are written sorted. About as fast as json.dumps: 28 ms for a 3 MB spec (24 ms)."""
    out: list[str] = []
    _write(doc, out)
    return "".join(out)


def _write(value: Any, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        out.append("{")
        for key, item in value.items():
            _write(key, out)
            out.append(": ")
            _write(item, out)
            out.append(", ")
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[" if kind is list else "(")
        for item in value:
            _write(item, out)
            out.append(", ")  # after every item: `(1, )` is a tuple, `(1)` would not be
        out.append("]" if kind is list else ")")
    elif kind is set or kind is frozenset:
        out.append(f"{kind.__name__}([{''.join(sorted(document_text(item) + ', ' for item in value))}])")
    else:  # str, int, float, bool, None, date, datetime, bytes: repr keeps them apart
        out.append(repr(value))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
