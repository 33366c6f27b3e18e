"""One page of a long list, as the staff queues show it: 50 rows, and where they fall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

PAGE_SIZE = 50
Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    total: int
    page: int
    pages: int


def clamp(total: int, page: int, page_size: int = PAGE_SIZE) -> tuple[int, int]:
    """The page to show (past the end: the last) and how many there are."""
    pages = max(1, -(-total // page_size))
    return min(max(page, 1), pages), pages
