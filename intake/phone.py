"""Telephone numbers as E.164, read the way a UK council meets them."""

from __future__ import annotations

import phonenumbers


def e164(number: str | None, region: str = "GB") -> str | None:
    """`+447700900982` for "07700 900982", "+44 7700 900982" or "447700900982"; None for
    anything that could not be a number (withheld caller ids included)."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
