"""A report table as CSV: a header row, then the rows, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

from reports.figures import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula (OWASP CSV injection)


def cell(value: Any) -> str:
    """A value as text; text a spreadsheet would run as a formula gets a leading quote.
    Numbers are written as numbers, so a negative figure stays a figure."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in table.columns])
    writer.writerows([cell(v) for v in row] for row in table.rows)
    return out.getvalue()
