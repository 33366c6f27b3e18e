"""Webhook latency under a steady load, beside a bare Flask endpoint measured in the same run.

Both are served by gunicorn as `heard web` serves Heard (2 workers of 4 threads, access
log on). The load is open-loop: every request is sent at its scheduled time whether or not
earlier ones have been answered, and latency counts from that scheduled time, so a server
falling behind shows as latency instead of quietly slowing the sender down. Requests sent
one at a time first give the service time with no queueing, to read the load figures by.
Heard's side is the signed Twilio SMS webhook, each request a new text: verified, stored
with its contact in one transaction, triage queued on Redis, then answered.

On PostgreSQL every answer waits for its commit's WAL flush, so the run also reads
PostgreSQL's own counters: WAL bytes and flushes per request, and whether a checkpoint
was writing, whose writes share the disk with that flush.

Latency on a shared machine says as much about the neighbours as about the server, so the
run also prints the CPU time the server's processes spent per request under the load (read
from /proc, so it excludes the database, Redis and the load generator), the load average
before and after, and how many gunicorn workers booted: two, or start-up was paid again
during the run.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from twilio.request_validator import RequestValidator

from heard.config import PROJECT_ROOT
from models import Contact
from models.db import transaction
from tests.conftest import free_port
from tests.processes import Process, base_env, wait_http

RATE = 200  # requests a second
SECONDS = 10
WARM_UP = 200  # sent one at a time first: the service time, and a warm server
TOKEN = "bench-twilio-token"
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--access-logfile", "-"]  # as `heard web`


@dataclass(frozen=True)
class Run:
    latencies_ms: list[float]
    statuses: list[int]
    achieved: float  # responses a second over the whole run
    cpu_ms: float | None = None  # the server's CPU time per request (master and workers), under the load

    def line(self, label: str) -> str:
        ordered = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

        return (f"  {label:<38} p50 {pct(0.50):6.1f} ms  p95 {pct(0.95):6.1f} ms  p99 {pct(0.99):6.1f} ms  "
                f"max {ordered[-1]:6.1f} ms  achieved {self.achieved:5.1f}/s"
                + (f"  server CPU {self.cpu_ms:4.2f} ms/request" if self.cpu_ms is not None else ""))


def _cpu_seconds(master: int) -> float:
    """User and system CPU seconds of a gunicorn master and its live workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone in between
            continue
        if int(entry.name) == master or int(fields[1]) == master:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _signed_texts(url: str, first: int, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Requests signed in advance, so the sender spends its time sending."""
    validator = RequestValidator(TOKEN)
    batch = []
    for i in range(first, first + count):
        params = {"MessageSid": f"SM{i:032x}", "AccountSid": "AC" + "1" * 32, "From": "+447700900982",
                  "To": "+441632960000", "Body": f"My bin was missed again on Hartford Road ({i})", "NumMedia": "0"}
        batch.append((urlencode(params).encode(), {"Content-Type": "application/x-www-form-urlencoded",
                                                      "X-Twilio-Signature": validator.compute_signature(url, params)}))
    return batch


async def _open_loop(url: str, batch: list[tuple[bytes, dict[str, str]]]) -> Run:
    loop = asyncio.get_running_loop()
    # No cap on connections: a slow server must show as latency, not as a queue in the client.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:
        start = loop.time() + 0.2

        async def send(i: int, body: bytes, headers: dict[str, str]) -> tuple[int, float, float]:
            due = start + i / RATE
            await asyncio.sleep(max(0.0, due - loop.time()))
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                done = loop.time()
                return response.status, (done - due) * 1000, done

        results = await asyncio.gather(*(send(i, body, headers) for i, (body, headers) in enumerate(batch)))
    finished = max(done for _, _, done in results)
    return Run([ms for _, ms, _ in results], [status for status, _, _ in results], len(results) / (finished - start))


async def _one_at_a_time(url: str, batch: list[tuple[bytes, dict[str, str]]]) -> Run:
    """Each request sent when the last is answered: the service time, with no queueing."""
    loop = asyncio.get_running_loop()
    latencies, statuses = [], []
    async with aiohttp.ClientSession() as session:
        start = loop.time()
        for body, headers in batch:
            sent = loop.time()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
            latencies.append((loop.time() - sent) * 1000)
            statuses.append(response.status)
        return Run(latencies, statuses, len(batch) / (loop.time() - start))


def _measure(url: str, count: int, master: int) -> tuple[Run, Run]:
    """One request at a time (which also warms the server up), then the steady load."""
    serial = asyncio.run(_one_at_a_time(url, _signed_texts(url, 0, WARM_UP)))
    batch = _signed_texts(url, WARM_UP, count)
    before = _cpu_seconds(master)
    steady = asyncio.run(_open_loop(url, batch))
    cpu_ms = (_cpu_seconds(master) - before) * 1000 / count
    return serial, Run(steady.latencies_ms, steady.statuses, steady.achieved, cpu_ms)


@dataclass(frozen=True)
class WalCounters:
    """PostgreSQL's WAL and checkpoint counters at one moment."""

    wal_bytes: int
    flushes: int
    checkpoints: int
    checkpoint_writing: bool


def _wal_counters() -> WalCounters | None:
    """None where these views differ (PostgreSQL 17 moved the checkpoint counters to
    pg_stat_checkpointer, 18 the WAL flushes to pg_stat_io): the line is left out."""
    try:
        return _read_wal_counters()
    except SQLAlchemyError:
        return None


def _read_wal_counters() -> WalCounters:
    with transaction() as db:
        wal_bytes, flushes = db.execute(text("SELECT wal_bytes, wal_sync FROM pg_stat_wal")).one()
        checkpoints = db.scalar(text("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"))
        writing = db.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'checkpointer' "
                                 "AND wait_event IN ('CheckpointWriteDelay', 'DataFileSync', 'DataFileWrite')"))
    return WalCounters(int(wal_bytes), int(flushes), int(checkpoints), bool(writing))


def _wal_line(before: WalCounters, after: WalCounters, count: int) -> str:
    writing = "yes" if before.checkpoint_writing or after.checkpoint_writing or after.checkpoints > before.checkpoints else "no"
    return (f" PostgreSQL under the load: {(after.wal_bytes - before.wal_bytes) / count / 1024:.1f} kB of WAL and "
            f"{(after.flushes - before.flushes) / count:.2f} WAL flushes per request; checkpoint writing during the run: {writing}")


def _booted(log: str) -> int:
    return len(re.findall(r"Booting worker with pid", log))


def _bare_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "tests.benchmarks.bare_flask:app",
                                 "--bind", f"127.0.0.1:{port}", *GUNICORN],
                                cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


def test_webhook_latency_at_a_steady_rate(heard_env, tmp_path: Path):
    count = RATE * SECONDS
    load_before = os.getloadavg()

    port = free_port()
    bare = _bare_server(port, tmp_path / "bare.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/")
        url = f"http://127.0.0.1:{port}/hook"
        bare_serial, baseline = _measure(url, count, bare.pid)
    finally:
        os.killpg(bare.pid, signal.SIGTERM)
        bare.wait(20)

    port = free_port()
    env = base_env(DATABASE_URL=heard_env.database_url, REDIS_URL=heard_env.redis_url, PORT=str(port),
                   TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", SECRET_KEY="bench",
                   HEARD_VAR_DIR=str(tmp_path / "var"), COUNCIL_POLICY="huntingdonshire", WEB_CONCURRENCY="2")
    web = Process(["web"], env, tmp_path / "web.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}/webhooks/twilio/sms"
        postgres = heard_env.name == "services"
        wal_before = _wal_counters() if postgres else None
        heard_serial, heard = _measure(url, count, web.popen.pid)  # `heard web` execs gunicorn in place
        wal_after = _wal_counters() if postgres else None
    finally:
        web.kill(signal.SIGTERM)
    load_after = os.getloadavg()

    for run in (bare_serial, baseline, heard_serial, heard):
        assert set(run.statuses) == {200}, web.output()[-2000:]
    with transaction() as db:
        assert db.scalar(select(func.count()).select_from(Contact)) == WARM_UP + count  # every text stored once
    booted = (_booted((tmp_path / "bare.log").read_text()), _booted(web.output()))
    assert booted == (2, 2), f"gunicorn workers booted: bare {booted[0]}, heard {booted[1]}; start-up was paid during the run"
    print(f"\n[{heard_env.name}] webhook latency, gunicorn 2 workers x 4 threads, {os.cpu_count()} cores, "
          f"load generator on the same machine")
    print(f" load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; workers booted once each")
    print(f" {WARM_UP} requests one at a time (service time, no queueing):")
    print(bare_serial.line("baseline: bare Flask endpoint"))
    print(heard_serial.line("heard: signed Twilio SMS webhook"))
    print(f" open loop at {RATE} requests/s for {SECONDS} s ({count} requests):")
    print(baseline.line("baseline: bare Flask endpoint"))
    print(heard.line("heard: signed Twilio SMS webhook"))
    if wal_before and wal_after:
        print(_wal_line(wal_before, wal_after, WARM_UP + count))
