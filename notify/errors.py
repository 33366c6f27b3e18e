"""What a sender can say about a failure that changes how the outbox treats it."""

from __future__ import annotations


class Undeliverable(Exception):
    """The provider refused this message for good (an invalid phone number, say): sending
    it again cannot succeed, so the row is marked failed at once instead of retried."""
