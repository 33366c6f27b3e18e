"""Storing a received contact: the raw bytes and the normalised contact, together, once.

Every webhook, form and email pays for this, so it is kept to as few database round trips
as the guarantees allow:

- On PostgreSQL one statement stores both rows. A data-modifying CTE inserts the raw
  message (`ON CONFLICT (channel, provider_id) DO NOTHING`), takes the contact's id from
  its sequence and inserts the contact with its reference computed from that id in SQL.
  One statement is atomic, so without an `on_insert` hook it runs on its own in
  autocommit: one round trip in place of BEGIN, three statements and COMMIT. A repeat
  delivery inserts nothing and the earlier copy is read back. A concurrent repeat waits on
  the unique index until the first commits, then does the same.
- On SQLite, which has no data-modifying CTEs or sequences, the same Core inserts run one
  by one in a transaction and the reference is set by an UPDATE. Round trips there are
  function calls within the process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Row, String, Update, bindparam, cast, func, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import Contact, RawMessage
from models.db import engine, transaction
from models.intake import ContactState
from models.policy import Policy
from models.records import REFERENCE_DIGITS, reference_for, reference_start

RAW = RawMessage.__table__
CONTACTS = Contact.__table__
RAW_COLUMNS = ("channel", "provider_id", "content_type", "body", "size", "digest", "flags", "received_at")
KEY = [RAW.c.channel, RAW.c.provider_id]  # the idempotency key, unique
SET_BY_STORE = ("id", "raw_message_id", "reference")
RETURNED = (CONTACTS.c.id, CONTACTS.c.reference, CONTACTS.c.state)


@dataclass(frozen=True)
class Received:
    """Everything a channel adapter hands over: the raw payload and the contact's fields."""

    channel: str
    provider_id: str  # the channel's idempotency key
    content_type: str
    body: bytes
    text: str
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    flags: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)  # other Contact columns
    state: str = ContactState.RECEIVED.value  # noise and correspondence are never triaged
    # Work that must commit with the contact, such as the event on the case a reply joins.
    on_insert: Callable[[Session, Contact], None] | None = None


@dataclass(frozen=True)
class Stored:
    contact_id: int
    reference: str
    created: bool  # False when this was a repeat delivery of something already stored
    state: str = ContactState.RECEIVED.value


class NotStored(SQLAlchemyError):
    """A delivery's key was taken, yet no contact has it: the first copy changed in between
    (retention anonymises keys). Raised as a database error, so callers answer "retry"."""


def reference_sql(start: ColumnElement[str], contact_id: ColumnElement[Any]) -> ColumnElement[str]:
    """`make_reference` in SQL, from its start ("HDC-2026-") and an id column: zero-padded
    to six digits, longer ids in full (lpad alone would cut them)."""
    digits = cast(contact_id, String)
    return start + func.lpad(digits, func.greatest(REFERENCE_DIGITS, func.length(digits)), "0")


def store(received: Received, policy: Policy) -> Stored:
    """Commit the raw message and its contact in one transaction, or find the earlier copy.

    A repeat delivery (same channel and provider id) changes nothing and returns the
    contact that is already stored, with `created` False.
    """
    contact = _contact_values(received)
    parameters = {**{f"raw_{name}": value for name, value in _raw_values(received).items()}, **contact,
                  "reference_start": reference_start(policy.council.reference_prefix, received.received_at)}
    names = tuple(contact)
    if engine().dialect.name == "postgresql":
        row = _store_postgresql(received, names, parameters)
    else:
        row = _store_sqlite(received, names, parameters)
    if row is not None:
        return Stored(row.id, row.reference, created=True, state=row.state)
    found = _find(received)
    if found is None:
        raise NotStored(f"{received.channel} delivery conflicted with a contact that is no longer there")
    return found


def _store_postgresql(received: Received, names: tuple[str, ...], parameters: dict[str, Any]) -> Row[Any] | None:
    statement = _both_inserts(names)
    if received.on_insert is None:
        with engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(statement, parameters).first()
    with transaction() as db:
        row = db.execute(statement, parameters).first()
        if row is not None:
            received.on_insert(db, db.get_one(Contact, row.id))
        return row


@lru_cache(maxsize=64)
def _both_inserts(names: tuple[str, ...]) -> Insert:
    """For PostgreSQL, built once per set of contact columns and executed with parameters:

    WITH raw AS (INSERT INTO raw_messages … ON CONFLICT DO NOTHING RETURNING id),
         next_id AS (SELECT nextval(the contacts' id sequence))
    INSERT INTO contacts SELECT … FROM raw JOIN next_id RETURNING id, reference, state
    """
    raw = postgresql.insert(RAW).values(_raw_binds()).on_conflict_do_nothing(index_elements=KEY).returning(RAW.c.id).cte("raw")
    next_id = select(func.nextval(func.pg_get_serial_sequence(CONTACTS.name, CONTACTS.c.id.name)).label("id")).cte("next_id")
    source = select(
        next_id.c.id,
        raw.c.id,
        reference_sql(bindparam("reference_start", type_=String), next_id.c.id),
        *(bindparam(name, type_=CONTACTS.c[name].type) for name in names),
    ).select_from(raw.join(next_id, true()))
    return (insert(CONTACTS).from_select(["id", "raw_message_id", "reference", *names], source, include_defaults=False)
            .returning(*RETURNED))


def _store_sqlite(received: Received, names: tuple[str, ...], parameters: dict[str, Any]) -> Row[Any] | None:
    """Three statements in one transaction; the write lock is taken by the first."""
    insert_raw, insert_contact, set_reference = _sqlite_statements(names)
    with transaction() as db:
        raw_id = db.scalar(insert_raw, parameters)
        if raw_id is None:
            return None  # a repeat delivery
        contact_id = db.scalar(insert_contact, {**parameters, "raw_message_id": raw_id})
        reference = reference_for(parameters["reference_start"], contact_id)
        row = db.execute(set_reference, {"contact_id": contact_id, "new_reference": reference}).one()
        if received.on_insert is not None:
            received.on_insert(db, db.get_one(Contact, contact_id))
        return row


@lru_cache(maxsize=64)
def _sqlite_statements(names: tuple[str, ...]) -> tuple[Insert, Insert, Update]:
    insert_raw = sqlite.insert(RAW).values(_raw_binds()).on_conflict_do_nothing(index_elements=KEY).returning(RAW.c.id)
    contact = {name: bindparam(name, type_=CONTACTS.c[name].type) for name in ("raw_message_id", *names)}
    insert_contact = insert(CONTACTS).values(contact).returning(CONTACTS.c.id)
    set_reference = (update(CONTACTS).where(CONTACTS.c.id == bindparam("contact_id"))
                     .values(reference=bindparam("new_reference", type_=String)).returning(*RETURNED))
    return insert_raw, insert_contact, set_reference


def _raw_binds() -> dict[str, Any]:
    return {name: bindparam(f"raw_{name}", type_=RAW.c[name].type) for name in RAW_COLUMNS}


def _raw_values(received: Received) -> dict[str, Any]:
    return {
        "channel": received.channel,
        "provider_id": received.provider_id,
        "content_type": received.content_type,
        "body": received.body,
        "size": len(received.body),
        "digest": hashlib.sha256(received.body).hexdigest(),
        "flags": list(received.flags),
        "received_at": received.received_at,
    }


def _contact_values(received: Received) -> dict[str, Any]:
    """Every contact column but the three the store sets, with the model's Python-side
    defaults filled in here. The PostgreSQL statement is an INSERT … SELECT that carries
    another INSERT as a CTE, and with that CTE SQLAlchemy adds no defaults to the outer
    insert (include_defaults or not): leave this out and the columns are stored NULL."""
    unknown = {name for name in received.fields if name not in CONTACTS.c or name in SET_BY_STORE}
    if unknown:
        raise TypeError(f"not contact columns an adapter may set: {', '.join(sorted(unknown))}")
    values = {"channel": received.channel, "received_at": received.received_at, "text": received.text,
              "state": received.state, **received.fields}
    for column in CONTACTS.c:
        if column.name not in values and column.name not in SET_BY_STORE and column.default is not None:
            default = column.default
            values[column.name] = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
    return values


def _find(received: Received) -> Stored | None:
    query = (select(CONTACTS.c.id, CONTACTS.c.reference, CONTACTS.c.state)
             .join(RAW, CONTACTS.c.raw_message_id == RAW.c.id)
             .where(RAW.c.channel == received.channel, RAW.c.provider_id == received.provider_id))
    with engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # one SELECT, no BEGIN
        row = connection.execute(query).first()
    return Stored(row.id, row.reference, created=False, state=row.state) if row else None
