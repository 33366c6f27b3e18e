"""Staff accounts: who may sign in, with which roles, seeing which service areas.

The rules live here so the web app, the CLI and any later single sign-on share them:
NCSC password guidance (length, not composition, and no very common passwords), argon2id
hashes, and a per-account lockout recorded in the database so it holds across every web
process and machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.policy import SERVICE_AREAS

ROLES = ("triage_officer", "service_team", "complaints_manager", "administrator")
# Roles whose work spans the whole council; a service team member sees only their areas.
SEES_EVERY_AREA = frozenset({"triage_officer", "complaints_manager", "administrator"})

MIN_PASSWORD_LENGTH = 12  # NCSC: length beats composition rules
MAX_PASSWORD_LENGTH = 1024  # long passphrases welcome; unbounded input is not
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)

# A short built-in list of very common passwords long enough to pass the length rule
# (keyboard walks, repeated words, "password" with digits), lower-cased: refused whatever
# the case. A council may prefer a breached-password service; this needs no network.
COMMON_PASSWORDS = frozenset({
    "123456789012", "1234567890123", "12345678901234", "123456789123", "1234567891011",
    "111111111111", "000000000000", "123123123123", "qwertyuiopas", "qwertyuiop123",
    "qwertyuiop1234", "1q2w3e4r5t6y", "1qaz2wsx3edc", "1q2w3e4r5t6y7u", "zaq12wsxcde3",
    "passwordpassword", "password1234", "password12345", "password123456", "passw0rd1234",
    "iloveyou1234", "letmein12345", "welcome12345", "welcome123456", "administrator",
    "administrator1", "abcdefghijkl", "abcdef123456", "abc123abc123", "aaaaaaaaaaaa",
    "football1234", "liverpool1234", "manchester123", "chelsea12345", "arsenal12345",
    "monkey123456", "sunshine1234", "princess1234", "trustno1trustno1", "changeme1234",
    "council12345", "councilpassword", "huntingdonshire", "password1!password1!",
    "qwerty123456", "qwertyqwerty", "asdfghjkl123", "asdfghjklzxc", "zxcvbnm12345",
    "secret123456", "summer123456", "winter123456", "spring123456", "autumn123456",
})


class StaffError(ValueError):
    """A staff account request the rules refuse, with a message for the person."""


class StaffUser(Base):
    """One member of staff who may sign in to the staff web UI."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased: one account per address
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    service_areas: Mapped[list[Any]] = mapped_column(default=list)  # for the service_team role
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password changes or the account is deactivated: every session signed
    # in before then stops working at its next request.
    session_version: Mapped[int] = mapped_column(default=1)
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when no account matches, so an unknown address takes as
    long to refuse as a wrong password."""
    return _hasher().hash("no account has this password")


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise StaffError("Enter an email address in the correct format, like name@example.gov.uk")


def check_password(password: str) -> None:
    """NCSC guidance: a minimum length, no composition rules, no very common passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"Password must be {MIN_PASSWORD_LENGTH} characters or more")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 3:
        raise StaffError("Password is too common or too easy to guess; try three random words")


def check_roles(roles: list[str], areas: list[str]) -> None:
    if not roles:
        raise StaffError("Give the account at least one role")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise StaffError(f"Unknown role {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    bad_areas = sorted(set(areas) - set(SERVICE_AREAS))
    if bad_areas:
        raise StaffError(f"Unknown service area {', '.join(bad_areas)}; areas are {', '.join(SERVICE_AREAS)}")
    if "service_team" in roles and not areas:
        raise StaffError("A service team member needs at least one service area")
    if areas and "service_team" not in roles:
        raise StaffError("Only the service_team role is scoped to service areas")


def find(db: Session, email: str) -> StaffUser | None:
    return db.scalars(select(StaffUser).where(StaffUser.email == email.strip().lower())).one_or_none()


def create(db: Session, email: str, name: str, password: str, roles: list[str], areas: list[str]) -> StaffUser:
    address = normalise_email(email)
    if not name.strip():
        raise StaffError("Give the person's name")
    check_roles(roles, areas)
    check_password(password)
    if find(db, address) is not None:
        raise StaffError(f"There is already an account for {address}")
    user = StaffUser(email=address, name=name.strip(), password_hash=_hasher().hash(password),
                     roles=sorted(set(roles)), service_areas=sorted(set(areas)))
    db.add(user)
    db.flush()
    return user


def set_password(db: Session, user: StaffUser, password: str) -> None:
    check_password(password)
    user.password_hash = _hasher().hash(password)
    user.session_version += 1
    user.failed_sign_ins = 0
    user.locked_until = None


def deactivate(db: Session, user: StaffUser) -> None:
    user.active = False
    user.session_version += 1


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to. `user` is set only when it succeeded."""

    user: StaffUser | None
    locked: bool = False


def authenticate(db: Session, email: str, password: str, now: datetime | None = None) -> SignIn:
    """Check an email and password, counting failures against the account.

    Every path verifies one argon2 hash (the dummy when there is no usable account), so
    the time taken does not tell an unknown address from a wrong password or a locked one.
    """
    now = now or utcnow()
    address = email.strip().lower()
    # Only a plausible address is looked up: PostgreSQL refuses a NUL in a query outright.
    plausible = 0 < len(address) <= 320 and address.isprintable()
    user = db.scalars(
        select(StaffUser).where(StaffUser.email == address).with_for_update()
    ).one_or_none() if plausible else None
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    usable = user is not None and user.active and not locked
    matched = _verify(user.password_hash if usable and user else _dummy_hash(), password[:MAX_PASSWORD_LENGTH])
    if user is None or not user.active:
        return SignIn(None)
    if locked:
        return SignIn(None, locked=True)
    if not matched:
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            user.failed_sign_ins = 0
            user.locked_until = now + LOCKOUT
        return SignIn(None, locked=user.locked_until is not None and user.locked_until > now)
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return SignIn(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def has_role(user: StaffUser, *roles: str) -> bool:
    """True when the user holds any of `roles` (or, with none named, any role at all)."""
    return bool(set(user.roles) & set(roles or ROLES))


def can_see_area(user: StaffUser, area: str) -> bool:
    """Need to know: council-wide roles see every area; a service team member only theirs."""
    if not user.active:
        return False
    if set(user.roles) & SEES_EVERY_AREA:
        return True
    return "service_team" in user.roles and area in user.service_areas
