"""Valid Assistants API MessageObjects and list bodies for the runtime benchmark (stdlib only).

Every required field of MessageObject (generated/assistants_client/models.py) is present:
id, object, created_at, thread_id, status, incomplete_details, completed_at,
incomplete_at, role, content (one text part, with annotations), assistant_id, run_id,
attachments, metadata. Deterministic: the same n always gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

THREAD_ID = "thread_bench0000000000000000"


def message(i: int) -> dict[str, Any]:
    assistant = i % 2 == 1
    text = (f"Message {i}: the solution of 3x + 11 = 14 is x = 1. " * (1 + i % 3)).strip()
    annotations: list[dict[str, Any]] = []
    if i % 4 == 3:
        annotations.append({
            "type": "file_citation",
            "text": "【4:0†source】",
            "file_citation": {"file_id": f"file-{i:020d}"},
            "start_index": 10,
            "end_index": 22,
        })
    return {
        "id": f"msg_{i:024d}",
        "object": "thread.message",
        "created_at": 1_730_000_000 + i,
        "thread_id": THREAD_ID,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": 1_730_000_001 + i if assistant else None,
        "incomplete_at": None,
        "role": "assistant" if assistant else "user",
        "content": [{"type": "text", "text": {"value": text, "annotations": annotations}}],
        "assistant_id": "asst_bench00000000000000000" if assistant else None,
        "run_id": f"run_{i:024d}" if assistant else None,
        "attachments": [],
        "metadata": {"n": str(i)},
    }


def list_payload(n: int) -> dict[str, Any]:
    data = [message(i) for i in range(n)]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": False,
    }


def list_body(n: int) -> bytes:
    return json.dumps(list_payload(n)).encode("utf-8")
