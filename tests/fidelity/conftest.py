"""Fixtures that run `hubsync-sandbox` and point HubSpot's official Python client at it.

The sandbox binary comes from HUBSYNC_SANDBOX_BIN (run.sh sets it); when that is unset, the
debug build under $CARGO_TARGET_DIR or the repository's target/ is used.
"""

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

import hubspot
import pytest

TOKEN = "pat-na1-fidelity"
READ_ONLY_TOKEN = "pat-na1-fidelity-read-only"
COMPANIES_READ_ONLY_TOKEN = "pat-na1-fidelity-companies-read-only"
SEED_CONTACTS = 10_000
OAUTH_APP = {
    "client_id": "fidelity-app",
    "client_secret": "fidelity-secret",
    "redirect_uri": "http://localhost:47813/callback",
}

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://\S+)")
CONTROL_SECRET = re.compile(r"control secret: (\S+)")
CONTROL_SECRET_HEADER = "X-Hubsync-Sandbox-Secret"
START_TIMEOUT_SECONDS = 30


def sandbox_binary() -> Path:
    explicit = os.environ.get("HUBSYNC_SANDBOX_BIN")
    if explicit:
        path = Path(explicit)
    else:
        target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
        path = target / "debug" / "hubsync-sandbox"
    if not path.is_file():
        pytest.exit(f"no sandbox binary at {path}: build it or use tests/fidelity/run.sh", returncode=2)
    return path


def _die_with_parent():
    """Linux: let the kernel stop the sandbox if pytest itself is killed, so none is left behind."""
    pr_set_pdeathsig = 1
    # Without glibc this is skipped; the fixtures' teardown still stops the sandbox.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Sandbox:
    """One `hubsync-sandbox` process on a free port, plus its /__sandbox/ control API (which
    answers only to the secret the process printed at start)."""

    def __init__(self, *args: str, fixture: dict | None = None):
        # Temporary files that live as long as the process; closed (and deleted) by stop().
        self._files = contextlib.ExitStack()
        command = [str(sandbox_binary()), "--port", "0", *args]
        if fixture is not None:
            fixture_file = self._files.enter_context(
                tempfile.NamedTemporaryFile("w", suffix=".json", prefix="fidelity-fixture-")
            )
            json.dump(fixture, fixture_file)
            fixture_file.flush()
            command += ["--fixture", fixture_file.name]
        # The server logs to stderr; a file (not a pipe nobody reads) can never fill up and stall it.
        self._stderr = self._files.enter_context(tempfile.TemporaryFile("w+"))
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.url, self._control_secret = self._wait_for_start()

    def _wait_for_start(self) -> tuple[str, str]:
        """The address and the control secret, from the two lines the sandbox prints at start."""
        # Seeding happens before the lines are printed. readline() can't time out, so it runs on
        # a thread; a sandbox that never answers is killed, which ends that read.
        lines = []
        reader = threading.Thread(
            target=lambda: lines.extend(self.process.stdout.readline() for _ in range(2)), daemon=True
        )
        reader.start()
        reader.join(START_TIMEOUT_SECONDS)
        listening = LISTENING.search(lines[0]) if len(lines) == 2 else None
        secret = CONTROL_SECRET.search(lines[1]) if len(lines) == 2 else None
        if listening is None or secret is None:
            self.process.kill()
            self.process.wait()
            self._stderr.seek(0)
            log = self._stderr.read()
            self.stop()
            raise RuntimeError(f"sandbox did not start (stdout {lines!r}):\n{log}")
        return listening.group(1), secret.group(1)

    def stop(self):
        if self.process.poll() is None:
            # The server shuts down cleanly on Ctrl-C.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self._files.close()

    def control(self, method: str, path: str, body: dict | None = None) -> dict | None:
        """Calls the control API, e.g. control("POST", "/reset")."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/__sandbox{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header(CONTROL_SECRET_HEADER, self._control_secret)
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def reset(self):
        self.control("POST", "/reset", {})

    def requests_since(self, seq: int) -> list[dict]:
        """The API requests the sandbox served after log entry `seq`."""
        return self.control("GET", f"/requests?since={seq}")["entries"]

    def last_request_seq(self) -> int:
        return self.control("GET", "/requests?since=0")["lastSeq"]

    def client(self, token: str = TOKEN, strict: bool = True, **configuration) -> hubspot.HubSpot:
        """HubSpot's client, unmodified but for its base URL.

        The client copies every keyword it doesn't know onto each API's generated
        `Configuration`, so `host=` is its own way to choose the server (the setter also drops the
        built-in server list). `strict` turns on the models' client-side validation, which 12.x
        ships turned off: every field the client's models mark as required must then be present
        and non-null in the sandbox's replies.
        """
        return hubspot.HubSpot(access_token=token, host=self.url, client_side_validation=strict, **configuration)


@pytest.fixture(scope="session")
def seeded():
    """A portal with 10,000 generated contacts, shared by the whole run.

    Rate limits are off here: paging 10,000 contacts takes 200 calls, more than a Starter app may
    make in 10 s. The limits are tested on their own sandboxes (`new_portal`). The fixture also
    registers two private tokens: one that holds only the contacts read scope, and one that can
    read contacts and companies but write neither.
    """
    fixture = {
        "privateTokens": [
            {"token": READ_ONLY_TOKEN, "scopes": ["crm.objects.contacts.read"]},
            {
                "token": COMPANIES_READ_ONLY_TOKEN,
                "scopes": ["crm.objects.contacts.read", "crm.objects.companies.read"],
            },
        ]
    }
    sandbox = Sandbox(
        "--seed-contacts", str(SEED_CONTACTS), "--private-token", TOKEN, "--no-rate-limit", fixture=fixture
    )
    yield sandbox
    sandbox.stop()


@pytest.fixture
def fresh(seeded):
    """The seeded portal for a test that writes; its starting data is restored afterwards, for
    the tests that only read (and the session's `everyone`) to stay right."""
    yield seeded
    seeded.reset()


@pytest.fixture
def new_portal():
    """A new small portal per test, with HubSpot's rate limits on, for a Starter private app.

    For tests that need untouched limits or change portal-wide settings such as faults.
    """
    sandbox = Sandbox("--seed-contacts", "20", "--private-token", TOKEN, "--tier", "starter")
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="session")
def client(seeded):
    """A strict client of the seeded portal, with the full-scope token."""
    return seeded.client()


@pytest.fixture
def oauth_portal():
    """A new portal with one registered OAuth app that is approved without a consent page."""
    sandbox = Sandbox(
        "--seed-contacts", "5",
        "--client-id", OAUTH_APP["client_id"],
        "--client-secret", OAUTH_APP["client_secret"],
        "--redirect-uri", OAUTH_APP["redirect_uri"],
        "--oauth-auto-approve",
    )  # fmt: skip
    yield sandbox
    sandbox.stop()
