"""A synthesis on a real `cafe serve` never holds up the live side: phones keep getting acks."""

from __future__ import annotations

import re
import time

import pytest
import requests
from test_server import join_http, phone_client
from test_workspace import event  # noqa: F401 - fixture

from cafe.actions.synthesis.reads import pid_alive
from cafe.actions.synthesis.worker import SLOW_ENV
from conftest import PASSWORD, LiveServer, free_port, rows, wait_for


@pytest.fixture
def served(app, event, db_path):  # noqa: F811
    """Serve the test event, with its notes already written, on a real `cafe serve`."""
    server = LiveServer(db_path, free_port()).start()
    yield server
    server.stop()


def staff_session(base: str) -> requests.Session:
    http = requests.Session()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login", timeout=10).text
    ).group(1)
    reply = http.post(
        f"{base}/login",
        data={"username": "staffer", "password": PASSWORD, "csrf_token": token},
        timeout=10,
    )
    assert reply.ok
    return http


def run_status(http: requests.Session, base: str) -> str:
    return http.get(f"{base}/workspace/test-cafe/run.json", timeout=10).json()["run"]["status"]


def test_phones_get_acks_while_a_synthesis_runs(served, db_path):
    base = served.url
    staff = staff_session(base)
    page = staff.get(f"{base}/workspace/test-cafe", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = staff.post(
        f"{base}/workspace/test-cafe/do/run",
        data={"csrf_token": token, "k": "auto"},
        timeout=10,
        allow_redirects=False,
    )
    assert reply.status_code == 303
    phone = phone_client(base, join_http(base))
    acks, during = [], 0
    try:
        i = 0
        # Write a note every half second (phones are limited to bursts of 30, then one per 2 s)
        # until the run has finished; count the acks that came while it was running.
        while i < 25:
            running = run_status(staff, base) in ("queued", "running")
            ack = phone.call(
                "submit_note",
                {
                    "client_id": f"live-ws-{i:06d}",
                    "text": f"Housing and refuge waiting lists {i}",
                    "consent": "quote",
                },
                namespace="/participant",
                timeout=10,
            )
            acks.append(ack)
            if running and run_status(staff, base) in ("queued", "running"):
                during += 1
            i += 1
            if not running:
                break
            time.sleep(0.5)
    finally:
        phone.disconnect()
    assert all(a["ok"] for a in acks), acks
    assert during >= 1, "the run finished before any note was acknowledged"
    wait_for(lambda: run_status(staff, base) == "done", timeout=60)
    saved = rows(db_path, "SELECT COUNT(*) FROM notes WHERE client_id LIKE 'live-ws-%'")[0][0]
    assert saved == len(acks)
    assert rows(db_path, "SELECT status, created_by FROM synthesis_runs") == [("done", "staffer")]
    page = staff.get(f"{base}/workspace/test-cafe", timeout=10).text
    assert "theme-title-" in page
    # Notes written during the run are "not yet themed", not lost.
    unthemed = staff.get(f"{base}/workspace/test-cafe/unthemed", timeout=10).text
    assert "Housing and refuge waiting lists" in unthemed


def _start_slow_run(base: str, db_path) -> tuple[requests.Session, int, int]:
    staff = staff_session(base)
    page = staff.get(f"{base}/workspace/test-cafe", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    staff.post(f"{base}/workspace/test-cafe/do/run", data={"csrf_token": token, "k": "auto"},
               timeout=10)

    def reported() -> bool:
        run = staff.get(f"{base}/workspace/test-cafe/run.json", timeout=10).json()["run"]
        return run["status"] == "running" and run["message"] not in ("Starting",)

    wait_for(reported, timeout=120)
    run_id, pid = rows(db_path, "SELECT id, pid FROM synthesis_runs")[0]
    return staff, run_id, pid


def test_cancel_on_a_real_server_stops_the_worker(app, event, db_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv(SLOW_ENV, "60")  # the server passes it on to its worker
    server = LiveServer(db_path, free_port()).start()
    try:
        base = server.url
        staff, run_id, pid = _start_slow_run(base, db_path)
        assert pid_alive(pid)
        page = staff.get(f"{base}/workspace/test-cafe", timeout=10).text
        assert 'id="cancel-form"' in page
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        reply = staff.post(f"{base}/workspace/test-cafe/do/cancel",
                           data={"csrf_token": token, "run": run_id}, timeout=10)
        assert "The last run was cancelled by staffer" in reply.text
        wait_for(lambda: not pid_alive(pid), timeout=30)
        assert run_status(staff, base) == "cancelled"
    finally:
        server.stop()


def test_a_worker_stops_when_its_server_dies_and_shows_failed_after(app, event, db_path,  # noqa: F811
                                                                    monkeypatch):
    monkeypatch.setenv(SLOW_ENV, "60")
    server = LiveServer(db_path, free_port()).start()
    try:
        _, run_id, pid = _start_slow_run(server.url, db_path)
        server.kill()
        # Its next heartbeat finds the pipe closed: the worker exits rather than run on unseen.
        wait_for(lambda: not pid_alive(pid), timeout=60)
        assert rows(db_path, "SELECT status FROM synthesis_runs")[0][0] == "running"
    finally:
        server.stop()
    monkeypatch.delenv(SLOW_ENV)
    server = LiveServer(db_path, free_port()).start()
    try:
        staff = staff_session(server.url)
        assert run_status(staff, server.url) == "failed"
        assert rows(db_path, "SELECT status FROM synthesis_runs")[0][0] == "failed"
        page = staff.get(f"{server.url}/workspace/test-cafe", timeout=10).text
        assert "The synthesis process stopped before it finished." in page
        assert 'id="run-again-form"' in page
    finally:
        server.stop()
