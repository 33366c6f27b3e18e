"""Migrations run on SQLite and PostgreSQL, go down and up again, and match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models import Base
from models.db import engine_for, normalise_url
from models.migrate import downgrade, upgrade


def test_models_and_migrations_agree(heard_env):
    engine = engine_for(normalise_url(heard_env.database_url))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_to_nothing_and_up_again(heard_env):
    engine = engine_for(normalise_url(heard_env.database_url))
    downgrade(heard_env.database_url, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(heard_env.database_url)
    assert {"contacts", "raw_messages", "cases", "case_events", "notifications", "triage_decisions"} <= set(inspect(engine).get_table_names())


def test_retention_column_and_index_go_down_and_up(heard_env):
    engine = engine_for(normalise_url(heard_env.database_url))

    def retention_schema() -> tuple[bool, list[list[str]]]:
        inspector = inspect(engine)
        columns = {column["name"] for column in inspector.get_columns("cases")}
        indexes = [index["column_names"] for index in inspector.get_indexes("cases")
                   if index["name"] == "ix_cases_anonymised_at_closed_at"]
        return "anonymised_at" in columns, indexes

    assert retention_schema() == (True, [["anonymised_at", "closed_at"]])
    downgrade(heard_env.database_url, "0005")
    assert retention_schema() == (False, [])
    upgrade(heard_env.database_url)
    assert retention_schema() == (True, [["anonymised_at", "closed_at"]])


def test_urgent_decisions_from_before_the_review_queue_join_it_flagged(heard_env):
    """A decision stored before 0010 had no `urgent` column; 0011 reads its flags. The
    current one joins the queue; one already followed by a later decision does not."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    from intake.store import Received, store
    from models.policy import load_policy

    downgrade(heard_env.database_url, "0009")
    urgent = '[{"name": "urgent", "reason": "has nowhere safe to sleep tonight"}]'
    engine = engine_for(normalise_url(heard_env.database_url))
    for sid, flag_sets in (("SM-alone", [urgent]), ("SM-decided-again", [urgent, "[]"])):
        contact = store(Received(channel="sms", provider_id=sid, content_type="text/plain", body=b"x",
                                 text="I have nowhere to sleep tonight"), load_policy("huntingdonshire"))
        with engine.begin() as connection:
            for flags in flag_sets:
                connection.execute(text(
                    "INSERT INTO triage_decisions (contact_id, category, service_area, confidence, flags, signals, "
                    "decided_by, needs_review, decided_at) VALUES (:contact, 'service_request', 'housing', '{}', "
                    ":flags, '[]', 'model:old', :no, :at)"),
                    {"contact": contact.contact_id, "flags": flags, "no": False,
                     "at": datetime(2026, 11, 1, tzinfo=timezone.utc)})

    def rows() -> list[tuple[bool, bool]]:
        with engine.begin() as connection:
            found = connection.execute(text("SELECT urgent, awaiting_review FROM triage_decisions ORDER BY id"))
            return [(bool(u), bool(a)) for u, a in found]

    upgrade(heard_env.database_url, "0010")
    assert rows() == [(False, False)] * 3  # what 0010 alone left
    upgrade(heard_env.database_url)
    assert rows() == [(True, True), (True, False), (False, False)]
