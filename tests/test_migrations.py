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
