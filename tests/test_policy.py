"""Policy profiles load, validate, and give each council's own timescales."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from models.policy import SHIPPED, PolicyError, load_policy

RECEIVED = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)  # a Wednesday


def test_huntingdonshire_timescales():
    policy = load_policy("huntingdonshire")
    assert policy.acknowledgement_due("complaint", RECEIVED) == date(2026, 11, 25)  # 5 working days
    # 10 working days from the acknowledgement, not from receipt
    assert policy.response_due("complaint", RECEIVED, date(2026, 11, 20)) == date(2026, 12, 4)


def test_hart_timescales():
    policy = load_policy("hart")
    assert policy.acknowledgement_due("complaint", RECEIVED) == date(2026, 11, 23)  # 3 working days
    assert policy.response_due("complaint", RECEIVED, date(2026, 11, 20)) == date(2026, 12, 2)  # from receipt


def test_received_late_evening_counts_from_the_uk_date():
    late = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)  # 00:30 on 1 July in BST
    assert load_policy("huntingdonshire").acknowledgement_due("complaint", late) == date(2026, 7, 8)


def test_every_shipped_profile_loads():
    assert {p.stem for p in SHIPPED.glob("*.toml")} >= {"huntingdonshire", "hart"}


def test_unknown_profile_names_the_choices():
    with pytest.raises(PolicyError, match="hart, huntingdonshire"):
        load_policy("nowhere")


def test_a_bad_field_is_named(tmp_path: Path):
    text = (SHIPPED / "hart.toml").read_text().replace("acknowledge_working_days = 3", "acknowledge_working_days = -3", 1)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=r"complaint_stage_1\.acknowledge_working_days"):
        load_policy(str(path))


def test_a_missing_service_area_is_named(tmp_path: Path):
    text = (SHIPPED / "hart.toml").read_text().replace("[service_areas.leisure]", "[service_areas.swimming]")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match="leisure"):
        load_policy(str(path))


def test_broken_toml_is_reported(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text("[council\nname = ")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(str(path))
