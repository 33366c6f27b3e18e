"""The labelled contacts in `triage/data/contacts/*.jsonl` and their fixed split.

Each record's split is decided once, by a seeded hash of its id: adding records never
moves an existing one between train, dev and test, and nothing depends on file order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "contacts"
SPLIT_SEED = "heard-triage-split-v1"
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Example:
    id: str
    channel: str
    received_at: datetime
    subject: str | None
    text: str
    category: str
    exclusion: str | None
    service_area: str
    urgent: bool


def split_of(record_id: str) -> str:
    """70 % train, 15 % dev, 15 % test, fixed by the seed and the id alone."""
    bucket = int.from_bytes(hashlib.sha256(f"{SPLIT_SEED}:{record_id}".encode()).digest()[:4], "big") % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "test"


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def data_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the data files' names and bytes: what a trained model claims to be from."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_records(lines: Iterable[str]) -> Iterator[Example]:
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        yield Example(
            id=record["id"],
            channel=record["channel"],
            received_at=datetime.fromisoformat(record["received_at"]),
            subject=record.get("subject"),
            text=record["text"],
            category=record["category"],
            exclusion=record.get("exclusion"),
            service_area=record["service_area"],
            urgent=bool(record.get("urgent", False)),
        )


def load(paths: Iterable[Path] | None = None) -> list[Example]:
    examples: list[Example] = []
    for path in paths if paths is not None else data_files():
        with path.open(encoding="utf-8") as handle:
            examples.extend(read_records(handle))
    return examples


def by_split(examples: Iterable[Example]) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for example in examples:
        groups[split_of(example.id)].append(example)
    return groups
