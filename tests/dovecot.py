"""A real IMAP server for the tests: Debian's dovecot, configured in a temporary folder."""

from __future__ import annotations

import shutil
import tempfile
import socket
import subprocess
import time
from pathlib import Path

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
default_internal_user = dovecot
default_login_user = dovenull
"""


class Dovecot:
    def __init__(self, port: int) -> None:
        # Its own folder, readable by the dovecot user (pytest's tmp_path is root-only).
        root = Path(tempfile.mkdtemp(prefix="heard-dovecot-"))
        root.chmod(0o755)
        self.root, self.port = root, port
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        if not Path(binary).exists():
            raise RuntimeError("dovecot is not installed: `make test` installs it with scripts/system-packages")
        self.binary = binary
        for name in ("run", "state", "mail", "home"):
            (root / name).mkdir(parents=True, exist_ok=True)
        shutil.chown(root / "mail", "dovecot", "dovecot")
        shutil.chown(root / "home", "dovecot", "dovecot")
        (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start dovecot and wait for its own greeting (not merely an open port, which some
        other process could hold)."""
        self.process = subprocess.Popen([self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    if b"Dovecot" in connection.recv(200):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"dovecot did not start: {(self.root / 'dovecot.log').read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
