"""Configuration from the environment (12-factor), read once per process.

Every variable is listed with its meaning in `.env.example`. Nothing here imports the rest
of Heard, so any package may use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEB_THREADS = 4  # request threads per `heard web` worker; each holds one database connection


def var_dir() -> Path:
    """Where the embedded defaults keep their files (SQLite, Redis socket, email outbox)."""
    path = Path(os.environ.get("HEARD_VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def embedded_redis_socket() -> Path:
    return var_dir() / "redis" / "redis.sock"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    redis_embedded: bool
    smtp_url: str
    outbox_embedded: bool
    council_policy: str
    secret_key: str
    public_base_url: str | None  # as the public and providers see it; None: the request's own
    mail_from: str
    max_form_bytes: int
    reconcile_interval_seconds: float
    chase_interval_seconds: float


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Development default: a random key kept under var/ so sessions survive restarts
    # and every process shares it. Production must set SECRET_KEY.
    path = var_dir() / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache(maxsize=1)
def settings() -> Settings:
    redis_url = os.environ.get("REDIS_URL", "")
    smtp_url = os.environ.get("SMTP_URL", "")
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'heard.sqlite3'}",
        redis_url=redis_url or f"unix://{embedded_redis_socket()}",
        redis_embedded=not redis_url,
        smtp_url=smtp_url or f"smtp://127.0.0.1:{os.environ.get('OUTBOX_PORT', '2526')}",
        outbox_embedded=not smtp_url,
        council_policy=os.environ.get("COUNCIL_POLICY", "huntingdonshire"),
        secret_key=_secret_key(),
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
        mail_from=os.environ.get("MAIL_FROM", ""),
        max_form_bytes=int(os.environ.get("MAX_FORM_BYTES", str(256 * 1024))),
        reconcile_interval_seconds=float(os.environ.get("RECONCILE_INTERVAL_SECONDS", "15")),
        chase_interval_seconds=float(os.environ.get("CHASE_INTERVAL_SECONDS", "900")),
    )
