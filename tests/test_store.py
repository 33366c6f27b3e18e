"""intake.store on both stacks: the raw bytes and the contact together or not at all, one
contact per delivery key however many copies arrive and however close together, the
reference known on return, and `on_insert` work inside the same transaction."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from rq.job import Job
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError, StatementError
from sqlalchemy.orm import Session

from heard.queue import TRIAGE, enqueue_triage, queue, redis, triage_job_id
from intake.store import NotStored, Received, store
from models.records import make_reference
from models import Contact, RawMessage
from models.db import engine, transaction
from models.policy import load_policy
from tests.stored import contacts, raw_rows

POLICY = load_policy("huntingdonshire")
WHEN = datetime(2026, 11, 22, 21, 0, tzinfo=timezone.utc)


def received(provider_id: str = "SM0001", **changes: object) -> Received:
    values: dict[str, object] = {
        "channel": "sms", "provider_id": provider_id, "content_type": "application/x-www-form-urlencoded",
        "body": b"Body=My+bin+was+missed&From=%2B447700900982", "text": "My bin was missed",
        "received_at": WHEN, "flags": ("truncated",),
        "fields": {"sender_phone": "+447700900982", "preferred_contact": "sms",
                   "attachments": [{"filename": "media-0", "content_type": "image/jpeg", "size": 0}],
                   "thread_refs": {"message_sid": provider_id, "to": "+441632960000"}},
    }
    values.update(changes)
    return Received(**values)  # type: ignore[arg-type]


def counts() -> tuple[int, int]:
    with transaction() as db:
        return (db.scalar(select(func.count()).select_from(RawMessage)) or 0,
                db.scalar(select(func.count()).select_from(Contact)) or 0)


def test_the_raw_bytes_and_the_contact_are_stored_with_the_reference_known_on_return(heard_env):
    stored = store(received(), POLICY)

    assert stored.created and stored.state == "received"
    assert stored.reference == make_reference("HDC", WHEN, stored.contact_id) == f"HDC-2026-{stored.contact_id:06d}"
    (contact,) = contacts()
    (raw,) = raw_rows()
    assert (contact.id, contact.reference, contact.raw_message_id) == (stored.contact_id, stored.reference, raw.id)
    assert (contact.channel, contact.text, contact.sender_phone, contact.received_at) == ("sms", "My bin was missed", "+447700900982", WHEN)
    assert contact.attachments == [{"filename": "media-0", "content_type": "image/jpeg", "size": 0}]
    assert contact.thread_refs == {"message_sid": "SM0001", "to": "+441632960000"}
    # the model's defaults, which the store fills in itself
    assert (contact.triage_attempts, contact.anonymous, contact.representative, contact.representative_consent) == (0, False, False, False)
    assert contact.created_at is not None and contact.created_at.tzinfo is not None
    assert raw.body == b"Body=My+bin+was+missed&From=%2B447700900982" and raw.size == len(raw.body)
    assert (raw.channel, raw.provider_id, raw.flags, raw.received_at) == ("sms", "SM0001", ["truncated"], WHEN)
    assert len(raw.digest) == 64


def test_each_new_delivery_gets_its_own_contact_and_reference(heard_env):
    first, second = store(received("SM1"), POLICY), store(received("SM2"), POLICY)
    assert first.contact_id != second.contact_id and first.reference != second.reference
    assert counts() == (2, 2)


def test_the_same_key_on_another_channel_is_another_contact(heard_env):
    store(received("same-id"), POLICY)
    assert store(received("same-id", channel="social"), POLICY).created
    assert counts() == (2, 2)


def test_a_repeat_delivery_finds_the_first_copy_and_creates_nothing(heard_env):
    first = store(received(), POLICY)
    again = store(received(body=b"a different body, same key", text="different"), POLICY)

    assert not again.created
    assert (again.contact_id, again.reference, again.state) == (first.contact_id, first.reference, first.state)
    assert counts() == (1, 1)
    assert raw_rows()[0].body == b"Body=My+bin+was+missed&From=%2B447700900982"  # the first copy stands


@pytest.mark.parametrize("with_hook", [False, True], ids=["one statement", "with an on_insert hook"])
def test_concurrent_repeat_deliveries_make_one_contact(heard_env, with_hook):
    """Eight threads deliver the same message at once, each through its own connection.
    With a hook the PostgreSQL store runs in a transaction rather than in autocommit."""
    threads = 8
    barrier = threading.Barrier(threads)
    results: list[object] = []
    hooked: list[int] = []

    def hook(db: Session, contact: Contact) -> None:
        hooked.append(contact.id)

    def deliver() -> None:
        barrier.wait()
        try:
            results.append(store(received("SM-raced", on_insert=hook if with_hook else None), POLICY))
        except Exception as exc:  # collected, so the assertion below names it
            results.append(exc)

    workers = [threading.Thread(target=deliver) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == threads
    assert sum(r.created for r in results) == 1  # type: ignore[attr-defined]
    assert len({(r.contact_id, r.reference) for r in results}) == 1  # type: ignore[attr-defined]
    assert counts() == (1, 1)
    assert hooked == ([results[0].contact_id] if with_hook else [])  # type: ignore[attr-defined]


def test_on_insert_runs_inside_the_transaction_and_sees_the_contact(heard_env):
    seen: list[tuple[int, str | None]] = []

    def hook(db: Session, contact: Contact) -> None:
        seen.append((contact.id, contact.reference))
        contact.subject = "set by the hook"  # flushed with the same commit

    stored = store(received(on_insert=hook), POLICY)

    assert seen == [(stored.contact_id, stored.reference)]
    assert contacts()[0].subject == "set by the hook"
    # A repeat delivery runs no hook: nothing is inserted for it to join.
    store(received(on_insert=hook), POLICY)
    assert len(seen) == 1


def test_a_failing_on_insert_hook_leaves_nothing_stored(heard_env):
    def hook(db: Session, contact: Contact) -> None:
        raise RuntimeError("the case it joins is gone")

    with pytest.raises(RuntimeError):
        store(received(on_insert=hook), POLICY)
    assert counts() == (0, 0)
    assert store(received(), POLICY).created  # a retry stores it


def test_a_contact_the_database_refuses_leaves_no_raw_message(heard_env):
    if heard_env.name != "services":
        pytest.skip("SQLite does not enforce column lengths; the failing hook above covers its transaction")
    too_long = received(fields={"sender_phone": "+44" * 40})  # sender_phone is VARCHAR(32)
    with pytest.raises(SQLAlchemyError):
        store(too_long, POLICY)
    assert counts() == (0, 0)


def test_references_past_six_digits_are_written_in_full(heard_env):
    """PostgreSQL computes the reference in SQL; it must match make_reference beyond 999,999."""
    with engine().begin() as connection:
        if engine().dialect.name == "postgresql":
            connection.execute(text("SELECT setval(pg_get_serial_sequence('contacts', 'id'), 999999)"))
        else:  # SQLite takes the next id after the largest
            connection.execute(text("INSERT INTO raw_messages (id, channel, provider_id, content_type, body, size, digest, flags, received_at) "
                                    "VALUES (999999, 'web', 'seed', 'text/plain', x'', 0, '', '[]', '2026-01-01 00:00:00')"))
            connection.execute(text("INSERT INTO contacts (id, raw_message_id, reference, channel, received_at, state, triage_attempts, "
                                    "anonymous, text, thread_refs, attachments, representative, representative_consent, created_at) "
                                    "VALUES (999999, 999999, 'seed', 'web', '2026-01-01 00:00:00', 'noise', 0, 0, '', '{}', '[]', 0, 0, "
                                    "'2026-01-01 00:00:00')"))
    stored = store(received("SM-big"), POLICY)
    assert stored.contact_id == 1_000_000
    assert stored.reference == make_reference("HDC", WHEN, 1_000_000) == "HDC-2026-1000000"
    assert store(received("SM-big"), POLICY).reference == "HDC-2026-1000000"


def test_the_year_in_the_reference_is_the_year_received(heard_env):
    new_year = datetime(2027, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
    stored = store(received(received_at=new_year), POLICY)
    assert stored.reference.startswith("HDC-2027-")


def test_a_key_taken_by_a_message_without_a_contact_is_refused_as_a_database_error(heard_env):
    """Retention can change a stored key between the conflict and the read-back; callers
    answer a database error with "retry"."""
    with engine().begin() as connection:
        connection.execute(text("INSERT INTO raw_messages (channel, provider_id, content_type, body, size, digest, flags, received_at) "
                                "VALUES ('sms', 'SM-orphan', 'text/plain', :body, 0, '', '[]', :at)"),
                           {"body": b"", "at": WHEN})
    with pytest.raises(NotStored) as refused:
        store(received("SM-orphan"), POLICY)
    assert isinstance(refused.value, SQLAlchemyError)
    assert counts() == (1, 0)


@pytest.mark.parametrize("field", ["reference", "raw_message_id", "id", "no_such_column"])
def test_an_adapter_cannot_set_the_store_s_own_columns_or_unknown_ones(heard_env, field):
    with pytest.raises(TypeError, match=field):
        store(received(fields={field: "x"}), POLICY)
    assert counts() == (0, 0)


def test_a_naive_timestamp_is_refused_and_nothing_stored(heard_env):
    with pytest.raises(StatementError):
        store(received(received_at=datetime(2026, 11, 22, 21, 0)), POLICY)
    assert counts() == (0, 0)


def test_binary_and_empty_bodies_are_kept_byte_for_byte(heard_env):
    hostile = bytes(range(256)) + "Llongyfarchiadau, café ☕".encode("utf-8") + b"\xff\xfe\x00"
    store(received("SM-bin", body=hostile), POLICY)
    store(received("SM-empty", body=b"", text=""), POLICY)
    assert [raw.body for raw in raw_rows()] == [hostile, b""]
    assert [raw.size for raw in raw_rows()] == [len(hostile), 0]


def test_noise_keeps_its_state(heard_env):
    stored = store(received(state="noise", fields={"noise": "auto_reply"}), POLICY)
    assert stored.state == "noise" and contacts()[0].noise == "auto_reply"


def test_enqueue_writes_the_whole_job_in_one_go(heard_env):
    assert enqueue_triage(41)
    job = Job.fetch(triage_job_id(41), connection=redis())
    assert (job.func_name, job.args, job.origin, job.get_status()) == ("heard.jobs.triage_contact", (41,), TRIAGE, "queued")
    assert (job.retries_left, job.result_ttl, job.failure_ttl) == (2, 3600, 7 * 86400)
    assert queue(TRIAGE).job_ids == [triage_job_id(41)]
    assert redis().sismember("rq:queues", queue(TRIAGE).key)
    assert queue(TRIAGE) is queue(TRIAGE)  # one Queue object per process


def test_enqueueing_the_same_contact_twice_keeps_one_job_record(heard_env):
    """Intake enqueues only a contact it has just created, and the reconciler only one with
    no live job, so a second enqueue is a race. It may put the id on the list twice (RQ
    pushes whatever it is given); the job itself is one record, and a second run finds
    the contact triaged and does nothing (tests/test_pipeline.py)."""
    assert enqueue_triage(7) and enqueue_triage(7)
    assert Job.fetch(triage_job_id(7), connection=redis()).args == (7,)
    assert set(queue(TRIAGE).job_ids) == {triage_job_id(7)}


def test_enqueue_reports_an_unreachable_redis(heard_env, monkeypatch):
    from heard import config

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    config.settings.cache_clear()
    assert enqueue_triage(5) is False


def test_stored_timestamps_are_utc(heard_env):
    local = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    store(received(received_at=local), POLICY)
    assert contacts()[0].received_at == local and contacts()[0].received_at.utcoffset() == timedelta(0)


def test_the_pool_is_warmed_before_the_first_busy_moment(heard_env):
    """`heard web` workers open a connection per request thread at start, each having read
    the intake tables, so the first concurrent requests do not pay for it."""
    from models.db import engine, warm_pool

    engine().dispose()
    assert warm_pool(3)
    assert engine().pool.checkedin() >= 3  # open and waiting, not closed again


def test_warming_a_database_that_is_not_ready_fails_quietly(heard_env):
    """The server must still start (and /healthz say why) when the database is not migrated."""
    from models.db import warm_pool

    assert warm_pool(2, tables=("no_such_table",)) is False
