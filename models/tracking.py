"""The secret code a resident tracks their case with.

A code is 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 50
bits, shown as two groups of five. Only its SHA-256, bound to the case's reference, is
stored. A keyed hash (HMAC with SECRET_KEY) would add nothing worth its cost: the code
unlocks only a summary the database already holds, so the hash's job is to keep a usable
secret out of backups and staff views, and tying it to SECRET_KEY would lock every
resident out the day the key is rotated. Guessing online is what the rate limit on
/track stops; 50 bits is far out of reach at 10 tries per 15 minutes.

The plain code exists in memory between `issue` (when the case is opened) and
`take_plain_code` (when its acknowledgement is planned, in the same transaction), then in
the acknowledgement's outbox context until that message is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from models.cases import Case

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters a resident cannot misread
LENGTH = 10
_PLAIN = "tracking_code"  # the key in the instance's in-memory info, never a column


def new_code() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{code[:5]}-{code[5:]}"


def normalise_code(code: str) -> str:
    """What the resident typed, as issued: case, spaces and dashes do not matter."""
    return "".join(code.upper().split()).replace("-", "")


def normalise_reference(reference: str) -> str:
    return "".join(reference.upper().split())


def digest(reference: str, code: str) -> str:
    return hashlib.sha256(f"{normalise_reference(reference)}:{normalise_code(code)}".encode()).hexdigest()


def issue(case: Case) -> str:
    """Give a new case its code: the digest on the case, the plain code on this instance only."""
    code = new_code()
    case.tracking_code_hash = digest(case.reference, code)
    inspect(case).info[_PLAIN] = code
    return code


def take_plain_code(case: Case) -> str | None:
    """The plain code issued to this instance of the case, once; None if it was not issued here."""
    return inspect(case).info.pop(_PLAIN, None)


def find_case(db: Session, reference: str, code: str) -> Case | None:
    """The case with this reference whose code this is, or None, taking the same work
    whether or not the reference exists, so the answer never says which."""
    reference = normalise_reference(reference)[:64]
    case = db.scalars(select(Case).where(Case.reference == reference)).one_or_none()
    offered = digest(reference, code[:64])
    stored = case.tracking_code_hash if case is not None and case.tracking_code_hash else "0" * 64
    return case if hmac.compare_digest(offered, stored) and case is not None else None
