"""What every staff view reads from a request, checked the same way: references in the
URL, page numbers in the query string, and the answer to a form that lost its CSRF token."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, request

MAX_REFERENCE = 32  # contacts.reference and cases.reference
STALE_FORM = "Your session has expired or the form was not sent from this site. Nothing was changed"


def reference_or_404(reference: str) -> str:
    """A reference as typed into a URL: anything a reference cannot be (too long, not
    printable ASCII, a NUL PostgreSQL would refuse) is simply not found."""
    if len(reference) > MAX_REFERENCE or not reference.isascii() or not reference.isprintable():
        abort(404)
    return reference


def page_number() -> int:
    """`?page=`: a small positive number, anything else the first page."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def stale_form() -> NoReturn:
    abort(400, STALE_FORM)
