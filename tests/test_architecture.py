"""The project's shape: processes, queues and import directions that others rely on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from heard.config import PROJECT_ROOT
from heard.queue import QUEUES

PACKAGES = ("intake", "triage", "notify", "web", "models", "reports")
# Who may import whom (DESIGN.md): web and intake use the rest; triage, notify and reports
# use models; models uses none of them.
ALLOWED = {
    "web": {"intake", "triage", "notify", "models", "reports"},
    "intake": {"triage", "notify", "models"},
    "triage": {"models"},
    "notify": {"models"},
    "reports": {"models"},
    "models": set(),
}


def procfile() -> dict[str, str]:
    lines = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_procfile_runs_every_process_heard_has():
    processes = {name: command.strip() for name, command in procfile().items()}
    assert processes["web"] == "heard web"
    assert processes["worker"] == "heard worker"
    assert processes["scheduler"] == "heard scheduler"
    assert processes["smtp"] == "heard smtp"
    assert processes["imap"] == "heard imap"


def test_the_worker_listens_to_every_queue_jobs_are_sent_to():
    source = (PROJECT_ROOT / "heard" / "queue.py").read_text()
    tree = ast.parse(source)
    used = {node.args[0].id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_enqueue" and isinstance(node.args[0], ast.Name)}
    names = {"TRIAGE": "triage", "NOTIFY": "notify"}
    assert {names[u] for u in used} <= set(QUEUES)
    cli = (PROJECT_ROOT / "heard" / "cli.py").read_text()
    assert "Worker(list(QUEUES)" in cli


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str):
    forbidden = set(PACKAGES) - ALLOWED[package] - {package}
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(_imports(path) & forbidden)
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if _imports(path) & forbidden
    }
    assert offenders == {}


def test_triage_is_pure():
    """No database, no queue: text and metadata in, a result out."""
    for path in (PROJECT_ROOT / "triage").rglob("*.py"):
        assert not _imports(path) & {"sqlalchemy", "redis", "rq", "models", "heard"}, path


def test_heard_config_is_a_leaf():
    imports = _imports(PROJECT_ROOT / "heard" / "config.py")
    assert not imports & (set(PACKAGES) | {"heard"})


def test_env_example_lists_every_variable_heard_reads():
    import re

    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M))
    read = set()
    for package in (*PACKAGES, "heard"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            read |= set(re.findall(r"os\.environ(?:\.get)?[\[(]\s*\"([A-Z][A-Z0-9_]+)\"", path.read_text()))
    assert read - documented == set()


def test_the_webhook_urls_providers_are_given_still_exist():
    """These URLs are configured in providers' consoles: removing one breaks intake silently."""
    from web import create_app

    routes = {(rule.rule, method) for rule in create_app().url_map.iter_rules() for method in rule.methods or ()}
    for url in ("/webhooks/voice/transcript", "/webhooks/twilio/sms", "/webhooks/twilio/voice",
                "/webhooks/twilio/voice/answer", "/webhooks/twilio/voice/status"):
        assert (url, "POST") in routes
    for url in ("/webhooks/meta", "/webhooks/x"):  # GET is the platform's check that the URL is ours
        assert (url, "GET") in routes and (url, "POST") in routes
    assert ("/openapi.json", "GET") in routes and ("/healthz", "GET") in routes and ("/feedback", "POST") in routes


def test_models_and_triage_name_the_same_labels():
    """The label contract is written twice because models may not import triage; this keeps
    the two copies the same."""
    from models import policy
    from triage import labels

    assert policy.SERVICE_AREAS == labels.SERVICE_AREAS
    assert policy.EXCLUSIONS == labels.EXCLUSIONS
