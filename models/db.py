"""Engine and sessions: plain SQLAlchemy, so workers and servers need no Flask app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from heard.config import settings
from models.policy import UK

SQLITE_UK_DATE = "heard_uk_date"  # SQL function: a stored UTC timestamp's UK calendar date


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or omits)."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a writer commits; busy_timeout makes concurrent
    # processes (web, worker, scheduler) wait for the write lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite has no time zones; the reports' UK dates use this (PostgreSQL has its own).
    dbapi_connection.create_function(SQLITE_UK_DATE, 1, _uk_date_text, deterministic=True)


def _uk_date_text(stored: str | None) -> str | None:
    """SQLite keeps UTC timestamps as text without an offset ('2026-11-02 10:00:00.000000')."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(UK).date().isoformat()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    # A forked RQ work horse must not share its parent's connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


@lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return engine_for(normalise_url(settings().database_url))


@lru_cache(maxsize=None)
def _sessionmaker(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


def session() -> Session:
    return _sessionmaker(normalise_url(settings().database_url))()


def warm_pool(connections: int, tables: tuple[str, ...] = ("contacts", "raw_messages")) -> bool:
    """Open `connections` pooled connections now, each having read `tables` once.

    A pool opens connections only when a request finds none free, and a new PostgreSQL
    session reads the catalogue on its first use of a table, so without this the first
    busy moment after a server starts pays for both: webhook answers of 65 to 175 ms were
    seen. False (and nothing opened) when the database is not ready: the server must
    still start, and /healthz says what is wrong."""
    opened = []
    try:
        for _ in range(connections):
            connection = engine().connect()
            opened.append(connection)
            for table in tables:
                connection.execute(text(f"SELECT 1 FROM {table} WHERE false"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        for connection in opened:
            connection.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """A session whose work is committed together, or rolled back on any error."""
    with session() as db, db.begin():
        yield db
