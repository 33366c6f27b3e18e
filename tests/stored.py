"""Reading back what a test stored: every contact and raw message, oldest first."""

from __future__ import annotations

from sqlalchemy import select

from models import Contact, RawMessage
from models.db import transaction


def contacts() -> list[Contact]:
    with transaction() as db:
        return list(db.scalars(select(Contact).order_by(Contact.id)))


def raw_rows() -> list[RawMessage]:
    with transaction() as db:
        return list(db.scalars(select(RawMessage).order_by(RawMessage.id)))
