"""Several `cafe serve` workers sharing a Redis message queue and one SQLite file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_server import console_client, join_http, note, phone_client

from conftest import LiveServer, free_port, free_ports, rows, wait_for


def _redis_server():
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server is missing (apt-get install redis-server)"
        if os.environ.get("CAFE_REQUIRE_REDIS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def redis_url(tmp_path: Path):
    """Start a private redis-server on a free port with its own directory; return its URL."""
    binary = _redis_server()
    port = free_port()
    workdir = tmp_path / "redis"
    workdir.mkdir()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        stdout=(workdir / "redis.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "redis.log").read_text()) from None
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.fixture
def two_workers(app, db_path: Path, tmp_path: Path, redis_url: str):
    """Two workers on two ports, started as `cafe serve --message-queue` each."""
    servers = []
    for index in range(2):
        log_db = tmp_path / f"worker{index}" / "cafe.db"  # only names the log file
        log_db.parent.mkdir()
        server = LiveServer(db_path, free_port(), "--message-queue", redis_url,
                            "--worker-index", str(index))
        server.output = log_db.with_suffix(".log")
        servers.append(server.start())
    yield servers
    for server in servers:
        server.stop()


def test_note_from_worker_a_reaches_console_on_worker_b_and_is_saved_once(two_workers, db_path):
    a, b = two_workers
    received: list = []
    console = console_client(b.url, received)
    http = join_http(a.url)
    phone = phone_client(a.url, http)
    try:
        # Presence is summed over workers: the console on B counts the phone on A.
        wait_for(
            lambda: any(e == "presence_changed" and d["total"] == 1 for e, d in received)
        )
        acks = []
        for i in range(5):
            payload = note(i)
            acks.append(phone.call("submit_note", payload, namespace="/participant", timeout=10))
        # A resend of an acked note (the phone never saw the ack) is not stored twice.
        again = phone.call("submit_note", note(0), namespace="/participant", timeout=10)
        assert all(ack["ok"] for ack in acks) and again["duplicate"] is True
        wait_for(lambda: len([1 for e, _ in received if e == "note_added"]) == 5)
        added = sorted(d["note"]["id"] for e, d in received if e == "note_added")
        assert added == sorted(ack["id"] for ack in acks)
        saved = rows(db_path, "SELECT client_id, COUNT(*) FROM notes GROUP BY client_id")
        assert sorted(saved) == sorted((note(i)["client_id"], 1) for i in range(5))
    finally:
        phone.disconnect()
        console.disconnect()


def test_round_change_on_worker_b_reaches_phones_on_worker_a(two_workers):
    a, b = two_workers
    received: list = []
    console = console_client(b.url, received)
    phones, seen = [], []
    try:
        for _ in range(3):
            phone = phone_client(a.url, join_http(a.url))
            phone.on("round_changed", lambda data: seen.append(data), namespace="/participant")
            phones.append(phone)
        reply = console.call("start_round", {}, namespace="/console", timeout=10)
        assert reply["ok"], reply
        wait_for(lambda: len(seen) == 3)
    finally:
        for phone in phones:
            phone.disconnect()
        console.disconnect()


def test_workers_option_starts_n_processes_and_refuses_without_a_queue(app, db_path, redis_url):
    port = free_ports(2)
    env = {**os.environ, "CAFE_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    refused = subprocess.run(
        [sys.executable, "-m", "cafe", "serve", "--port", str(port), "--workers", "2"],
        env={k: v for k, v in env.items() if k != "CAFE_MESSAGE_QUEUE"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "--message-queue" in refused.stderr
    ports = [port, port + 1]
    process = subprocess.Popen(
        [sys.executable, "-m", "cafe", "serve", "--port", str(port), "--workers", "2",
         "--message-queue", redis_url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        def listening() -> bool:
            for p in ports:
                try:
                    with socket.create_connection(("127.0.0.1", p), timeout=0.2):
                        pass
                except OSError:
                    return False
            return True

        wait_for(listening, timeout=60)
        received: list = []
        console = console_client(f"http://127.0.0.1:{ports[1]}", received)
        http = join_http(f"http://127.0.0.1:{ports[0]}")
        phone = phone_client(f"http://127.0.0.1:{ports[0]}", http)
        ack = phone.call("submit_note", note(1), namespace="/participant", timeout=10)
        assert ack["ok"]
        wait_for(lambda: any(e == "note_added" for e, _ in received))
        phone.disconnect()
        console.disconnect()
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, out
    assert "Started 2 workers" in out
