"""SQL pieces both databases understand: a timestamp's date and month in the UK.

PostgreSQL converts with its own time-zone data. SQLite has none, so every SQLite
connection is given the same function from Python's zoneinfo when it opens
(`models.db.SQLITE_UK_DATE`), and the query text names it. Either way the day boundary is midnight in Europe/London, summer time included.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Date, String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from models.db import SQLITE_UK_DATE


class uk_date(FunctionElement[Any]):  # noqa: N801  (reads as SQL)
    """The UK calendar date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True
    name = "uk_date"


class uk_month(FunctionElement[Any]):  # noqa: N801
    """'YYYY-MM' of a UTC timestamp column, in the UK."""

    type = String()
    inherit_cache = True
    name = "uk_month"


@compiles(uk_date, "postgresql")
def _pg_date(element: uk_date, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone('Europe/London', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(uk_date, "sqlite")
def _sqlite_date(element: uk_date, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_UK_DATE}({compiler.process(element.clauses, **kw)})"


@compiles(uk_month, "postgresql")
def _pg_month(element: uk_month, compiler: Any, **kw: Any) -> str:
    return f"to_char(timezone('Europe/London', {compiler.process(element.clauses, **kw)}), 'YYYY-MM')"


@compiles(uk_month, "sqlite")
def _sqlite_month(element: uk_month, compiler: Any, **kw: Any) -> str:
    return f"substr({SQLITE_UK_DATE}({compiler.process(element.clauses, **kw)}), 1, 7)"


class json_text(FunctionElement[Any]):  # noqa: N801
    """A JSON column's member as text (None when absent), with the key written into the SQL
    so PostgreSQL sees the same expression in SELECT and GROUP BY."""

    type = String()
    inherit_cache = True
    name = "json_text"

    def __init__(self, column: Any, key: str) -> None:
        if not key.isidentifier():
            raise ValueError(f"not a JSON key Heard writes: {key!r}")
        self.key = key
        super().__init__(column, literal_column(f"'{key}'"))  # the key in the statement cache's key too


class json_true(FunctionElement[Any]):  # noqa: N801
    """Whether a JSON column's member is JSON true."""

    type = Boolean()
    inherit_cache = True
    name = "json_true"

    def __init__(self, column: Any, key: str) -> None:
        if not key.isidentifier():
            raise ValueError(f"not a JSON key Heard writes: {key!r}")
        self.key = key
        super().__init__(column, literal_column(f"'{key}'"))  # the key in the statement cache's key too


@compiles(json_text, "postgresql")
def _pg_json_text(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses.clauses[0], **kw)} ->> '{element.key}')"


@compiles(json_text, "sqlite")
def _sqlite_json_text(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses.clauses[0], **kw)}, '$.{element.key}')"


@compiles(json_true, "postgresql")
def _pg_json_true(element: json_true, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses.clauses[0], **kw)} ->> '{element.key}') = 'true')"


@compiles(json_true, "sqlite")
def _sqlite_json_true(element: json_true, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses.clauses[0], **kw)
    return f"(json_type({column}, '$.{element.key}') = 'true')"
