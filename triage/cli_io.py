"""JSON Lines in, JSON Lines out, for `heard triage classify`: streaming, any size.

A line that is not a usable contact gets an output line with an `error` and no labels,
so the output stays aligned with the input and nothing is silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from itertools import islice
from typing import IO, Any

from triage.pipeline import classify_many
from triage.types import TriageInput

MAX_LINE = 2 * 1024 * 1024  # characters read of one input line


def _parse(line: str, number: int) -> TriageInput | dict[str, Any]:
    try:
        record = json.loads(line[:MAX_LINE])
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"not JSON: {exc.msg}"}
    if not isinstance(record, dict):
        return {"id": None, "line": number, "error": "not a JSON object"}
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        return {"id": record.get("id"), "line": number, "error": "text must be a string"}
    try:
        received = datetime.fromisoformat(record["received_at"]) if record.get("received_at") else datetime.now(timezone.utc)
        if received.tzinfo is None:
            received = received.replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return {"id": record.get("id"), "line": number, "error": "received_at is not an ISO 8601 date and time"}
    subject = record.get("subject")
    return TriageInput(
        id=None if record.get("id") is None else str(record["id"]),
        text=text or "",
        subject=subject if isinstance(subject, str) else None,
        channel=str(record.get("channel") or "web"),
        received_at=received,
    )


def _output(contact: TriageInput, result: Any) -> dict[str, Any]:
    return {
        "id": contact.id,
        "category": result.category,
        "exclusion": result.exclusion,
        "service_area": result.service_area,
        "confidence": result.confidence,
        "flags": [{"name": flag.name, "reason": flag.reason} for flag in result.flags],
    }


def classify_stream(source: IO[str], sink: IO[str], batch_size: int = 256) -> None:
    lines = (line for line in source if line.strip())
    numbered: Iterator[tuple[int, str]] = enumerate(lines, 1)
    while True:
        chunk = list(islice(numbered, batch_size))
        if not chunk:
            return
        parsed = [_parse(line, number) for number, line in chunk]
        contacts = [p for p in parsed if isinstance(p, TriageInput)]
        results = iter(classify_many(contacts, batch_size=batch_size))
        for item in parsed:
            row = _output(item, next(results)) if isinstance(item, TriageInput) else item
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
        sink.flush()
