"""The load child of `make bench`: many concurrent calls through AsyncAssistantsClient.

    python bench/load.py --base-url http://127.0.0.1:PORT/v1 --requests 5000 --concurrency 50

Makes `--requests` `list_messages(THREAD_ID, limit=1)` calls against bench/server.py,
`--concurrency` at a time (that many tasks sharing one counter), each checked (one message,
the expected thread). Prints one JSON line: requests, errors (and the first few), seconds,
requests/s, this process's peak RSS (ru_maxrss) and its RSS once warmed up (after a tenth
of the calls) and at the end (from /proc/self/status), so the benchmark can show whether
memory stays flat. Bounded in count (exactly `--requests` calls) and in time (`--deadline`
seconds, after which it stops and reports what it got).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "generated"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anyio
from assistants_client import AsyncAssistantsClient
from messages import THREAD_ID


def rss_mb() -> float | None:
    """This process's resident set size now, in MB (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


async def run(base_url: str, requests: int, concurrency: int, deadline: float) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": requests, "concurrency": concurrency, "done": 0,
                           "errors": 0, "error_samples": [], "timed_out": False}
    warm_at = max(1, requests // 10)
    indices = iter(range(requests))

    async def worker(client: AsyncAssistantsClient) -> None:
        for _ in indices:  # shared: every call is made exactly once
            try:
                page = await client.list_messages(THREAD_ID, limit=1)
                if len(page.data) != 1 or page.data[0].thread_id != THREAD_ID:
                    raise AssertionError(f"unexpected page: {page!r}")
            except Exception as exc:  # noqa: BLE001 - counted and reported
                out["errors"] += 1
                if len(out["error_samples"]) < 5:
                    out["error_samples"].append(repr(exc)[:300])
            out["done"] += 1
            if out["done"] == warm_at:
                out["rss_warm_mb"] = rss_mb()

    async with AsyncAssistantsClient(api_key="k", base_url=base_url, max_retries=0,
                                     timeout=60.0) as client:
        started = time.perf_counter()
        with anyio.move_on_after(deadline) as scope:
            async with anyio.create_task_group() as group:
                for _ in range(concurrency):
                    group.start_soon(worker, client)
        elapsed = time.perf_counter() - started
    out["timed_out"] = scope.cancelled_caught
    out["seconds"] = elapsed
    out["requests_per_s"] = out["done"] / elapsed if elapsed else None
    out["rss_end_mb"] = rss_mb()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--deadline", type=float, default=600.0)
    args = parser.parse_args()
    result = anyio.run(run, args.base_url, args.requests, args.concurrency, args.deadline)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
