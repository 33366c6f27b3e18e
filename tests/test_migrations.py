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
