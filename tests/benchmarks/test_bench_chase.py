"""One deadline chase pass with a million open complaints in PostgreSQL, beside a bare read of
the same deadline range measured in the same run.

The issue's target: a pass finds what is due in under a second, and its time grows with
the number due, not with the number open. So the same due counts are measured with
100,000 and then 1,000,000 open cases, each loaded in bulk by SQL alone. Deadlines are
spread over two years, except for 10,000 cases scattered through the table whose
deadlines fall in three bands ending at the reminder horizons of three chosen working
days: 100 are due (overdue or within the horizon) on the first, 1,000 on the second,
10,000 on the third.
Two thirds of the cases are acknowledged and waiting on their response, with the reminder
for their acknowledgement already in `deadline_chases`, so the anti-join reads a real
history rather than an empty table.

Each pass is the real `chase()` in a transaction rolled back afterwards, so every figure
starts from the same state. PostgreSQL only: a million rows on SQLite is not the target.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Select, text

from models.chase import chase, missed_query, reminder_query
from models.db import engine, session
from models.policy import Policy, load_policy

POLICY = load_policy("huntingdonshire")
FIRST_DAY = date(2027, 3, 1)  # a Monday with no bank holiday for weeks either side
DUE = (100, 1_000, 10_000)
OPEN = (100_000, 1_000_000)
REPEAT = 3  # the query-only figure is the median of this many runs

# One row per contact in each of raw_messages, contacts and cases, ids 1..:n. Case i is one
# of the 10,000 near the chosen days when i is a multiple of :every (its rank k = i / :every
# picks the band), otherwise its deadline is somewhere in the two years after them.
LOAD = [
    """INSERT INTO raw_messages (id, channel, provider_id, content_type, body, size, digest, flags, received_at)
       SELECT i, 'web', 'bench-' || i, 'text/plain', convert_to('My bin was missed again.', 'UTF8'), 24,
              lpad(to_hex(i), 64, '0'), '[]', CAST(:received AS timestamptz) + i * interval '1 second'
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO contacts (id, raw_message_id, reference, channel, received_at, state, triage_attempts, sender_email,
                             anonymous, text, thread_refs, representative, representative_consent, attachments,
                             created_at)
       SELECT i, i, 'HDC-2026-' || lpad(CAST(i AS text), 7, '0'), 'web',
              CAST(:received AS timestamptz) + i * interval '1 second', 'triaged', 1, 'r' || i || '@example.org',
              false, 'My bin was missed again (' || i || ').', '{}', false, false, '[]', now()
       FROM generate_series(1, :n) AS i""",
    """INSERT INTO cases (id, reference, contact_id, policy, kind, stage, stage_key, stage_requested_at, state,
                          service_area, team, urgent, summary, received_at, acknowledgement_due, acknowledged_at,
                          response_due, extensions, deadline_kind, deadline_due, other_service_areas, adjustments,
                          needs_review, created_at, updated_at)
       SELECT i, 'HDC-2026-' || lpad(CAST(i AS text), 7, '0'), i, 'huntingdonshire', 'complaint', 1, 'stage_1',
              received, CASE WHEN waiting_ack THEN 'open' ELSE 'acknowledged' END, 'waste',
              'Operations: Waste Services', false, 'My bin was missed again (' || i || ').', received,
              CASE WHEN waiting_ack THEN due ELSE due - 14 END,
              CASE WHEN waiting_ack THEN NULL ELSE received + interval '3 days' END,
              CASE WHEN waiting_ack THEN NULL ELSE due END, 0,
              CASE WHEN waiting_ack THEN 'acknowledge' ELSE 'respond' END, due, '[]', '[]', false, now(), now()
       FROM (SELECT i, waiting_ack, due, CAST(due - 21 AS timestamptz) + interval '10 hours' AS received
             FROM (SELECT i, i % 3 = 0 AS waiting_ack,
                          CASE WHEN i % :every <> 0 OR i / :every > :near THEN :far + i % :far_days
                               WHEN i / :every <= :due_1 THEN :band_1 + i / :every % :days_1
                               WHEN i / :every <= :due_2 THEN :band_2 + i / :every % :days_2
                               ELSE :band_3 + i / :every % :days_3 END AS due
                   FROM generate_series(1, :n) AS i) AS deadlines) AS cases_to_load""",
    # The history: every acknowledged case was reminded of its acknowledgement deadline.
    """INSERT INTO deadline_chases (case_id, stage_key, deadline_kind, due_on, action, at)
       SELECT id, 'stage_1', 'acknowledge', acknowledgement_due, 'reminder', received_at + interval '2 days'
       FROM cases WHERE deadline_kind = 'respond'""",
    "SELECT setval('raw_messages_id_seq', :n)",
    "SELECT setval('contacts_id_seq', :n)",
    "SELECT setval('cases_id_seq', :n)",
]
ANALYZED = ["raw_messages", "contacts", "cases", "deadline_chases"]


def _days(policy: Policy) -> list[tuple[date, date]]:
    """The three chosen days and their reminder horizons, each day the working day after
    the previous horizon."""
    calendar = policy.calendar()
    days = []
    day = FIRST_DAY
    for _ in DUE:
        horizon = calendar.add_working_days(day, policy.reminder_working_days)
        days.append((day, horizon))
        day = calendar.add_working_days(horizon, 1)
    return days


def _load(n: int, days: list[tuple[date, date]]) -> float:
    """Empty the tables and bulk-load `n` open complaints; returns the seconds taken."""
    (_, horizon_1), (_, horizon_2), (_, horizon_3) = days
    band_1 = days[0][0] - timedelta(days=7)  # a week overdue up to the first horizon
    far = horizon_3 + timedelta(days=1)
    params = {"n": n, "every": n // DUE[-1], "near": DUE[-1], "due_1": DUE[0], "due_2": DUE[1],
              "received": "2026-01-01T10:00:00+00:00",
              "band_1": band_1, "days_1": (horizon_1 - band_1).days + 1,
              "band_2": horizon_1 + timedelta(days=1), "days_2": (horizon_2 - horizon_1).days,
              "band_3": horizon_2 + timedelta(days=1), "days_3": (horizon_3 - horizon_2).days,
              "far": far, "far_days": (FIRST_DAY + timedelta(days=730) - far).days}
    start = time.perf_counter()
    with engine().begin() as connection:
        connection.execute(text("TRUNCATE deadline_chases, notifications, case_events, cases, triage_decisions, "
                                "contacts, raw_messages RESTART IDENTITY CASCADE"))
        for statement in LOAD:
            connection.execute(text(statement), params)
    # VACUUM as well as ANALYZE: a live database's autovacuum has set the hint bits and the
    # visibility map, which the first reader after a bulk load would otherwise pay for.
    with engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM (ANALYZE) {', '.join(ANALYZED)}"))
    return time.perf_counter() - start


def _pass(day: date) -> tuple[float, int]:
    """One real chase pass, rolled back; its seconds and the number of cases it chased."""
    with session() as db:
        start = time.perf_counter()
        result = chase(db, POLICY, day)
        elapsed = time.perf_counter() - start
        db.rollback()
    return elapsed, len(result.reminded) + len(result.missed)


def _again(day: date) -> tuple[float, int]:
    """A second pass on the same day, after a first in the same transaction: it finds every
    due case already chased, so its time is the cost of looking alone."""
    with session() as db:
        chase(db, POLICY, day)
        start = time.perf_counter()
        result = chase(db, POLICY, day)
        elapsed = time.perf_counter() - start
        db.rollback()
    return elapsed, len(result.reminded) + len(result.missed)


def _queries(day: date, horizon: date) -> tuple[float, int]:
    """The two queries alone, through the ORM as `chase()` runs them: median seconds."""
    times, found = [], 0
    for _ in range(REPEAT):
        with session() as db:
            start = time.perf_counter()
            found = len(db.execute(missed_query(day)).all()) + len(db.execute(reminder_query(day, horizon)).all())
            times.append(time.perf_counter() - start)
            db.rollback()
    return statistics.median(times), found


def _bare_range(horizon: date) -> float:
    """Baseline: the ids of every case due by the horizon, by the driver alone, no anti-join,
    no ORM: the least a pass could cost. Median seconds."""
    times = []
    with engine().connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for _ in range(REPEAT):
            start = time.perf_counter()
            cursor.execute("SELECT id FROM cases WHERE deadline_due <= %s", (horizon,))
            cursor.fetchall()
            times.append(time.perf_counter() - start)
        connection.rollback()
    return statistics.median(times)


def _explain(statement_sql: str) -> str:
    with engine().connect() as connection:
        plan = "\n".join(row[0] for row in connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {statement_sql}")))
        connection.rollback()
    return plan


def _literal(statement: Select[Any]) -> str:
    return str(statement.compile(engine(), compile_kwargs={"literal_binds": True}))


def test_one_chase_pass_with_a_million_open_cases(heard_env):
    if heard_env.database_url.startswith("sqlite"):
        pytest.skip("a million open cases is a PostgreSQL target")
    days = _days(POLICY)
    assert all(POLICY.calendar().is_working_day(day) for day, _ in days)
    rows, loads, plans = [], [], []
    for n in OPEN:
        loads.append((n, _load(n, days)))
        for due, (day, horizon) in zip(DUE, days):
            baseline = _bare_range(horizon)
            query_seconds, found = _queries(day, horizon)
            if n == OPEN[-1] and due in (DUE[0], DUE[-1]):  # before this day's pass has left anything behind
                plans.append((f"reminder query, {n:,} open, {due:,} due on {day} (horizon {horizon})",
                              _explain(_literal(reminder_query(day, horizon)))))
                if due == DUE[-1]:
                    plans.append((f"missed query, {n:,} open, {due:,} due on {day}",
                                  _explain(_literal(missed_query(day)))))
            pass_seconds, chased = _pass(day)
            assert found == chased == due, (n, day, found, chased)
            rows.append((n, due, pass_seconds, query_seconds, baseline))
        again_seconds, again_chased = _again(days[-1][0])
        assert again_chased == 0  # nothing twice
        rows.append((n, 0, again_seconds, None, None))

    print(f"\n[{heard_env.name}] one chase pass ({POLICY.profile}, reminders {POLICY.reminder_working_days} working "
          f"days ahead); each pass rolled back")
    for n, seconds in loads:
        print(f"  loaded {n:>9,} open complaints (contacts, raw messages, chase history) in {seconds:6.1f} s")
    print(f"  {'open':>9}  {'due':>6}  {'pass s':>8}  {'query-only s':>12}  {'baseline: bare range read s':>27}")
    for n, due, pass_seconds, query_seconds, baseline in rows:
        if query_seconds is None:
            print(f"  {n:>9,}  {due:>6,}  {pass_seconds:8.3f}  (a second pass the same day: "
                  f"{DUE[-1]:,} already chased)")
        else:
            print(f"  {n:>9,}  {due:>6,}  {pass_seconds:8.3f}  {query_seconds:12.3f}  {baseline:27.3f}")
    for title, plan in plans:
        print(f"\n  EXPLAIN (ANALYZE, BUFFERS) of the {title}:")
        print("\n".join(f"    {line}" for line in plan.splitlines()))
