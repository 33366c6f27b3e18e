"""schemathesis against the OpenAPI document Heard serves: whatever it sends, the webhook
answers as documented and never with a server error, and stores nothing unsigned."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from models import Contact
from models.db import transaction


def test_the_webhooks_behave_as_documented(live_server, monkeypatch):
    monkeypatch.setenv("VOICE_WEBHOOK_SECRET", "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the served document describes no operation"
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        def behaves(case) -> None:  # type: ignore[no-untyped-def]
            calls.append(case.call_and_validate().status_code)

        behaves()
    assert len(calls) >= 30 and set(calls) <= {400, 403, 413, 415}, set(calls)
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Contact)) == 0  # nothing unsigned is ever stored
