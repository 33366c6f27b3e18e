"""Starting Heard's real processes for end-to-end tests, and stopping them for certain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

HEARD = [sys.executable, "-m", "heard.cli"]


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.popen = subprocess.Popen(HEARD + args, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)
        self.handle.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def base_env(**values: str | None) -> dict[str, str]:
    """This process's environment with Heard's variables replaced by `values` (None removes)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "REDIS_URL", "SMTP_URL", "PORT", "OUTBOX_", "TWILIO_", "SMS_", "SMTP_LISTEN", "IMAP_"))}
    env.update({"PYTHONUNBUFFERED": "1", "RECONCILE_INTERVAL_SECONDS": "1", "LOG_LEVEL": "INFO"})
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def wait_until(predicate, timeout: float = 60, interval: float = 0.2) -> Any:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def heard_json(args: list[str], env: dict[str, str]) -> Any:
    result = subprocess.run(HEARD + args, env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)
