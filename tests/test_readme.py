"""The README's usage examples, as a reader would copy them: they pass mypy --strict, and
the synchronous one runs against the fake Assistants API on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

try:
    from .fake_assistants import FakeAssistants
except ImportError:
    from fake_assistants import FakeAssistants

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
KEY = "sk-test-readme-5c1e0b7a94d2"


def usage_examples() -> tuple[str, str]:
    """The two Python blocks of the README's "Using the generated client": sync, then async."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the generated client", 1)[1].split("\n## ", 1)[0]
    sync, async_ = re.findall(r"```python\n(.*?)```", section, re.DOTALL)[:2]
    return sync, async_


def test_the_usage_examples_pass_mypy_strict(tmp_path: Path) -> None:
    sync, async_ = usage_examples()
    # The async block is a fragment (top-level `async with`, names from the sync one): the
    # body of a coroutine that is given them.
    head, _, body = async_.partition("\n\n")
    (tmp_path / "sync_example.py").write_text(sync, encoding="utf-8")
    (tmp_path / "async_example.py").write_text(
        f"{head}\n\n\nasync def main(thread_id: str, assistant_id: str) -> None:\n"
        + textwrap.indent(body, "    "),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         "sync_example.py", "async_example.py"],
        check=False, cwd=tmp_path, env={**os.environ, "MYPYPATH": str(GENERATED)},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sync_example_runs(tmp_path: Path) -> None:
    sync, _ = usage_examples()
    script = tmp_path / "example.py"
    script.write_text(sync, encoding="utf-8")
    with FakeAssistants(api_key=KEY) as fake:
        assistant = fake._create_assistant(query={}, body={"model": "gpt-4o", "name": "Math tutor"})
        env = {**os.environ, "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": fake.base_url,
               "PYTHONPATH": str(GENERATED), "ASSISTANT_ID": assistant["id"]}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env.pop(name, None)
        # Every warning is an error: the first example a reader runs warns about nothing.
        result = subprocess.run([sys.executable, "-W", "error", str(script)], check=False, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        [thread] = fake.threads
        message_ids = [m["id"] for m in fake.messages[thread]]
    lines = result.stdout.splitlines()
    # The stream's event names, then each message's id, then the 404's status, request id
    # (the fake sends none with errors) and parsed body.
    events = lines[:-len(message_ids) - 1]
    assert events[0] == "thread.run.created" and "thread.run.requires_action" in events, lines
    assert all(re.fullmatch(r"thread\.[a-z_.]+|done", e) for e in events), lines
    assert lines[-len(message_ids) - 1:-1] == message_ids
    assert lines[-1].startswith("404 None {'error': {'message': \"No thread found"), lines


def test_the_tests_readme_names_every_test_module() -> None:
    """tests/README.md maps the suite: every test module (and support module) is in it."""
    tests = Path(__file__).resolve().parent
    text = (tests / "README.md").read_text(encoding="utf-8")
    modules = [p for p in [*tests.glob("*.py"), *(tests / "unit").glob("*.py")]
               if p.name not in ("__init__.py", "conftest.py")]
    missing = [p.relative_to(tests).as_posix() for p in modules
               if p.name not in text and not p.name.startswith(("live_", "spec_contract"))]
    assert not missing, f"tests/README.md does not say where these belong: {missing}"
