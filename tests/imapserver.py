"""A real IMAP server on 127.0.0.1 for the bounce mailbox's tests: Dovecot (Debian's
dovecot-imapd, which .ci/run installs), over TLS only, one user whose mail is a Maildir.

Dovecot runs in the foreground with a configuration of its own in a temporary folder, as its
own instance, so it touches nothing of a Dovecot the machine may run. Mail is delivered with
IMAP APPEND, as a delivery agent would put it in the folder.
"""

import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from tracker.demo import free_port

from .tls import loopback_certificate

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "bounces", "pass/word@odd#chars"  # no ":" (passwd-file separates by it)
NOBODY = 65534  # Dovecot will not give mail to root; the Maildir belongs to nobody

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
instance_name = tracker-test-{port}
log_path = {folder}/dovecot.log
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
auth_mechanisms = plain
first_valid_uid = 1
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={folder}/Maildir
}}
mail_location = maildir:{folder}/Maildir
"""


class ImapServer:
    def __init__(self):
        if not os.path.exists(DOVECOT):
            raise RuntimeError("Dovecot is not installed: apt-get install dovecot-imapd (.ci/run does)")
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-imap-"))
        self.folder.chmod(0o755)  # nobody reaches the Maildir through it
        self.port = free_port()
        self.cafile, _ = loopback_certificate(self.folder)
        (self.folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (self.folder / "Maildir").mkdir()
        os.chown(self.folder / "Maildir", NOBODY, NOBODY)
        (self.folder / "dovecot.conf").write_text(CONFIG.format(folder=self.folder, port=self.port,
                                                                uid=NOBODY))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The mailbox as the tracker's setting names it (the password percent-encoded)."""
        from urllib.parse import quote

        return f"imaps://{USER}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}/INBOX"

    def __enter__(self) -> "ImapServer":
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.folder / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Dovecot did not start: {self.process.stderr.read().decode()}"
                                       f"{self.log()}") from None
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _client(self) -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL("127.0.0.1", self.port,
                                   ssl_context=ssl.create_default_context(cafile=str(self.cafile)))
        client.login(USER, PASSWORD)
        client.select("INBOX")
        return client

    def deliver(self, raw: bytes) -> None:
        client = self._client()
        try:
            status, answer = client.append("INBOX", None, None, raw)
            assert status == "OK", answer
        finally:
            client.logout()

    def count(self) -> int:
        """Messages in the folder not flagged deleted."""
        client = self._client()
        try:
            _, found = client.uid("SEARCH", None, "UNDELETED")
            return len(found[0].split())
        finally:
            client.logout()
