"""Chaos: phones keep sending notes while the server is SIGKILLed and the database misbehaves.

Starts a real `python -m cafe serve` on a fresh database (the event comes from
`python -m cafe event create tests/data/small-plan.toml` with CAFE_DB), joins N phones over HTTP and
connects each with python-socketio (WebSocket, the participant cookie). Every phone behaves like
static/js/phone.js: a note goes into the phone's outbox with a random client_id and stays there until
a `submit_note` ack says ok; a timeout, a disconnect or an ack with code "server" means "send it again
later" (exponential backoff with jitter); on every (re)connect the phone first sends `sync_notes` with
the client ids it still holds and drops the ones the server already has. (The timings are phone.js's,
compressed to keep a run short: acks time out after 5 s, backoff from 0.25 s up to 5 s.)

Scenarios (`--scenario`, comma-separated, or `all`):

  kill      the phones write at a steady aggregate rate while the server is killed with SIGKILL and
            restarted on the same port and database several times (each kill aimed at a moment when
            notes are in flight; every second one into the reconnect storm after a restart), and
            20% of the phones drop their connection (cleanly or by shutting the TCP socket) and
            come back at random.
  locked    a second connection holds the write lock (BEGIN IMMEDIATE) for longer than the server's
            busy timeout, so commits time out.
  readonly  the database becomes read-only: its tmpfs is remounted read-only (as root; otherwise
            chmod 444 on the files and 555 on the folder) and the server restarts onto it.
  diskfull  the database lives on a small tmpfs that another file fills to the last byte (root only).

After each scenario the fault is lifted, every phone flushes its outbox, the server stops and the
notes table is read with sqlite3. A scenario passes when every note a phone was told "saved" (by a
`submit_note` ack or a `sync_notes` answer) is in the database exactly once with the id it was told,
no note is stored twice (by client_id or by text), every note still waiting on a phone was delivered,
and (fault scenarios) every refusal a phone saw was `ok: false` with a readable message or a clean
connect error. Figures are printed per scenario; `--json` prints one JSON object on the last line.

    .venv/bin/python bench/chaos.py                                  # 50 phones, 5 kills, ~60 s
    .venv/bin/python bench/chaos.py --phones 10 --kills 3 --duration 15 --json
    .venv/bin/python bench/chaos.py --scenario locked,readonly,diskfull --json
    .venv/bin/python bench/chaos.py --scenario all

Exit status 0 when every scenario that ran passed (skipped ones, e.g. no permission to mount, do not
count), 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import errno
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio

# Every simulated phone comes from 127.0.0.1: lift the per-address limits (issue 19).
ONE_ADDRESS = {"CAFE_JOIN_BURST": "1000000", "CAFE_ADDRESS_NOTE_BURST": "1000000",
               "CAFE_ADDRESS_NOTES_PER_MINUTE": "100000000"}


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PLAN = ROOT / "tests" / "data" / "small-plan.toml"
SLUG = "test-cafe"
NS = "/participant"
# Ack codes after which the phone sends the same note again, as static/js/phone.js does.
RETRYABLE = {"server", "slow_down"}
KNOWN_CODES = {"invalid", "closed", "no_table", "auth", "gone", "server", "slow_down"}
SCENARIOS = ("kill", "locked", "readonly", "diskfull")
# Words that must not reach a participant: a readable message is not a stack trace.
JARGON = re.compile(r"traceback|sqlite|operationalerror|errno|exception|\.py\b", re.I)


class Skip(Exception):
    """A scenario that cannot run here (e.g. mount is not permitted); the reason says why."""


# ---- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_event(db_path: Path, plan: Path = PLAN) -> None:
    """Create the event with the CLI, as an organiser would."""
    env = {**os.environ, "CAFE_DB": str(db_path)}
    done = subprocess.run(
        [sys.executable, "-m", "cafe", "event", "create", str(plan)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"cafe event create failed:\n{done.stdout}{done.stderr}")


class ServerExited(RuntimeError):
    """`cafe serve` exited during start-up; the message carries the end of its output."""


class Server:
    """`python -m cafe serve --port P` on a database; killed and restarted on the same port."""

    def __init__(self, db_path: Path, port: int, log_path: Path) -> None:
        self.db_path = db_path
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path  # kept off the database's file system (it may be full)
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills = 0

    def start(self, timeout: float = 30.0) -> Server:
        env = {**os.environ, **ONE_ADDRESS, "CAFE_DB": str(self.db_path), "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("a") as log:
            log.write(f"\n==== start {self.starts + 1} ====\n")
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cafe", "serve", "--port", str(self.port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerExited(
                    f"cafe serve exited with status {self.process.returncode}:\n{self.tail()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"cafe serve did not start in {timeout:.0f} s:\n{self.tail()}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no checkpoint, as a crash or a pulled plug would."""
        if self.running():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.kills += 1

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def tracebacks(self) -> int:
        try:
            return self.log_path.read_text(errors="replace").count("Traceback (most recent call")
        except OSError:
            return 0


# ---- a phone --------------------------------------------------------------------------------------


def join(base: str, table: int) -> str:
    """Join the event over HTTP as the phone page does; return the Cookie header."""
    http = requests.Session()
    page = http.get(f"{base}/e/{SLUG}/", timeout=10)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    reply = http.post(
        f"{base}/e/{SLUG}/join", json={"table": table}, headers={"X-CSRFToken": token}, timeout=10
    )
    reply.raise_for_status()
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


@dataclass
class Control:
    """What the conductor tells every phone."""

    base: str
    ack_timeout: float = 5.0
    interval: float = 2.0  # seconds between two notes of one phone
    writing: threading.Event = field(default_factory=threading.Event)
    dropping: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    drop_mean: float = 6.0  # mean seconds between two drops of a flaky phone


class Phone(threading.Thread):
    """One participant's phone: an outbox, a socket, reconnects, like static/js/phone.js."""

    MAX_DELAY = 5.0

    def __init__(
        self, index: int, cookie: str, table: int, control: Control, flaky: bool, seed: int
    ):
        super().__init__(name=f"phone-{index}", daemon=True)
        self.index = index
        self.cookie = cookie
        self.table = table
        self.control = control
        self.flaky = flaky
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.outbox: dict[str, dict] = {}  # client_id -> payload, until saved
        self.inflight: dict[str, float] = {}  # client_id -> deadline
        self.failed: dict[str, dict] = {}  # client_id -> refusal (not retried, as phone.js)
        self.saved: dict[str, int] = {}  # client_id -> id the server said
        self.saved_by_sync: set[str] = set()
        self.written: dict[str, str] = {}  # client_id -> text
        self.conflicts: list[str] = []  # the server gave one client_id two ids
        self.refusals: collections.Counter = collections.Counter()  # (code, error) -> n
        self.connect_errors: collections.Counter = collections.Counter()  # message -> n
        self.unreadable: list[Any] = []  # acks that are neither ok nor a readable refusal
        self.sio: socketio.Client | None = None
        self.round: int | None = None
        self.attempt = 0
        self.retry_at = 0.0
        self.connect_at = 0.0
        self.connect_attempt = 0
        self.connects = 0
        self.drops = 0
        self.sends = 0
        self.timeouts = 0
        self.duplicate_acks = 0
        self.seq = 0
        self.sent_at: dict[str, float] = {}
        self.ack_ms: list[float] = []

    # -- the outbox --

    def write_note(self) -> None:
        self.seq += 1
        client_id = f"p{self.index:03d}-{self.seq:05d}-{self.rng.getrandbits(40):010x}"
        text = f"Chaos note {self.index}.{self.seq}: listening builds trust"
        with self.lock:
            self.written[client_id] = text
            self.outbox[client_id] = {
                "client_id": client_id,
                "text": text,
                "consent": "quote",
                "table": self.table,
            }

    def waiting(self) -> int:
        with self.lock:
            return len(self.outbox) - len(self.failed)

    def _told_saved(self, client_id: str, note_id: int, by_sync: bool) -> None:
        previous = self.saved.get(client_id)
        if previous is not None and previous != note_id:
            self.conflicts.append(f"{client_id}: {previous} then {note_id}")
        self.saved[client_id] = note_id
        if by_sync and previous is None:
            self.saved_by_sync.add(client_id)
        self.outbox.pop(client_id, None)
        self.inflight.pop(client_id, None)

    def _retry_later(self) -> None:
        delay = min(self.MAX_DELAY, 0.25 * 2**self.attempt) * (0.5 + self.rng.random())
        self.attempt = min(self.attempt + 1, 10)
        self.retry_at = time.monotonic() + delay

    def _on_ack(self, client_id: str, ack: Any) -> None:
        with self.lock:
            self.inflight.pop(client_id, None)
            if isinstance(ack, dict) and ack.get("ok") is True:
                if ack.get("client_id") != client_id or not isinstance(ack.get("id"), int):
                    self.unreadable.append(ack)
                    return
                self.attempt = 0
                if client_id in self.sent_at:
                    self.ack_ms.append((time.monotonic() - self.sent_at.pop(client_id)) * 1000)
                if ack.get("duplicate"):
                    self.duplicate_acks += 1
                self._told_saved(client_id, ack["id"], by_sync=False)
                return
            readable = (
                isinstance(ack, dict)
                and ack.get("ok") is False
                and isinstance(ack.get("error"), str)
                and len(ack["error"].strip()) >= 10
                and not JARGON.search(ack["error"])
                and ack.get("code") in KNOWN_CODES
            )
            if not readable:
                self.unreadable.append(ack)
            code = ack.get("code") if isinstance(ack, dict) else None
            self.refusals[(code, ack.get("error") if isinstance(ack, dict) else repr(ack))] += 1
            if code in RETRYABLE or not readable:
                self._retry_later()
            else:
                self.failed[client_id] = ack

    # -- the connection --

    def _connect(self) -> None:
        sio = socketio.Client(reconnection=False, request_timeout=5)
        state: dict = {}
        sio.on("state", lambda data: state.update(data or {}), namespace=NS)
        try:
            sio.connect(
                self.control.base,
                namespaces=[NS],
                auth={"event": SLUG},
                headers={"Cookie": self.cookie},
                transports=["websocket"],
                wait_timeout=5,
            )
        except Exception as exc:  # noqa: BLE001 - any failure to connect is a failed connect
            message = str(exc) or type(exc).__name__
            with self.lock:
                self.connect_errors[message[:200]] += 1
            with contextlib.suppress(Exception):
                sio.disconnect()
            delay = min(self.MAX_DELAY, 0.25 * 2**self.connect_attempt) * (0.5 + self.rng.random())
            self.connect_attempt = min(self.connect_attempt + 1, 10)
            self.connect_at = time.monotonic() + delay
            return
        self.connect_attempt = 0
        self.connects += 1
        self.sio = sio
        self._sync()

    def _sync(self) -> None:
        """On every (re)connect: which waiting notes does the server already have?"""
        with self.lock:
            ids = list(self.outbox)
        for start in range(0, len(ids), 500):
            try:
                ack = self.sio.call(
                    "sync_notes",
                    {"client_ids": ids[start : start + 500]},
                    namespace=NS,
                    timeout=self.control.ack_timeout,
                )
            except Exception:  # noqa: BLE001 - a failed sync only means more resends
                return
            if isinstance(ack, dict) and ack.get("ok"):
                with self.lock:
                    for note in ack["saved"]:
                        if note["client_id"] in self.written:
                            self._told_saved(note["client_id"], note["id"], by_sync=True)
        self.retry_at = 0.0

    def _connection_lost(self) -> None:
        sio, self.sio = self.sio, None
        with self.lock:
            self.inflight.clear()  # those acks will never come: send again after the reconnect
        with contextlib.suppress(Exception):
            sio.disconnect()
        if not self.connect_at > time.monotonic():
            # socket.io-client's first reconnect comes after about a second, with jitter.
            self.connect_at = time.monotonic() + self.rng.uniform(0.2, 1.0)

    def _drop(self) -> None:
        """A flaky phone loses its connection (Wi-Fi gone, app in the background) for a while."""
        self.drops += 1
        self.connect_at = time.monotonic() + self.rng.uniform(0.5, 3.0)
        sio = self.sio
        if self.rng.random() < 0.5:
            with contextlib.suppress(Exception):
                sio.disconnect()
        else:  # abrupt: the TCP connection dies under the socket
            with contextlib.suppress(Exception):
                sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
        self._connection_lost()

    def _flush(self) -> None:
        now = time.monotonic()
        with self.lock:
            for client_id, deadline in list(self.inflight.items()):
                if now > deadline:
                    del self.inflight[client_id]
                    self.timeouts += 1
                    self._retry_later()
            if now < self.retry_at:
                return
            todo = [
                (cid, payload)
                for cid, payload in self.outbox.items()
                if cid not in self.inflight and cid not in self.failed
            ]
            for cid, _ in todo:
                self.inflight[cid] = now + self.control.ack_timeout
                self.sent_at[cid] = now
        for cid, payload in todo:
            try:
                self.sio.emit(
                    "submit_note",
                    payload,
                    namespace=NS,
                    callback=lambda ack, cid=cid: self._on_ack(cid, ack),
                )
                self.sends += 1
            except Exception:  # noqa: BLE001 - not connected any more
                self._connection_lost()
                return

    def run(self) -> None:
        control = self.control
        next_note = time.monotonic() + self.rng.uniform(0, control.interval)
        next_drop = time.monotonic() + self.rng.expovariate(1 / control.drop_mean)
        while not control.stop.is_set():
            now = time.monotonic()
            if control.writing.is_set() and now >= next_note:
                self.write_note()
                next_note += control.interval
                if next_note < now:  # never burst to catch up
                    next_note = now + control.interval
            if self.sio is not None and not self.sio.connected:
                self._connection_lost()
            if self.sio is None:
                if now >= self.connect_at:
                    self._connect()
            elif self.flaky and control.dropping.is_set() and now >= next_drop:
                self._drop()
                next_drop = now + self.rng.expovariate(1 / control.drop_mean)
            else:
                self._flush()
            control.stop.wait(0.05)
        if self.sio is not None:
            with contextlib.suppress(Exception):
                self.sio.disconnect()


# ---- the audit ------------------------------------------------------------------------------------


def read_notes(db_path: Path) -> list[tuple[int, str, str]]:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(
            "SELECT n.id, n.client_id, n.text FROM notes n JOIN events e ON e.id = n.event_id "
            "WHERE e.slug = ?",
            [SLUG],
        ).fetchall()
    finally:
        conn.close()


def audit(db_path: Path, phones: list[Phone]) -> dict[str, Any]:
    """Compare what the phones wrote and were told with what the database holds."""
    rows = read_notes(db_path)
    by_client: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    for note_id, client_id, text in rows:
        by_client[client_id].append((note_id, text))
    texts = collections.Counter(text for _, _, text in rows)
    written = {cid: text for p in phones for cid, text in p.written.items()}
    told = {cid: nid for p in phones for cid, nid in p.saved.items()}
    lost = sorted(cid for cid in told if cid not in by_client)
    wrong = sorted(
        cid
        for cid, nid in told.items()
        if cid in by_client
        and (by_client[cid][0][0] != nid or by_client[cid][0][1] != written[cid])
    )
    undelivered = sorted(cid for cid in written if cid not in by_client)
    return {
        "notes_written": len(written),
        "acked": sum(len(p.saved) - len(p.saved_by_sync) for p in phones),
        "saved_by_sync": sum(len(p.saved_by_sync) for p in phones),
        "in_db": len(rows),
        "lost": len(lost),
        "duplicates": sum(len(v) - 1 for v in by_client.values())
        + sum(n - 1 for n in texts.values()),
        "wrong_id_or_text": len(wrong),
        "undelivered": len(undelivered),
        "waiting_at_end": sum(p.waiting() for p in phones),
        "refused_for_good": sum(len(p.failed) for p in phones),
        "strangers_in_db": sum(1 for cid in by_client if cid not in written),
        "id_conflicts": sum(len(p.conflicts) for p in phones),
        "examples": {"lost": lost[:5], "undelivered": undelivered[:5], "wrong": wrong[:5]},
    }


def phone_figures(phones: list[Phone]) -> dict[str, Any]:
    refusals: collections.Counter = collections.Counter()
    connect_errors: collections.Counter = collections.Counter()
    for p in phones:
        refusals.update(p.refusals)
        connect_errors.update(p.connect_errors)
    ack_ms = sorted(ms for p in phones for ms in p.ack_ms)
    return {
        "ack_p50_ms": round(ack_ms[len(ack_ms) // 2], 1) if ack_ms else None,
        "ack_max_ms": round(ack_ms[-1], 1) if ack_ms else None,
        "reconnects": sum(max(0, p.connects - 1) for p in phones),
        "drops": sum(p.drops for p in phones),
        "sends": sum(p.sends for p in phones),
        "ack_timeouts": sum(p.timeouts for p in phones),
        "duplicate_acks": sum(p.duplicate_acks for p in phones),
        "refusals": {f"{code}: {error}": n for (code, error), n in refusals.most_common()},
        "connect_errors": dict(connect_errors.most_common(5)),
        "unreadable_acks": [repr(a)[:200] for p in phones for a in p.unreadable][:5],
    }


# ---- running phones -------------------------------------------------------------------------------


class Crowd:
    """N joined phones, started and stopped together."""

    def __init__(self, server: Server, n: int, control: Control, flaky_share: float, seed: int):
        rng = random.Random(seed)
        flaky = set(rng.sample(range(n), round(n * flaky_share)))
        self.control = control
        self.phones = []
        for i in range(n):
            table = i % 2 + 1
            self.phones.append(
                Phone(i, join(server.url, table), table, control, i in flaky, rng.getrandbits(32))
            )

    def start(self) -> None:
        for phone in self.phones:
            phone.start()

    def wait(self, condition, timeout: float, step: float = 0.2) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(step)
        return condition()

    def acked(self) -> set[str]:
        return {cid for p in self.phones for cid in list(p.saved)}

    def flush(self, timeout: float) -> bool:
        """Stop writing and dropping; wait until every outbox is empty (or holds refusals only)."""
        self.control.writing.clear()
        self.control.dropping.clear()
        return self.wait(lambda: all(p.waiting() == 0 for p in self.phones), timeout)

    def stop(self) -> None:
        self.control.stop.set()
        for phone in self.phones:
            phone.join(15)


def verdict(figures: dict[str, Any], fault: bool) -> list[str]:
    """Return what went wrong (nothing when the scenario passed)."""
    problems = []
    for key in ("lost", "duplicates", "wrong_id_or_text", "undelivered", "waiting_at_end"):
        if figures[key]:
            problems.append(f"{key}: {figures[key]}")
    if figures["strangers_in_db"] or figures["id_conflicts"]:
        problems.append("notes in the database no phone wrote, or one client_id with two ids")
    if figures["unreadable_acks"]:
        problems.append(f"acks without a readable message: {figures['unreadable_acks']}")
    if figures["refused_for_good"]:
        problems.append(f"notes refused for good: {figures['refusals']}")
    if figures.get("server_tracebacks") and not fault:
        problems.append(f"server logged {figures['server_tracebacks']} tracebacks")
    return problems


# ---- scenario: kill -------------------------------------------------------------------------------


def run_kill(
    workdir: Path, phones: int, rate: float, duration: float, kills: int, flaky: float, seed: int
) -> dict[str, Any]:
    started = time.monotonic()
    db = workdir / "kill.db"
    create_event(db)
    server = Server(db, free_port(), workdir / "kill-server.log").start()
    control = Control(server.url, ack_timeout=5.0, interval=phones / rate)
    crowd = Crowd(server, phones, control, flaky, seed)
    rng = random.Random(seed + 1)
    downtime = 0.0
    in_flight_at_kills = 0
    storm_kills = 0

    def in_flight() -> int:
        return sum(len(p.inflight) for p in crowd.phones)

    try:
        control.writing.set()
        control.dropping.set()
        crowd.start()
        t0 = time.monotonic()
        # Kills spread over the run, each at a random moment inside its slice.
        slice_ = duration / (kills + 1)
        moments = sorted(slice_ * (i + 1) + rng.uniform(-0.3, 0.3) * slice_ for i in range(kills))
        for i, moment in enumerate(moments):
            # Every second kill hits the reconnect storm right after the previous restart (every
            # phone syncing and resending at once), as a crash loop would; the others come at
            # their moment of the steady flow.
            storm = i % 2 == 1
            if not storm:
                time.sleep(max(0.0, t0 + moment - time.monotonic()))
            # Aim at the narrow window: kill while notes are on their way (maybe committed,
            # surely not yet acknowledged), so that both the resend and the sync paths are taken.
            target = max(1, phones // 10) if storm else 1
            crowd.wait(lambda target=target: in_flight() >= target, 3.0, step=0.001)
            time.sleep(rng.uniform(0.0, 0.008))  # before, during or after their commits
            in_flight_at_kills += in_flight()
            storm_kills += storm
            server.kill()
            down = rng.uniform(0.3, 2.0)
            time.sleep(down)
            downtime += down
            server.start()
        time.sleep(max(0.0, t0 + duration - time.monotonic()))
        flushed = crowd.flush(timeout=60 + phones)
    finally:
        crowd.stop()
        server.stop()
    figures = {
        "scenario": "kill",
        "phones": phones,
        "flaky_phones": sum(p.flaky for p in crowd.phones),
        "rate_per_s": rate,
        **audit(db, crowd.phones),
        "kills": server.kills,
        "storm_kills": storm_kills,
        "in_flight_at_kills": in_flight_at_kills,
        **phone_figures(crowd.phones),
        "downtime_s": round(downtime, 1),
        "server_tracebacks": server.tracebacks(),
        "flushed": flushed,
        "seconds": round(time.monotonic() - started, 1),
    }
    figures["problems"] = verdict(figures, fault=False)
    figures["passed"] = not figures["problems"]
    return figures


# ---- fault scenarios ------------------------------------------------------------------------------


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


@contextlib.contextmanager
def tmpfs(where: Path, size: str):
    """Mount a tmpfs of `size` at `where` (root only); raise Skip when mount is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        raise Skip("mounting a tmpfs needs root (CI runs as root)")
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    if done.returncode != 0:
        raise Skip(f"mount -t tmpfs is not permitted here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            _run("umount", "-l", str(where))


def remount(where: Path, options: str) -> None:
    done = _run("mount", "-o", f"remount,{options}", str(where))
    if done.returncode != 0:
        raise RuntimeError(f"mount -o remount,{options} {where}: {done.stderr.strip()}")


def fill(path: Path) -> int:
    """Write `path` until its file system is full; return the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    n = os.write(fd, chunk[:size])
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
                written += n
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
    return written


def db_files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def check_acked_present(db: Path, acked: set[str]) -> str:
    """While the fault is in force: are the acknowledged notes readable? Say what was seen."""
    try:
        uri = f"file:{db}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=5)
        try:
            present = {r[0] for r in conn.execute("SELECT client_id FROM notes")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"not readable during the fault ({exc})"
    missing = len(acked - present)
    return "all present" if not missing else f"{missing} missing"


class Fault:
    """One fault: where the database lives, how to apply and lift it."""

    name = ""
    needs_restart = False  # applying/lifting it needs the server to restart onto the database
    ack_timeout = 5.0
    seconds = 6.0  # how long the fault stays in force

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.notes: list[str] = []

    @contextlib.contextmanager
    def place(self):
        """Yield the folder that holds the database."""
        folder = self.workdir / self.name
        folder.mkdir()
        yield folder

    def apply(self, db: Path, server: Server) -> None:
        raise NotImplementedError

    def lift(self, db: Path, server: Server) -> None:
        raise NotImplementedError


class Locked(Fault):
    """A second connection holds the write lock longer than the server's busy timeout (10 s)."""

    name = "locked"
    ack_timeout = 30.0
    seconds = 13.0

    def apply(self, db: Path, server: Server) -> None:
        self.conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")
        self.notes.append("second connection holds BEGIN IMMEDIATE")

    def lift(self, db: Path, server: Server) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


class ReadOnly(Fault):
    """The database becomes read-only and the server (re)starts onto it."""

    name = "readonly"
    needs_restart = True

    @contextlib.contextmanager
    def place(self):
        folder = self.workdir / self.name
        if os.geteuid() == 0:
            # chmod does not stop root: use a file system that is read-only for everyone.
            self.mode = "tmpfs remounted read-only"
            with tmpfs(folder, "64m"):
                yield folder
        else:
            self.mode = "chmod 444 on the files, 555 on the folder"
            folder.mkdir()
            try:
                yield folder
            finally:
                folder.chmod(0o755)
                for path in db_files(folder / "cafe.db"):
                    path.chmod(0o644)

    def apply(self, db: Path, server: Server) -> None:
        server.kill()
        if os.geteuid() == 0:
            remount(db.parent, "ro")
        else:
            for path in db_files(db):
                path.chmod(0o444)
            db.parent.chmod(0o555)
        self.notes.append(self.mode)
        try:
            server.start()
            self.notes.append("server started on the read-only database")
        except ServerExited as exc:
            last = [line for line in str(exc).splitlines() if line.strip()][-1:]
            self.notes.append(f"server refused to start: {' '.join(last)}")

    def lift(self, db: Path, server: Server) -> None:
        if os.geteuid() == 0:
            remount(db.parent, "rw")
        else:
            db.parent.chmod(0o755)
            for path in db_files(db):
                path.chmod(0o644)


class DiskFull(Fault):
    """The database's small file system is filled to the last byte by another file."""

    name = "diskfull"
    seconds = 8.0

    @contextlib.contextmanager
    def place(self):
        folder = self.workdir / self.name
        with tmpfs(folder, "16m"):
            yield folder

    def apply(self, db: Path, server: Server) -> None:
        self.filler = db.parent / "filler.bin"
        n = fill(self.filler)
        self.notes.append(f"filled the 16 MB tmpfs with {n // 1024} KB")
        # Some commits fail on the full disk; then the server crashes and restarts onto it.
        time.sleep(self.seconds / 2)
        server.kill()
        try:
            server.start()
            self.notes.append("SIGKILL and restart while full: the server started")
        except ServerExited as exc:
            last = [line for line in str(exc).splitlines() if line.strip()][-1:]
            self.notes.append(f"SIGKILL and restart while full: refused to start: {' '.join(last)}")

    def lift(self, db: Path, server: Server) -> None:
        self.filler.unlink()


FAULTS = {"locked": Locked, "readonly": ReadOnly, "diskfull": DiskFull}


def run_fault(kind: str, workdir: Path, phones: int, seed: int) -> dict[str, Any]:
    started = time.monotonic()
    fault = FAULTS[kind](workdir)
    figures: dict[str, Any] = {"scenario": kind, "phones": phones}
    try:
        with fault.place() as folder:
            db = folder / "cafe.db"
            create_event(db)
            server = Server(db, free_port(), workdir / f"{kind}-server.log").start()
            # One note every 2 s per phone: the participant rate limit's steady rate.
            control = Control(server.url, ack_timeout=fault.ack_timeout, interval=2.0)
            crowd = Crowd(server, phones, control, 0.0, seed)
            try:
                control.writing.set()
                crowd.start()
                # Before the fault: every phone has notes acknowledged.
                if not crowd.wait(lambda: all(len(p.saved) >= 3 for p in crowd.phones), 60):
                    raise RuntimeError(
                        f"phones could not save notes before the fault:\n{server.tail()}"
                    )
                before = crowd.acked()
                fault.apply(db, server)
                t_fault = time.monotonic()
                time.sleep(fault.seconds)
                during = crowd.acked() - before
                present = check_acked_present(db, before | during)
                waiting = sum(p.waiting() for p in crowd.phones)
                fault.lift(db, server)
                # Does the running server recover by itself once the fault is lifted?
                recovered = False
                if server.running():
                    recovered = crowd.flush(timeout=20 if not fault.needs_restart else 8)
                if not recovered:
                    server.kill()
                    server.start()
                flushed = crowd.flush(timeout=60)
                fault_seconds = time.monotonic() - t_fault
            finally:
                crowd.stop()
                server.stop()
                with contextlib.suppress(Exception):
                    fault.lift(db, server)  # idempotent enough: the fault must not outlive the run
            figures.update(
                {
                    "how": "; ".join(fault.notes),
                    "acked_before_fault": len(before),
                    "acked_during_fault": len(during),
                    "acked_notes_during_fault": present,
                    "waiting_when_lifted": waiting,
                    "recovered_without_restart": recovered,
                    **audit(db, crowd.phones),
                    **phone_figures(crowd.phones),
                    "server_tracebacks": server.tracebacks(),
                    "flushed": flushed,
                    "fault_s": round(fault_seconds, 1),
                }
            )
    except Skip as exc:
        return {"scenario": kind, "skipped": str(exc), "passed": None}
    problems = verdict(figures, fault=True)
    saw_error = bool(figures["refusals"]) or bool(figures["connect_errors"])
    if not saw_error:
        problems.append("the fault never reached a phone: no refusal and no connect error")
    figures["clear_error"] = saw_error and not figures["unreadable_acks"]
    figures["problems"] = problems
    figures["passed"] = not problems
    figures["seconds"] = round(time.monotonic() - started, 1)
    return figures


# ---- the command ----------------------------------------------------------------------------------


def show(figures: dict[str, Any]) -> None:
    name = figures["scenario"]
    if figures.get("skipped"):
        print(f"[{name}] skipped: {figures['skipped']}")
        return
    print(f"[{name}] {'PASSED' if figures['passed'] else 'FAILED'}")
    for key, value in figures.items():
        if key in ("scenario", "passed", "examples") or value in ({}, []):
            continue
        if isinstance(value, dict):
            print(f"  {key}:")
            for k, v in value.items():
                print(f"    {v!s:>6}  {k}")
        else:
            print(f"  {key:<26} {value}")
    if not figures["passed"]:
        print(f"  examples: {figures.get('examples')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="kill", help="kill,locked,readonly,diskfull or all")
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--rate", type=float, default=None, help="notes/s, all phones (phones/2)")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds of writing")
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--flaky", type=float, default=0.2, help="share of phones that drop")
    parser.add_argument("--fault-phones", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--keep", action="store_true", help="keep the databases and server logs")
    args = parser.parse_args(argv)
    scenarios = SCENARIOS if args.scenario == "all" else tuple(args.scenario.split(","))
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rate = args.rate or args.phones / 2
    command = shlex.join(
        [os.path.relpath(sys.executable, ROOT), os.path.relpath(__file__, ROOT), *sys.argv[1:]]
        if argv is None
        else ["bench/chaos.py", *argv]
    )
    if "--seed" not in command:
        command += f" --seed {seed}"
    started = time.monotonic()
    results = []
    tmp = tempfile.mkdtemp(prefix="cafe-chaos-")
    if args.keep:
        print(f"databases and server logs kept in {tmp}")
    try:
        for name in scenarios:
            workdir = Path(tmp)
            if name == "kill":
                result = run_kill(
                    workdir, args.phones, rate, args.duration, args.kills, args.flaky, seed
                )
            else:
                result = run_fault(name, workdir, args.fault_phones, seed)
            show(result)
            results.append(result)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    ran = [r for r in results if r.get("passed") is not None]
    passed = all(r["passed"] for r in ran)
    seconds = round(time.monotonic() - started, 1)
    print(f"command: {command}")
    print(f"{'PASSED' if passed else 'FAILED'} in {seconds} s")
    if args.json:
        out: dict[str, Any] = {"command": command, "passed": passed, "seconds": seconds}
        kill = next((r for r in results if r["scenario"] == "kill"), None)
        if kill:
            out.update(
                {k: v for k, v in kill.items() if k not in ("scenario", "passed", "seconds")}
            )
        out["scenarios"] = {r["scenario"]: r for r in results}
        print(json.dumps(out, sort_keys=False))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
