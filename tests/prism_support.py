"""Starting and stopping Stoplight Prism (the OpenAPI mock server) on 127.0.0.1.

Shared by tests/test_prism.py (the project's own spec, with `--errors`) and tests/live_check.py
(the corpus specs, static mode). No pytest here: a failure to start raises PrismStartError.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
PRISM_PACKAGE_JSON = ROOT / "node_modules" / "@stoplight" / "prism-cli" / "package.json"

# Prism must answer within STARTUP_TRIES probes, STARTUP_DELAY s apart, each bounded by
# PROBE_TIMEOUT s: about 30 s when the port refuses, 105 s at the very worst.
STARTUP_TRIES = 150
STARTUP_DELAY = 0.2
PROBE_TIMEOUT = 0.5
STOP_TIMEOUT = 10.0  # seconds Prism gets to exit after SIGTERM before SIGKILL


class PrismStartError(RuntimeError):
    """Prism exited, or did not answer, before serving the spec; the message ends with its log."""


def prism_installed() -> bool:
    return PRISM.exists() and os.access(PRISM, os.X_OK)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prism_answers(port: int) -> bool:
    """True once Prism itself answers on the port (its 404 for an unknown route)."""
    try:
        with httpx.Client(timeout=PROBE_TIMEOUT, trust_env=False) as http:
            response = http.get(f"http://127.0.0.1:{port}/__readiness_probe__")
    except httpx.HTTPError:
        return False
    return "stoplight.io/prism" in response.text


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _log_tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-8000:]


def start_prism(spec: Path, log_path: Path, *, errors: bool) -> tuple[subprocess.Popen[bytes], str]:
    """Start `prism mock` (with `--errors` when asked) on a free port of 127.0.0.1; return the
    process once it answers, with its base URL. Raises PrismStartError when it does not."""
    port = free_port()
    command = [str(PRISM), "mock", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--errors"] if errors else []
    command.append(str(spec))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one by stop()
        )
    try:
        for _ in range(STARTUP_TRIES):
            if process.poll() is not None:
                raise PrismStartError(
                    f"Prism exited with {process.returncode} before answering:\n"
                    + _log_tail(log_path)
                )
            if prism_answers(port):
                # Prism routes the spec's paths from the root, whatever its servers say.
                return process, f"http://127.0.0.1:{port}"
            time.sleep(STARTUP_DELAY)
        raise PrismStartError(
            f"Prism did not answer on 127.0.0.1:{port} after {STARTUP_TRIES} tries:\n"
            + _log_tail(log_path)
        )
    except BaseException:
        stop(process)
        raise
