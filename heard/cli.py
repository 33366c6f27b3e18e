"""The `heard` command: every process and every administrative task."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from heard.config import PROJECT_ROOT, WEB_THREADS, embedded_redis_socket, settings, var_dir


def _setup_logging() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("alembic", "mail.log"):  # per-connection and per-plugin lines drown the rest
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, for processes that wait until told to stop."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


@click.group()
def main() -> None:
    """Heard: intake and triage for UK councils."""
    _setup_logging()


# --- processes --------------------------------------------------------------------------


@main.command()
@click.option("--workers", default=lambda: int(os.environ.get("WEB_CONCURRENCY", "2")), show_default="WEB_CONCURRENCY or 2")
def web(workers: int) -> None:
    """Serve the web app with gunicorn on PORT (default 5000)."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    os.execvp(sys.executable, [
        sys.executable, "-m", "gunicorn", "web.wsgi:app",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(WEB_THREADS),
        "--worker-class", "gthread", "--access-logfile", "-", "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ])


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty (for scripts and tests).")
def worker(burst: bool) -> None:
    """Run an RQ worker on every Heard queue."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Worker

    from heard.queue import QUEUES, redis

    # Load everything a job needs once, before the worker forks a work horse per job:
    # the spaCy pipeline is then shared by every horse instead of loaded per job.
    import heard.jobs  # noqa: F401
    from triage.pipeline import load_model

    load_model()

    log = logging.getLogger("heard.worker")
    delay = 1.0
    while True:
        try:
            Worker(list(QUEUES), connection=redis()).work(burst=burst)
            return
        except RedisConnectionError as exc:
            # Redis restarting must not end the process: honcho would stop every other
            # process with it, and intake keeps accepting contacts meanwhile.
            log.warning("Redis unreachable (%s); retrying in %.0f s", exc.__class__.__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


@main.command()
@click.option("--once", is_flag=True, help="Reconcile once and exit.")
def scheduler(once: bool) -> None:
    """Re-queue whatever the database says is waiting and no job is doing, every
    RECONCILE_INTERVAL_SECONDS; queue a deadline chase every CHASE_INTERVAL_SECONDS and the
    retention run once a day."""
    from heard.queue import enqueue_chase, enqueue_retention
    from heard.reconcile import reconcile
    from models.policy import UK

    log = logging.getLogger("heard.scheduler")
    stop = _stop_on_signals()
    interval = settings().reconcile_interval_seconds
    next_chase, retained_on = 0.0, None
    while True:
        try:
            result = reconcile()
            if once:
                click.echo(json.dumps(result.__dict__))
        except Exception as exc:  # a database or Redis outage must not stop the loop
            log.warning("reconcile failed: %s", exc.__class__.__name__)
        today = datetime.now(UK).date()
        if time.monotonic() >= next_chase and enqueue_chase(today):
            next_chase = time.monotonic() + settings().chase_interval_seconds
        if retained_on != today and enqueue_retention(today):
            retained_on = today
        if once or stop.wait(interval):
            return


@main.command()
def smtp() -> None:
    """Receive email over SMTP on SMTP_LISTEN (default 127.0.0.1:2525) for SMTP_DOMAINS."""
    from email.utils import parseaddr

    from heard.jobs import current_policy
    from intake.smtp_server import IntakeHandler, serve, tls_context

    policy = current_policy()
    host, _, port = os.environ.get("SMTP_LISTEN", "127.0.0.1:2525").rpartition(":")
    council_address = parseaddr(settings().mail_from or policy.council.email)[1].lower()
    domains = tuple(d.strip() for d in os.environ.get("SMTP_DOMAINS", council_address.rpartition("@")[2]).split(",") if d.strip())
    certificate, key = os.environ.get("SMTP_TLS_CERT"), os.environ.get("SMTP_TLS_KEY")
    user, password = os.environ.get("SMTP_AUTH_USER"), os.environ.get("SMTP_AUTH_PASSWORD")
    controller = serve(
        IntakeHandler(policy, domains, own_addresses=(council_address,)),
        host or "127.0.0.1", int(port),
        max_bytes=int(os.environ.get("SMTP_MAX_BYTES", str(25 * 1024 * 1024))),
        tls=tls_context(certificate, key) if certificate and key else None,
        auth=(user, password) if user and password else None,
    )
    click.echo(f"heard smtp: listening on {host or '127.0.0.1'}:{port} for {', '.join(domains)}")
    stop = _stop_on_signals()
    stop.wait()
    controller.stop()


@main.command()
def imap() -> None:
    """Fetch mail from the IMAP mailbox in IMAP_URL; idle quietly when none is configured."""
    from heard.jobs import current_policy
    from intake.imap_poller import parse_imap_url, run as run_poller

    stop = _stop_on_signals()
    url = os.environ.get("IMAP_URL")
    if not url:
        # Not an error: many councils deliver by SMTP only. Exiting would make honcho
        # stop every other process, so this one waits.
        click.echo("heard imap: IMAP_URL is not set; no mailbox to poll")
        stop.wait()
        return
    mailbox = parse_imap_url(url, os.environ.get("IMAP_PROCESSED_FOLDER", "Heard/Processed"),
                             int(os.environ.get("IMAP_MAX_BYTES", str(25 * 1024 * 1024))))
    click.echo(f"heard imap: polling {mailbox.folder} of {mailbox.username} at {mailbox.host}:{mailbox.port}")
    run_poller(mailbox, current_policy(), stop)


@main.command("outbox-sink")
def outbox_sink() -> None:
    """Run the development SMTP sink that writes every message to var/outbox/."""
    from heard.outbox_sink import serve

    directory = Path(os.environ.get("OUTBOX_DIR", var_dir() / "outbox"))
    port = int(os.environ.get("OUTBOX_PORT", "2526"))
    controller = serve(directory, "127.0.0.1", port)
    stop = _stop_on_signals()
    stop.wait()
    controller.stop()


@main.command("sms-sink")
def sms_sink() -> None:
    """Run the development text outbox: Twilio's Messages API, kept as files in var/sms-outbox/."""
    from heard.sms_sink import SmsSink

    sink = SmsSink(Path(os.environ.get("SMS_OUTBOX_DIR", var_dir() / "sms-outbox")), int(os.environ.get("SMS_SINK_PORT", "2527")))
    stop = _stop_on_signals()
    sink.start()
    stop.wait()
    sink.stop()


@main.command()
def run() -> None:
    """Migrate, start the embedded Redis and outbox when not configured, and every
    Procfile process together (honcho)."""
    from heard import embedded

    config = settings()
    _upgrade(config.database_url)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # so the Procfile finds `heard`
    children = []
    try:
        if config.redis_embedded:
            children.append(embedded.start_redis(embedded_redis_socket()))
            env["REDIS_URL"] = config.redis_url
        outbox = var_dir() / "outbox"
        if config.outbox_embedded:
            port = int(os.environ.get("OUTBOX_PORT", "2526"))
            children.append(embedded.start_outbox_sink(outbox, port))
            env["SMTP_URL"] = config.smtp_url
        if not os.environ.get("TWILIO_ACCOUNT_SID"):
            sms_port = int(os.environ.get("SMS_SINK_PORT", "2527"))
            children.append(embedded.start_process(["sms-sink"], sms_port, {"SMS_SINK_PORT": str(sms_port)}))
            env.update(TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="development-token",
                       TWILIO_FROM="+441632960000", TWILIO_API_BASE=f"http://127.0.0.1:{sms_port}")
        port = os.environ.get("PORT", "5000")
        click.echo("\nHeard is starting:")
        click.echo(f"  feedback form   http://127.0.0.1:{port}/feedback")
        click.echo(f"  health          http://127.0.0.1:{port}/healthz")
        click.echo(f"  email intake    smtp://{os.environ.get('SMTP_LISTEN', '127.0.0.1:2525')}")
        click.echo(f"  database        {config.database_url}")
        click.echo(f"  redis           {config.redis_url}{' (bundled)' if config.redis_embedded else ''}")
        if config.outbox_embedded:
            click.echo(f"  email outbox    {outbox}/ (every email Heard sends lands here)")
        if env.get("TWILIO_API_BASE", "").startswith("http://127.0.0.1"):
            click.echo(f"  text outbox     {var_dir() / 'sms-outbox'}/ (every text Heard sends lands here)")
        click.echo("  cases           .venv/bin/heard cases list --json\n")
        honcho = subprocess.Popen([sys.executable, "-m", "honcho", "start", "-f", str(PROJECT_ROOT / "Procfile"),
                                   "-d", str(PROJECT_ROOT)], env=env)
        try:
            honcho.wait()
        except KeyboardInterrupt:
            honcho.send_signal(signal.SIGINT)
            honcho.wait()
    finally:
        for child in reversed(children):
            embedded.stop(child)


# --- database ---------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


def _upgrade(url: str) -> None:
    from models.migrate import upgrade

    upgrade(url)


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration."""
    _upgrade(settings().database_url)
    click.echo("database is up to date")


@main.command()
def reconcile() -> None:
    """Queue once whatever is waiting (the scheduler does this continually)."""
    from heard.reconcile import reconcile as run_reconcile

    click.echo(json.dumps(run_reconcile().__dict__))


# --- triage ----------------------------------------------------------------------------


@main.group("triage")
def triage_group() -> None:
    """The triage classifier: train, evaluate, classify."""


@triage_group.command("train")
@click.option("--with-corrections", is_flag=True, help="Also learn from officers' corrections in the database.")
@click.option("--output", type=click.Path(path_type=Path), default=None, help="Where to write the pipeline (default: where Heard loads it).")
def triage_train(with_corrections: bool, output: Path | None) -> None:
    """Train the pipeline from triage/data/, reproducibly, and write it with its data digest."""
    from triage.pipeline import model_path
    from triage.train import train_and_save

    extra = _officer_corrections() if with_corrections else []
    meta = train_and_save(output or model_path(), extra)
    click.echo(f"trained on {meta['split_sizes']['train']} + {meta['split_sizes']['dev']} contacts"
               f" ({meta['corrections']} officer corrections), data {meta['data_digest'][:12]}, written to {output or model_path()}")


def _officer_corrections() -> list[Any]:
    """Contacts whose latest decision an officer made, as extra training examples."""
    from sqlalchemy import select

    from models import Contact, TriageDecision
    from models.db import transaction
    from triage.dataset import Example

    latest: dict[int, Any] = {}
    with transaction() as db:
        rows = db.execute(
            select(TriageDecision, Contact).join(Contact, TriageDecision.contact_id == Contact.id).order_by(TriageDecision.id)
        ).all()
        for decision, contact in rows:
            latest[contact.id] = (decision, contact)
    return [
        Example(id=f"correction-{contact.id}", channel=contact.channel, received_at=contact.received_at,
                subject=contact.subject, text=contact.text, category=decision.category, exclusion=decision.exclusion,
                service_area=decision.service_area, urgent=any(f.get("name") == "urgent" for f in decision.flags))
        for decision, contact in latest.values() if decision.decided_by.startswith("officer:")
    ]


@triage_group.command("eval")
@click.option("--split", type=click.Choice(["test", "dev"]), default="test", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def triage_eval(split: str, as_json: bool) -> None:
    """Per-label precision, recall and F1, macro-F1 and a confusion matrix, beside two baselines."""
    from triage.evaluate import evaluate, format_report

    report = evaluate(split)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@triage_group.command("classify")
@click.option("--batch-size", default=256, show_default=True)
def triage_classify(batch_size: int) -> None:
    """Read contacts as JSON Lines on standard input; write one label object per line."""
    from triage.cli_io import classify_stream

    classify_stream(sys.stdin, sys.stdout, batch_size)


# --- policy profiles -------------------------------------------------------------------


@main.group("policy")
def policy_group() -> None:
    """Council policy profiles."""


@policy_group.command("check")
@click.argument("profile")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def policy_check(profile: str, as_json: bool) -> None:
    """Report where PROFILE (a shipped name or a .toml path) departs from the Complaint
    Handling Code. It reports and never refuses: the exit status is 0 whatever it finds."""
    from models.policy import PolicyError, load_policy
    from models.policy_check import CODE_PROFILE, check, report_json, report_text

    try:
        policy, code = load_policy(profile), load_policy(CODE_PROFILE)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    findings = check(policy, code)
    if as_json:
        click.echo(json.dumps(report_json(policy, code, findings), indent=2, ensure_ascii=False))
    else:
        click.echo(report_text(policy, code, findings))


# --- reports ---------------------------------------------------------------------------


@main.group("reports")
def reports_group() -> None:
    """The figures, themes and self-assessment the councils' reports need."""


@reports_group.command("show")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (included), YYYY-MM-DD.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write every table as NAME.csv in this folder.")
def reports_show(first: datetime, last: datetime, csv_dir: Path | None) -> None:
    """Print every table of the report for the days FROM to TO (UK dates, both included)."""
    from models.db import session
    from models.policy import PolicyError, load_policy
    from reports import csvout, report
    from reports.period import PeriodError, custom

    try:
        policy, period = load_policy(settings().council_policy), custom(first.date(), last.date())
    except (PolicyError, PeriodError) as exc:
        raise click.ClickException(str(exc)) from exc
    with session() as db:
        tables = report.every_table(db, policy, period)
    click.echo(f"{policy.council.name}: {period.label}")
    for table in tables:
        click.echo(f"\n{table.title}\n" + "\n".join(" | ".join("" if v is None else str(v) for v in row)
                                                    for row in [table.columns, *table.rows]))
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for table in tables:
            (csv_dir / f"{table.name}.csv").write_text(csvout.to_csv(table), encoding="utf-8", newline="")
        click.echo(f"\n{len(tables)} CSV files written to {csv_dir}")


# --- retention -------------------------------------------------------------------------


@main.group("retention")
def retention_group() -> None:
    """Personal data removed from cases closed longer ago than the policy keeps them."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised; change nothing.")
def retention_run(dry_run: bool) -> None:
    """Anonymise every case closed more than the profile's retention_years ago, and print
    the rows changed (or, with --dry-run, that would be) as JSON."""
    from models.base import utcnow
    from models.db import session
    from models.policy import PolicyError, load_policy
    from models.retention import anonymise_expired, retention_cutoff

    try:
        policy = load_policy(settings().council_policy)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    now = utcnow()
    with session() as db:
        result = anonymise_expired(db, policy, now, dry_run=dry_run)
    click.echo(json.dumps({**result.as_dict(), "dry_run": dry_run, "retention_years": policy.retention_years,
                           "closed_before": retention_cutoff(policy, now).isoformat()}))


# --- listings for scripts and checks ----------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _print(rows: list[dict[str, Any]], as_json: bool, columns: list[str]) -> None:
    if as_json:
        click.echo(json.dumps([{k: _jsonable(v) for k, v in row.items()} for row in rows], indent=2, ensure_ascii=False))
        return
    click.echo("  ".join(columns))
    for row in rows:
        click.echo("  ".join(str(_jsonable(row[c])) for c in columns))


@main.group()
def cases() -> None:
    """Cases opened from contacts."""


CASE_FIELDS = ("reference", "kind", "exclusion", "stage", "state", "service_area", "team", "urgent", "received_at",
               "acknowledgement_due", "acknowledged_at", "response_due", "contact_id", "policy")
CONTACT_FIELDS = ("id", "reference", "channel", "state", "received_at", "anonymous", "subject", "noise", "case_id",
                  "triage_attempts")


def _newest(model: Any, fields: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from models.db import transaction

    with transaction() as session:
        return [{name: getattr(row, name) for name in fields}
                for row in session.scalars(select(model).order_by(model.id.desc()).limit(limit))]


@cases.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--limit", default=1000, show_default=True)
def cases_list(as_json: bool, limit: int) -> None:
    """Cases, newest first."""
    from models import Case

    _print(_newest(Case, CASE_FIELDS, limit), as_json, ["reference", "kind", "state", "service_area", "acknowledgement_due", "response_due"])


@cases.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def cases_show(reference: str, as_json: bool) -> None:
    """One case: its dates, its history, and every contact on it (replies included)."""
    from sqlalchemy import or_, select

    from models import Case, Contact
    from models.db import transaction

    with transaction() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        if case is None:
            raise click.ClickException(f"no case {reference}")
        found = {
            "reference": case.reference, "kind": case.kind, "exclusion": case.exclusion, "stage": case.stage_key,
            "state": case.state, "service_area": case.service_area, "team": case.team, "urgent": case.urgent,
            "other_service_areas": case.other_service_areas, "assigned_to": case.assigned_to, "outcome": case.outcome,
            "acknowledgement_due": case.acknowledgement_due, "response_due": case.response_due,
            "extensions": case.extensions, "waiting_on": case.deadline_kind, "due": case.deadline_due,
            "needs_review": case.needs_review, "adjustments": case.adjustments,
            "representative": (case.representative or {}).get("relationship"),
            "contact_restricted": bool(case.contact_restriction),
            "events": [{"at": e.at, "kind": e.kind, "actor": e.actor, "detail": e.detail} for e in case.events],
            "contacts": [
                {"id": c.id, "channel": c.channel, "state": c.state, "received_at": c.received_at, "subject": c.subject,
                 "from": c.sender_email or c.sender_phone or c.sender_handle, "text": c.text}
                for c in session.scalars(select(Contact).where(or_(Contact.id == case.contact_id, Contact.case_id == case.id))
                                         .order_by(Contact.id))
            ],
        }
    if as_json:
        click.echo(json.dumps(found, default=_jsonable, indent=2, ensure_ascii=False))
        return
    click.echo(f"{found['reference']}  {found['kind']}  {found['stage'] or ''}  {found['state']}  {found['team']}")
    click.echo(f"acknowledge by {_jsonable(found['acknowledgement_due'])}, respond by {_jsonable(found['response_due'])}"
               + (f"; waiting on: {found['waiting_on']} by {_jsonable(found['due'])}" if found["waiting_on"] else "")
               + (f"; assigned to {found['assigned_to']}" if found["assigned_to"] else ""))
    for adjustment in found["adjustments"] or []:
        click.echo(f"  adjustment: {adjustment}")
    for event in found["events"]:
        click.echo(f"  {_jsonable(event['at'])}  {event['kind']:24} {event['actor']}")
    for contact in found["contacts"]:
        click.echo(f"\n--- {contact['channel']} {contact['state']} {_jsonable(contact['received_at'])} from {contact['from']}")
        click.echo(contact["text"][:2000])


def _step(reference: str, step: Any) -> None:
    """Run one lifecycle step and print where the case now stands."""
    from dataclasses import asdict

    from heard.casework import act
    from models.lifecycle import LifecycleError

    try:
        done = act(reference, step)
    except LifecycleError as refused:
        raise click.ClickException(str(refused)) from refused
    click.echo(json.dumps(asdict(done)))


def _moment(value: str | None) -> datetime:
    """An ISO date or date-time in the council's time zone; none means now."""
    from models.policy import UK

    if not value:
        return datetime.now(UK)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UK)


BY = click.option("--by", "by", required=True, help="Who is doing this (recorded against the case).")


@cases.command("acknowledge")
@click.argument("reference")
@click.option("--channel", default="recorded by staff", show_default=True, help="How the person was told.")
@BY
def cases_acknowledge(reference: str, channel: str, by: str) -> None:
    """Record that the person has been told (when Heard did not tell them itself)."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.acknowledge(
        db, case, policy, at=_moment(None), actor=lifecycle.Actor(by), channel=channel))


@cases.command("assign")
@click.argument("reference")
@click.option("--to", "to", required=True, help="The officer who will investigate this stage.")
@BY
def cases_assign(reference: str, to: str, by: str) -> None:
    """Give the case to an officer; at stage 2, never the person who answered stage 1."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.assign(db, case, policy, to=to, actor=lifecycle.Actor(by)))


@cases.command("extend")
@click.argument("reference")
@click.option("--to", "new_due", required=True, type=click.DateTime(["%Y-%m-%d"]), help="The new response date.")
@click.option("--reason", required=True, help="Why; the complainant is told it.")
@click.option("--agreed/--not-agreed", default=False, help="The complainant agreed (where the policy requires it).")
@BY
def cases_extend(reference: str, new_due: datetime, reason: str, agreed: bool, by: str) -> None:
    """Move the response date, within the stage's extension rules, and tell the complainant."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.extend(
        db, case, contact, policy, new_due=new_due.date(), reason=reason, complainant_agreed=agreed,
        actor=lifecycle.Actor(by)))


@cases.command("respond")
@click.argument("reference")
@click.option("--outcome", required=True, type=click.Choice(["upheld", "partially_upheld", "not_upheld", "not_investigated"]))
@click.option("--reasons", required=True, help="The reasons for the outcome, sent to the complainant.")
@click.option("--actions", default="", help="Actions and service improvements promised.")
@click.option("--responder", default=None, help="Who answers this stage (default: --by).")
@click.option("--letter", "letter_file", type=click.File("r", encoding="utf-8"), default=None,
              help="A file (or - for standard input) with the written response: the letter's body.")
@BY
def cases_respond(reference: str, outcome: str, reasons: str, actions: str, responder: str | None,
                  letter_file: Any, by: str) -> None:
    """Record the stage's response and send it to the complainant."""
    from models import lifecycle

    letter = letter_file.read() if letter_file is not None else ""
    _step(reference, lambda db, case, contact, policy: lifecycle.respond(
        db, case, contact, policy, outcome=outcome, reasons=reasons, actions=actions, responder=responder or by,
        at=_moment(None), actor=lifecycle.Actor(by), letter=letter))


@cases.command("escalate")
@click.argument("reference")
@click.option("--requested-at", default=None, help="When the complainant asked (ISO; default now).")
@BY
def cases_escalate(reference: str, requested_at: str | None, by: str) -> None:
    """Move a complaint to its next stage on the complainant's request, with a fresh clock."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.escalate(
        db, case, contact, policy, requested_at=_moment(requested_at), actor=lifecycle.Actor(by)))


@cases.command("close")
@click.argument("reference")
@click.option("--note", default="")
@BY
def cases_close(reference: str, note: str, by: str) -> None:
    """Close a case (a complaint once its stage has been answered)."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.close(db, case, at=_moment(None), actor=lifecycle.Actor(by), note=note))


@cases.command("withdraw")
@click.argument("reference")
@click.option("--reason", default="")
@BY
def cases_withdraw(reference: str, reason: str, by: str) -> None:
    """Record that the complainant withdrew their complaint."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.withdraw(db, case, at=_moment(None), actor=lifecycle.Actor(by), reason=reason))


@cases.command("complain")
@click.argument("reference")
@click.option("--contact", "contact_id", required=True, type=int, help="The reply or call that expressed dissatisfaction.")
@click.option("--expressed-at", default=None, help="When it was expressed (ISO; default that contact's receipt).")
@BY
def cases_complain(reference: str, contact_id: int, expressed_at: str | None, by: str) -> None:
    """Open a complaint about a service request; its clock starts when dissatisfaction was expressed."""
    from models import Contact, lifecycle

    def step(db, case, _contact, policy):  # type: ignore[no-untyped-def]
        said = db.get(Contact, contact_id)
        if said is None:
            raise lifecycle.LifecycleError(f"no contact {contact_id}")
        moment = _moment(expressed_at) if expressed_at else said.received_at
        return lifecycle.raise_complaint(db, case, said, policy, expressed_at=moment, actor=lifecycle.Actor(by))

    _step(reference, step)


@cases.command("ombudsman")
@click.argument("reference")
@click.option("--enquiry", "enquiry", default=None, help="The Ombudsman's reference, when an enquiry arrives.")
@click.option("--decision", type=click.Choice(["upheld", "not_upheld", "not_investigated", "premature", "withdrawn"]))
@click.option("--remedy", default="")
@BY
def cases_ombudsman(reference: str, enquiry: str | None, decision: str | None, remedy: str, by: str) -> None:
    """Record an Ombudsman enquiry about the case, or its decision."""
    from models import lifecycle

    def step(db, case, _contact, _policy):  # type: ignore[no-untyped-def]
        if enquiry:
            lifecycle.ombudsman_enquiry(db, case, reference=enquiry, received_at=_moment(None), actor=lifecycle.Actor(by))
        if decision:
            lifecycle.ombudsman_decision(db, case, outcome=decision, remedy=remedy, actor=lifecycle.Actor(by))
        if not (enquiry or decision):
            raise lifecycle.LifecycleError("give --enquiry REFERENCE or --decision OUTCOME")

    _step(reference, step)


@cases.command("note")
@click.argument("reference")
@click.argument("text")
@BY
def cases_note(reference: str, text: str, by: str) -> None:
    """Add an internal note to the case history."""
    from models import lifecycle

    _step(reference, lambda db, case, contact, policy: lifecycle.note(db, case, text=text, actor=lifecycle.Actor(by)))


@main.command()
@click.option("--day", default=None, type=click.DateTime(["%Y-%m-%d"]), help="The council's date to chase for (default today).")
def chase(day: datetime | None) -> None:
    """Run one deadline chase now (the scheduler queues one every CHASE_INTERVAL_SECONDS)."""
    from heard.jobs import chase_deadlines
    from models.policy import UK

    click.echo(json.dumps(chase_deadlines((day.date() if day else datetime.now(UK).date()).isoformat())))


@main.group()
def contacts() -> None:
    """Contacts as received."""


@contacts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--limit", default=1000, show_default=True)
def contacts_list(as_json: bool, limit: int) -> None:
    """Contacts as received, newest first."""
    from models import Contact

    _print(_newest(Contact, CONTACT_FIELDS, limit), as_json, ["id", "reference", "channel", "state", "received_at"])


# --- staff accounts --------------------------------------------------------------------


@main.group()
def users() -> None:
    """Staff accounts for the web UI: roles, service areas, passwords."""


def _new_password(from_stdin: bool) -> str:
    """From standard input for scripts (one line), otherwise a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _staff_change(email: str, change: Any) -> None:
    """Apply `change(db, user)` to one account, or fail with a clear message."""
    from models.db import transaction
    from models.staff import StaffError, find

    try:
        with transaction() as db:
            user = find(db, email)
            if user is None:
                raise click.ClickException(f"no staff account for {email.strip().lower()}")
            change(db, user)
    except StaffError as exc:
        raise click.ClickException(str(exc))


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name, shown in case histories.")
@click.option("--role", "roles", required=True, multiple=True, metavar="ROLE",
              help="triage_officer, service_team, complaints_manager or administrator (repeat for more than one).")
@click.option("--area", "areas", multiple=True, metavar="AREA", help="A service area a service_team member works on (repeat).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input, for scripts.")
def users_create(email: str, name: str, roles: tuple[str, ...], areas: tuple[str, ...], password_stdin: bool) -> None:
    """Create a staff account (the password is asked for, never given on the command line)."""
    from models import staff
    from models.db import transaction

    try:
        staff.check_roles(list(roles), list(areas))  # before asking for a password
        password = _new_password(password_stdin)
        with transaction() as db:
            user = staff.create(db, email, name, password, list(roles), list(areas))
            click.echo(f"created {user.email}: {', '.join(user.roles)}" + (f" ({', '.join(user.service_areas)})" if user.service_areas else ""))
    except staff.StaffError as exc:
        raise click.ClickException(str(exc))


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def users_list(as_json: bool) -> None:
    """Every staff account, by email address (never the password hashes)."""
    from sqlalchemy import select

    from models.db import transaction
    from models.staff import StaffUser

    fields = ("email", "name", "roles", "service_areas", "active", "locked_until", "last_sign_in_at", "created_at")
    with transaction() as db:
        rows = [{name: getattr(user, name) for name in fields} for user in db.scalars(select(StaffUser).order_by(StaffUser.email))]
    if not as_json:
        rows = [{**row, "roles": ",".join(row["roles"]), "service_areas": ",".join(row["service_areas"]) or "-"} for row in rows]
    _print(rows, as_json, ["email", "name", "roles", "service_areas", "active", "last_sign_in_at"])


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input, for scripts.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set a new password; signs the account out everywhere and lifts any lockout."""
    from models import staff

    password = _new_password(password_stdin)
    _staff_change(email, lambda db, user: staff.set_password(db, user, password))
    click.echo(f"password changed for {email.strip().lower()}")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop an account signing in, at once (its history stays, attributed to it)."""
    from models import staff

    _staff_change(email, staff.deactivate)
    click.echo(f"deactivated {email.strip().lower()}")


if __name__ == "__main__":
    main()
