"""Live load: N simulated phones send notes to a real `cafe serve` while a console and a wall watch.

Starts `python -m cafe serve` on a fresh database (or targets one with `--url`), makes an event with
enough tables, N participants and a facilitator, then over WebSocket (the lean client in
bench/lean_client.py, one asyncio.Protocol per phone): ramps the phones' connects, seats each at a
table (`choose_table`), connects one console (logged in) and one wall, and has the phones submit notes
at an aggregate R notes/s for S seconds while the console changes the round every few seconds
(`end_round`, then `start_round`: each a `round_changed` broadcast to every phone). At the end it
reads the notes table with sqlite3 and reports, with `--json` as one JSON object on the last line:

    clients connected sent acked saved lost duplicates ack_p50_ms ack_p99_ms deliver_p99_ms
    fanout_max_ms server_rss_mb server_cpu_pct command (and more)

`--reference` runs the same load against bench/reference_server.py (bare python-socketio on gevent
doing the same insert-and-forward); `--compare` runs both and prints the ratios; `--matrix` runs a
grid of phone counts and rates against both (each run in its own subprocess) and prints a Markdown
table. Examples:

    .venv/bin/python bench/live_load.py --clients 1000 --rate 200 --duration 30 --json
    .venv/bin/python bench/live_load.py --clients 1000 --rate 200 --duration 30 --compare
    .venv/bin/python bench/live_load.py --matrix 500,1000,2000,5000 --rates 50,200 --duration 30
    .venv/bin/python bench/live_load.py --url http://127.0.0.1:5000 --slug demo \\
        --user facilitator --password ... --db instance/cafe.db --clients 200
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.cookiejar
import json
import math
import os
import platform
import random
import re
import resource
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # this tree's cafe, not whichever one the venv has installed

from lean_client import ConnectRefused, LeanSocket  # noqa: E402

# Every simulated phone comes from 127.0.0.1: lift the per-address limits (issue 19).
ONE_ADDRESS = {"CAFE_JOIN_BURST": "1000000", "CAFE_ADDRESS_NOTE_BURST": "1000000",
               "CAFE_ADDRESS_NOTES_PER_MINUTE": "100000000"}


REQUIRED_KEYS = (
    "clients",
    "connected",
    "sent",
    "acked",
    "saved",
    "lost",
    "duplicates",
    "ack_p50_ms",
    "ack_p99_ms",
    "deliver_p99_ms",
    "fanout_max_ms",
    "server_rss_mb",
    "server_cpu_pct",
    "command",
)
WORDS = (
    "listening trust shared decisions partnership budget time respect voice community power "
    "funding youth elders language access transport childcare evenings feedback follow-up "
    "meetings agenda honest small steps learning stories welcome volunteers training space"
).split()
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- preparing the database (runs in a subprocess that imports cafe) ---------------------------


def plan_toml(slug: str, tables: int, rounds: int) -> str:
    """Return an event plan with many tables (capacity 20) and rounds."""
    lines = [
        'title = "Load benchmark"',
        f'slug = "{slug}"',
        'context = "Simulated phones."',
        "",
    ]
    for t in range(1, tables + 1):
        lines += ["[[tables]]", f'name = "Table {t}"', "capacity = 20", ""]
    for r in range(1, rounds + 1):
        lines += ["[[rounds]]", f'question = "Question {r}?"', "minutes = 20", ""]
    return "\n".join(lines)


def prepare(opts: argparse.Namespace) -> None:
    """Create the event, a facilitator and N participants; print their tokens as JSON."""
    from cafe import create_app
    from cafe.actions import do_create_event, do_create_user, do_join_event
    from cafe.db import close_app, get_writer, reading
    from cafe.plans import load_plan

    plan_path = Path(opts.db).with_suffix(".plan.toml")
    plan_path.write_text(plan_toml(opts.slug, opts.tables, opts.rounds))
    app = create_app({"CAFE_DATABASE": opts.db, "CAFE_ASYNC_MODE": "threading"})
    with app.app_context():
        # A benchmark fixture, not a live event: skip the fsync of each of N tiny transactions.
        get_writer().db.execute("PRAGMA synchronous=OFF")
        event = do_create_event(load_plan(plan_path), slug=opts.slug)
        if opts.auto_wall:
            get_writer().write(
                lambda db: db.execute(
                    "UPDATE events SET wall_requires_approval = 0 WHERE id = ?", [event["id"]]
                )
            )
        do_create_user(opts.user, opts.password, "facilitator")
        from cafe import queries

        with reading() as db:
            event = queries.event_by_slug(db, opts.slug)
        tokens = [do_join_event(event)[1] for _ in range(opts.clients)]
    close_app(app)
    print(
        json.dumps({"event_id": event["id"], "wall_token": event["wall_token"], "tokens": tokens})
    )


# ---- the server under test ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def runqueue_wait(pid: int | str) -> float:
    """Return the seconds a process's main thread (and its children's) spent waiting for a CPU."""
    total = 0.0
    for member in family(pid) if isinstance(pid, int) else [pid]:
        try:
            with open(f"/proc/{member}/schedstat") as f:
                total += int(f.read().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            pass
    return total


def family(pid: int) -> list[int]:
    """Return a process and its children (the workers of `cafe serve --workers N`)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [pid, *(int(c) for c in f.read().split())]
    except OSError:
        return [pid]


def proc_stats(pid: int) -> tuple[float, float]:
    """Return (RSS in MB, CPU seconds user+system) of a process and its children from /proc."""
    rss_kb, cpu = 0, 0.0
    for member in family(pid):
        try:
            with open(f"/proc/{member}/status") as f:
                rss_kb += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{member}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, StopIteration):
            continue
        cpu += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return rss_kb / 1024, cpu


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Start a private redis-server for `--workers` (Debian's package); return it and its URL."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir),
         "--save", "", "--appendonly", "no"],
        stdout=(workdir / "redis.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


class Server:
    """`cafe serve` (or the reference server) in a subprocess."""

    def __init__(self, opts: argparse.Namespace, db: Path, workdir: Path) -> None:
        self.port = opts.port or free_port()
        self.ports = [self.port + i for i in range(max(1, opts.workers))]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        cmd = cmd_base(opts, db, self.port)
        self.cmd = cmd
        env = {**os.environ, **ONE_ADDRESS, "CAFE_DB": str(db), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        self.pid = self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                for port in self.ports:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        pass
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def cmd_base(opts: argparse.Namespace, db: Path, port: int) -> list[str]:
    if opts.reference:
        script, argv = str(HERE / "reference_server.py"), ["--db", str(db), "--port", str(port)]
        if not opts.switch_interval:
            return [sys.executable, script, *argv]
        run = f"runpy.run_path({script!r}, run_name='__main__')"
        argv = [script, *argv]
    else:
        argv = ["cafe", "serve", "--port", str(port)]
        if opts.workers > 1:
            return [sys.executable, "-m", "cafe", "serve", "--port", str(port),
                    "--workers", str(opts.workers), "--message-queue", opts.message_queue]  # fmt: skip
        if not opts.switch_interval:
            return [sys.executable, "-m", "cafe", "serve", "--port", str(port)]
        run = "runpy.run_module('cafe', run_name='__main__', alter_sys=True)"
    # An experiment: the same server with another GIL switch interval (Python's default is 5 ms).
    code = f"import runpy, sys; sys.setswitchinterval({opts.switch_interval}); sys.argv = {argv!r}; {run}"
    return [sys.executable, "-c", code]


# ---- HTTP helpers (blocking; run in threads) ----------------------------------------------------


def cookie_header(jar: http.cookiejar.CookieJar) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def login(base: str, user: str, password: str) -> str:
    """Log in as staff through the login form; return the Cookie header for the console socket."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    if token is None:
        token = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', page)
    form = urllib.parse.urlencode(
        {"username": user, "password": password, "csrf_token": token.group(1)}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=30).read()
    return cookie_header(jar)


def join_http(base: str, slug: str) -> str:
    """Join an event over HTTP as the phone page does; return the participant token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/e/{slug}/", timeout=60).read().decode()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    request = urllib.request.Request(
        f"{base}/e/{slug}/join",
        data=b'{"table": null}',
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    opener.open(request, timeout=60).read()
    return next(c.value for c in jar if c.name == f"cafe_p_{slug}")


# ---- statistics ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return round(ordered[k], 1)


# ---- the load -----------------------------------------------------------------------------------


@dataclass
class Broadcast:
    """One round change: when the console emitted it and when each phone received it."""

    action: str
    t0: float
    expected: int
    times: list[float] = field(default_factory=list)
    ack: Any = None


class Load:
    """Everything one run does on the client side (a single asyncio loop)."""

    def __init__(self, opts: argparse.Namespace, base: str, tokens: list[str], tables: int) -> None:
        self.opts = opts
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        # With --workers N, phones spread round-robin over the N ports (as nginx would spread them).
        self.ports = [self.port + i for i in range(max(1, opts.workers))]
        self.tokens = tokens
        self.table_numbers = list(range(1, tables + 1))
        self.run_id = f"{random.randrange(36**4):04x}"
        self.phones: list[LeanSocket] = []
        self.connect_failed: list[str] = []
        self.sent: dict[str, float] = {}  # client_id -> send time
        self.acks: dict[str, tuple[float, dict]] = {}  # client_id -> (ack time, ack)
        self.console_notes: dict[int, list[float]] = {}  # note id -> receipt times
        self.broadcasts: list[Broadcast] = []
        self.current: Broadcast | None = None
        self.round_supported: bool | None = None
        self.round_no = 1
        self.lag: list[float] = []
        self.t_start = 0.0
        self.loop = asyncio.get_running_loop()

    def log(self, message: str) -> None:
        print(message, flush=True)

    # -- connecting

    async def connect_console(self, cookie: str | None) -> None:
        state: asyncio.Future = self.loop.create_future()

        def on_event(name: str, args: list) -> None:
            if name == "note_added":
                self.console_notes.setdefault(args[0]["note"]["id"], []).append(self.loop.time())
            elif name == "console_state" and not state.done():
                state.set_result(args[0])

        headers = {"Cookie": cookie} if cookie else {}
        self.console = await LeanSocket.connect(
            self.host, self.port, "/console", {"event": self.opts.slug}, headers, on_event=on_event
        )
        self.console_state = await asyncio.wait_for(state, 30)

    async def connect_wall(self, token: str) -> None:
        self.wall_events = 0

        def on_event(name: str, args: list) -> None:
            self.wall_events += 1

        self.wall = await LeanSocket.connect(
            self.host,
            self.ports[-1],
            "/wall",
            {"event": self.opts.slug, "token": token},
            on_event=on_event,
        )

    def on_round_changed(self, *args: Any) -> None:
        if self.current is not None:
            self.current.times.append(self.loop.time())

    async def connect_phone(self, index: int, token: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                phone = await LeanSocket.connect(
                    self.host,
                    self.ports[index % len(self.ports)],
                    "/participant",
                    {"event": self.opts.slug, "token": token},
                    timeout=60,
                )
                phone.handlers["round_changed"] = self.on_round_changed
                phone.index = index  # type: ignore[attr-defined]
                phone.seq = 0  # type: ignore[attr-defined]
                table = self.table_numbers[index % len(self.table_numbers)]
                ack = await phone.call("choose_table", {"table": table}, 60)
                if not ack.get("ok"):
                    raise ConnectRefused(f"choose_table: {ack}")
                self.phones.append(phone)
            except (TimeoutError, OSError, ConnectRefused) as exc:
                self.connect_failed.append(f"{type(exc).__name__}: {exc}")

    async def connect_phones(self) -> float:
        gate = asyncio.Semaphore(self.opts.concurrency)
        started = self.loop.time()
        tasks = []
        for i, token in enumerate(self.tokens):
            # Ramp: phone i may start at i / ramp seconds.
            delay = started + i / self.opts.ramp - self.loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(self.connect_phone(i, token, gate)))
            if (i + 1) % 1000 == 0:
                self.log(f"  ... {i + 1} connects started, {len(self.phones)} seated")
        await asyncio.gather(*tasks)
        return self.loop.time() - started

    # -- the load phase

    def send_note(self, phone: LeanSocket) -> None:
        phone.seq += 1  # type: ignore[attr-defined]
        client_id = f"lb{self.run_id}-{phone.index}-{phone.seq}"  # type: ignore[attr-defined]
        words = " ".join(random.choices(WORDS, k=random.randint(6, 16)))
        text = f"{words.capitalize()} ({client_id})"
        self.sent[client_id] = self.loop.time()

        def on_ack(ack: Any, *_: Any) -> None:
            self.acks[client_id] = (self.loop.time(), ack)

        phone.emit(
            "submit_note", {"client_id": client_id, "text": text, "consent": "quote"}, on_ack
        )

    async def notes(self, until: float) -> None:
        order = list(self.phones)
        random.shuffle(order)
        start, sent, i = self.loop.time(), 0, 0
        while (now := self.loop.time()) < until:
            due = int((now - start) * self.opts.rate) - sent
            for _ in range(due):
                phone = order[i % len(order)]
                i += 1
                if phone.connected:
                    self.send_note(phone)
                    sent += 1
            await asyncio.sleep(0.005)

    async def console_call(self, action: str, payload: dict) -> Any:
        try:
            return await self.console.call(action, payload, timeout=self.opts.round_timeout)
        except TimeoutError:
            return None

    async def round_change(self, action: str, payload: dict) -> None:
        """Emit one console action and wait until every phone has its round_changed (or timeout)."""
        expected = sum(1 for p in self.phones if p.connected)
        self.current = broadcast = Broadcast(action, self.loop.time(), expected)
        ack = await self.console_call(action, payload)
        broadcast.ack = ack
        if ack is None:
            self.round_supported = False
            self.log(f"  {action}: no ack in {self.opts.round_timeout} s (server lacks it?)")
            self.current = None
            return
        if not (isinstance(ack, dict) and ack.get("ok")):
            self.log(f"  {action} {payload}: refused: {ack}")
            self.current = None
            return
        self.round_supported = True
        deadline = self.loop.time() + self.opts.round_timeout
        while len(broadcast.times) < expected and self.loop.time() < deadline:
            await asyncio.sleep(0.01)
        self.current = None
        self.broadcasts.append(broadcast)
        if broadcast.times:
            fanout = (max(broadcast.times) - broadcast.t0) * 1000
            self.log(
                f"  {action}: {len(broadcast.times)}/{expected} phones, last after {fanout:.0f} ms"
            )

    async def next_round(self) -> None:
        """One round change as a facilitator does it: end the round, start the next."""
        await self.round_change("end_round", {})
        if self.round_supported is False:
            return
        self.round_no = self.round_no % self.opts.rounds + 1
        await self.round_change("start_round", {"round": self.round_no})

    async def rounds(self, start: float, until: float) -> None:
        t = start + self.opts.round_every / 2
        while t < until and self.round_supported is not False:
            await asyncio.sleep(max(0.0, t - self.loop.time()))
            await self.next_round()
            t += self.opts.round_every

    async def lag_monitor(self, until: float) -> None:
        while self.loop.time() < until:
            before = self.loop.time()
            await asyncio.sleep(0.05)
            self.lag.append((self.loop.time() - before - 0.05) * 1000)

    async def drain(self) -> None:
        deadline = self.loop.time() + self.opts.drain
        while self.loop.time() < deadline:
            pending = len(self.sent) - len(self.acks)
            ok_ids = {a[1].get("id") for a in self.acks.values() if isinstance(a[1], dict)}
            if pending == 0 and ok_ids.issubset(self.console_notes.keys()):
                return
            await asyncio.sleep(0.05)


async def run_load(
    opts: argparse.Namespace,
    base: str,
    tokens: list[str],
    tables: int,
    server: Server | SimpleNamespace | None,
    cookie: str | None,
    wall_token: str | None,
) -> dict:
    load = Load(opts, base, tokens, tables)
    stats: dict[str, Any] = {}

    def sample() -> tuple[float, float] | tuple[None, None]:
        return proc_stats(server.pid) if server else (None, None)

    await load.connect_console(cookie)
    event = load.console_state.get("event", {})
    if event.get("tables"):  # a server we did not prepare: use its tables and rounds
        load.table_numbers = [t["number"] for t in event["tables"]]
    if isinstance(event.get("round"), dict) and event["round"].get("count"):
        opts.rounds = event["round"]["count"]
    wall_token = wall_token or load.console_state.get("event", {}).get("wall_token")
    await load.connect_wall(wall_token)
    await asyncio.sleep(1)
    rss0, _ = sample()
    load.log(f"console and wall connected; server RSS {rss0 and round(rss0, 1)} MB")

    load.log(f"connecting {len(tokens)} phones at {opts.ramp}/s ...")
    connect_s = await load.connect_phones()
    load.log(
        f"{len(load.phones)} phones connected and seated in {connect_s:.1f} s; "
        f"{len(load.connect_failed)} failed"
    )
    for reason in sorted(set(load.connect_failed))[:5]:
        load.log(f"  failure: {reason}")
    await asyncio.sleep(2)
    rss_n, _ = sample()
    load.log(f"server RSS with {len(load.phones)} phones: {rss_n and round(rss_n, 1)} MB")

    # The first round starts before the load (from the lobby): measured too, without load.
    await load.round_change("start_round", {"round": 1})
    idle_fanout = [b for b in load.broadcasts]
    load.broadcasts = []

    load.log(f"sending {opts.rate} notes/s for {opts.duration} s ...")
    spy = None
    if opts.py_spy and server:
        # Attach to the server for the load phase only (not the connect ramp).
        spy = subprocess.Popen(
            [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.pid),
             "-d", str(int(opts.duration)), "-r", "100", "--threads", "--nonblocking",
             "-f", opts.py_spy_format, "-o", opts.py_spy],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
    _, cpu0 = sample()
    wait0 = (runqueue_wait(server.pid) if server else 0.0, runqueue_wait("self"))
    self_cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = load.t_start = load.loop.time()
    until = t0 + opts.duration
    await asyncio.gather(load.notes(until), load.rounds(t0, until), load.lag_monitor(until))
    elapsed = load.loop.time() - t0
    rss_end, cpu1 = sample()
    wait1 = (runqueue_wait(server.pid) if server else 0.0, runqueue_wait("self"))
    self_cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    await load.drain()
    if spy is not None:
        _, err = await asyncio.to_thread(spy.communicate)
        load.log(f"py-spy: {err.decode(errors='replace').strip().splitlines()[-1:]}")

    stats.update(
        connect_s=round(connect_s, 1),
        rss0=rss0,
        rss_n=rss_n,
        rss_end=rss_end,
        server_cpu_pct=round((cpu1 - cpu0) / elapsed * 100, 1) if server else None,
        client_cpu_pct=round(
            (self_cpu1.ru_utime + self_cpu1.ru_stime - self_cpu0.ru_utime - self_cpu0.ru_stime)
            / elapsed
            * 100,
            1,
        ),
        elapsed=elapsed,
        # Time the server's event-loop thread (and the load generator) were ready to run but
        # another process had the CPU: on a shared machine, the part of the latency not ours.
        server_runq_wait_pct=round((wait1[0] - wait0[0]) / elapsed * 100, 1) if server else None,
        client_runq_wait_pct=round((wait1[1] - wait0[1]) / elapsed * 100, 1),
        idle_fanout=idle_fanout,
    )
    stats["connected_at_end"] = sum(1 for p in load.phones if p.connected)
    for phone in load.phones:
        phone.close()
    load.console.close()
    load.wall.close()
    await asyncio.sleep(0.2)
    return {"load": load, **stats}


def read_saved(db: Path, event_id: int | None, slug: str, prefix: str) -> dict[str, list[int]]:
    """Return client_id -> [note ids] of this run's notes, read with a separate sqlite3 connection."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if event_id is None:
            event_id = conn.execute("SELECT id FROM events WHERE slug = ?", [slug]).fetchone()[0]
        saved: dict[str, list[int]] = {}
        for client_id, note_id in conn.execute(
            "SELECT client_id, id FROM notes WHERE event_id = ? AND client_id LIKE ?",
            [event_id, prefix + "%"],
        ):
            saved.setdefault(client_id, []).append(note_id)
        return saved
    finally:
        conn.close()


def summarise(opts: argparse.Namespace, out: dict, saved: dict[str, list[int]] | None) -> dict:
    load: Load = out["load"]
    ok = {cid: a for cid, a in load.acks.items() if isinstance(a[1], dict) and a[1].get("ok")}
    refused = {cid: a for cid, a in load.acks.items() if cid not in ok}
    ack_ms = [(t - load.sent[cid]) * 1000 for cid, (t, _) in ok.items()]
    worst = max(ok.items(), key=lambda item: item[1][0] - load.sent[item[0]], default=None)
    worst_at = round(load.sent[worst[0]] - load.t_start, 1) if worst else None
    deliver_ms = []
    for cid, (_, ack) in ok.items():
        times = load.console_notes.get(ack["id"])
        if times:
            deliver_ms.append((times[0] - load.sent[cid]) * 1000)
    fanouts = [round((max(b.times) - b.t0) * 1000, 1) if b.times else None for b in load.broadcasts]
    # Where the slow acks come from: each round change, and the acks over 50 ms sent in each
    # 100 ms after it (or elsewhere), as "+offset_s: count (worst ms)".
    slow = sorted(
        (load.sent[cid] - load.t_start, (t - load.sent[cid]) * 1000)
        for cid, (t, _) in ok.items()
        if (t - load.sent[cid]) * 1000 > 50
    )
    timeline: dict[str, list[float]] = {}
    for at, ms in slow:
        before = [b for b in load.broadcasts if b.t0 - load.t_start <= at]
        if before:
            b = before[-1]
            key = f"{b.action}@{b.t0 - load.t_start:.1f}s +{(at - (b.t0 - load.t_start)):.1f}s"
        else:
            key = f"@{at:.1f}s"
        timeline.setdefault(key, []).append(ms)
    for key, values in timeline.items():
        load.log(f"  slow acks (>50 ms) sent {key}: {len(values)}, worst {max(values):.0f} ms")
    missing = sum(b.expected - len(b.times) for b in load.broadcasts)
    console_dupes = sum(len(t) - 1 for t in load.console_notes.values())
    ack_dupes = sum(1 for _, a in ok.values() if a.get("duplicate"))
    if saved is not None:
        lost = sum(1 for cid in ok if cid not in saved)
        db_dupes = sum(len(ids) - 1 for ids in saved.values())
        mismatched = sum(
            1 for cid, (_, a) in ok.items() if cid in saved and a["id"] not in saved[cid]
        )
        saved_n: int | None = sum(len(ids) for ids in saved.values())
    else:
        lost = db_dupes = mismatched = None
        saved_n = None
    n = len(load.phones)
    per_phone = None
    if out["rss0"] is not None and n:
        per_phone = round((out["rss_n"] - out["rss0"]) * 1024 / n, 1)
    idle = [round((max(b.times) - b.t0) * 1000, 1) for b in out["idle_fanout"] if b.times]
    result = {
        "target": "reference" if opts.reference else "cafe",
        "clients": len(load.tokens),
        "connected": n,
        "connect_failed": len(load.connect_failed),
        "connected_at_end": out["connected_at_end"],
        "rate": opts.rate,
        "duration_s": opts.duration,
        "sent": len(load.sent),
        "acked": len(ok),
        "refused": len(refused),
        "unacked": len(load.sent) - len(load.acks),
        "saved": saved_n,
        "lost": lost,
        "duplicates": (db_dupes or 0) + console_dupes + ack_dupes
        if saved is not None
        else console_dupes + ack_dupes,
        "id_mismatch": mismatched,
        "ack_p50_ms": percentile(ack_ms, 50),
        "ack_p99_ms": percentile(ack_ms, 99),
        "ack_max_ms": percentile(ack_ms, 100),
        "ack_max_sent_at_s": worst_at,
        "acks_over_100ms": sum(1 for a in ack_ms if a > 100),
        "deliver_p50_ms": percentile(deliver_ms, 50),
        "deliver_p99_ms": percentile(deliver_ms, 99),
        "delivered": len(deliver_ms),
        "round_changes": len(fanouts),
        "fanout_ms": fanouts,
        "fanout_max_ms": max((f for f in fanouts if f is not None), default=None),
        "fanout_missing": missing,
        "fanout_idle_ms": idle[0] if idle else None,
        "round_changed_supported": load.round_supported,
        "server_rss_mb": round(out["rss_end"], 1) if out["rss_end"] is not None else None,
        "server_rss_idle_mb": round(out["rss0"], 1) if out["rss0"] is not None else None,
        "server_rss_connected_mb": round(out["rss_n"], 1) if out["rss_n"] is not None else None,
        "mem_per_phone_kb": per_phone,
        "server_cpu_pct": out["server_cpu_pct"],
        "client_cpu_pct": out["client_cpu_pct"],
        "client_lag_p99_ms": percentile(load.lag, 99),
        "server_runq_wait_pct": out["server_runq_wait_pct"],
        "client_runq_wait_pct": out["client_runq_wait_pct"],
        "connect_s": out["connect_s"],
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform_cpu()}",
        "command": " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]),
    }
    if refused:
        result["refused_example"] = next(iter(refused.values()))[1]
    return result


def platform_cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def raise_nofile(needed: int) -> int:
    """Raise the soft open-files limit (inherited by the server we start); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    if soft != resource.RLIM_INFINITY and soft < needed:
        print(f"warning: open-files limit {soft} is below the {needed} this run needs", flush=True)
    return soft


def one_run(opts: argparse.Namespace) -> dict:
    """Prepare, start the server, load it, read the database, stop; return the result."""
    raise_nofile(opts.clients * 2 + 512)
    workdir = Path(tempfile.mkdtemp(prefix="cafe-load-"))
    server = redis = None
    db: Path | None = Path(opts.db) if opts.db else None
    event_id = None
    cookie = wall_token = None
    try:
        if opts.url:
            base = opts.url.rstrip("/")
            print(f"joining {opts.clients} participants over HTTP ...", flush=True)
            with ThreadPoolExecutor(16) as pool:
                tokens = list(pool.map(lambda _: join_http(base, opts.slug), range(opts.clients)))
        else:
            db = workdir / "bench.db"
            started = time.monotonic()
            prep = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--_prepare",
                    "--db",
                    str(db),
                    "--clients",
                    str(opts.clients),
                    "--tables",
                    str(opts.tables),
                    "--rounds",
                    str(opts.rounds),
                    "--slug",
                    opts.slug,
                    "--user",
                    opts.user,
                    "--password",
                    opts.password,
                    *(["--auto-wall"] if opts.auto_wall else []),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            if prep.returncode:
                raise RuntimeError(f"preparing the database failed:\n{prep.stderr[-3000:]}")
            prepared = json.loads(prep.stdout.strip().splitlines()[-1])
            tokens, event_id, wall_token = (
                prepared["tokens"],
                prepared["event_id"],
                prepared["wall_token"],
            )
            print(
                f"prepared {db}: event '{opts.slug}', {opts.tables} tables, {len(tokens)} "
                f"participants in {time.monotonic() - started:.1f} s",
                flush=True,
            )
            if opts.workers > 1 and not opts.message_queue:
                redis, opts.message_queue = start_redis(workdir)
            server = Server(opts, db, workdir)
            server.wait_ready()
            base = server.url
            print(f"server: {' '.join(server.cmd)} (pid {server.pid})", flush=True)
        if not opts.reference:
            cookie = login(base, opts.user, opts.password)
        tables = opts.tables
        # With --url and --pid, read the /proc figures of a server this script did not start.
        watched = server or (SimpleNamespace(pid=opts.pid) if opts.pid else None)
        out = asyncio.run(run_load(opts, base, tokens, tables, watched, cookie, wall_token))
        prefix = f"lb{out['load'].run_id}-"
        saved = read_saved(db, event_id, opts.slug, prefix) if db else None
        if server and server.process.poll() is not None:
            print(f"server died:\n{server.log.read_text()[-3000:]}", flush=True)
        result = summarise(opts, out, saved)
        if server:
            result["server_command"] = " ".join(server.cmd)
            log = server.log.read_text(errors="replace")
            errors = [ln for ln in log.splitlines() if "Traceback" in ln or "Error" in ln]
            result["server_log_errors"] = len(errors)
        return result
    finally:
        if server:
            server.stop()
        if redis is not None:
            redis.terminate()
            redis.wait(10)
        if not opts.keep:
            for path in sorted(workdir.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            workdir.rmdir()
        else:
            print(f"kept {workdir}", flush=True)


def show(result: dict) -> None:
    r = result
    print(
        f"\n[{r['target']}] {r['connected']}/{r['clients']} phones, {r['rate']} notes/s for "
        f"{r['duration_s']} s: sent {r['sent']}, acked {r['acked']}, refused {r['refused']}, "
        f"unacked {r['unacked']}, saved {r['saved']}, lost {r['lost']}, duplicates "
        f"{r['duplicates']}\n"
        f"  ack p50 {r['ack_p50_ms']} ms, p99 {r['ack_p99_ms']} ms, max {r['ack_max_ms']} ms; "
        f"note -> console p50 {r['deliver_p50_ms']} ms, p99 {r['deliver_p99_ms']} ms\n"
        f"  round change reaches all phones: max {r['fanout_max_ms']} ms {r['fanout_ms']} "
        f"(missing {r['fanout_missing']}; without load {r['fanout_idle_ms']} ms)\n"
        f"  server RSS {r['server_rss_idle_mb']} -> {r['server_rss_connected_mb']} -> "
        f"{r['server_rss_mb']} MB ({r['mem_per_phone_kb']} KB per phone), server CPU "
        f"{r['server_cpu_pct']}%, load generator CPU {r['client_cpu_pct']}% (loop lag p99 "
        f"{r['client_lag_p99_ms']} ms), load average {r['loadavg_1m']}; waiting for a CPU: "
        f"server {r['server_runq_wait_pct']}%, load generator {r['client_runq_wait_pct']}%\n"
        f"  command: {r['command']}",
        flush=True,
    )


RATIO_KEYS = (
    "ack_p50_ms",
    "ack_p99_ms",
    "deliver_p99_ms",
    "fanout_max_ms",
    "server_cpu_pct",
    "mem_per_phone_kb",
)


def ratios(cafe: dict, ref: dict) -> dict:
    out = {}
    for key in RATIO_KEYS:
        a, b = cafe.get(key), ref.get(key)
        out[key] = round(a / b, 2) if a is not None and b else None
    return out


def subprocess_run(argv: list[str]) -> dict:
    """Run one configuration in a fresh process (so sockets and memory start clean)."""
    cmd = [sys.executable, __file__, *argv, "--json"]
    print(f"$ {' '.join(shlex.quote(c) for c in cmd)}", flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode:
        print(proc.stdout[-2000:], proc.stderr[-3000:], flush=True)
        raise RuntimeError(f"run failed: {cmd}")
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        if (
            line.startswith(("[", "  ack", "  round", "  server RSS", "  "))
            or "phones connected" in line
        ):
            print("   ", line, flush=True)
    return json.loads(lines[-1])


def common_argv(opts: argparse.Namespace) -> list[str]:
    argv = [
        "--duration",
        str(opts.duration),
        "--round-every",
        str(opts.round_every),
        "--ramp",
        str(opts.ramp),
    ]
    if opts.auto_wall:
        argv.append("--auto-wall")
    if opts.workers > 1:
        argv += ["--workers", str(opts.workers)]
    if opts.switch_interval:
        argv += ["--switch-interval", str(opts.switch_interval)]
    return argv


def cell(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def matrix(opts: argparse.Namespace) -> list[dict]:
    runs = []
    for clients in [int(c) for c in opts.matrix.split(",")]:
        for rate in [float(r) for r in opts.rates.split(",")]:
            for reference in [False, True] if not opts.cafe_only else [False]:
                argv = ["--clients", str(clients), "--rate", f"{rate:g}", *common_argv(opts)]
                if reference:
                    argv.append("--reference")
                runs.append(subprocess_run(argv))
    print(
        "\n| phones | notes/s | server | connected | sent | acked | saved | lost | dup | "
        "ack p50 ms | ack p99 ms | note->console p99 ms | round change max ms | "
        "server CPU % | RSS MB | KB/phone | loadgen CPU % |"
    )
    print("| " + " | ".join(["---"] * 17) + " |")
    for r in runs:
        print(
            "| "
            + " | ".join(
                cell(v)
                for v in (
                    r["clients"],
                    r["rate"],
                    r["target"],
                    r["connected"],
                    r["sent"],
                    r["acked"],
                    r["saved"],
                    r["lost"],
                    r["duplicates"],
                    r["ack_p50_ms"],
                    r["ack_p99_ms"],
                    r["deliver_p99_ms"],
                    r["fanout_max_ms"],
                    r["server_cpu_pct"],
                    r["server_rss_mb"],
                    r["mem_per_phone_kb"],
                    r["client_cpu_pct"],
                )
            )
            + " |"
        )
    pairs = [
        (a, b)
        for a, b in zip(runs, runs[1:], strict=False)
        if a["target"] == "cafe"
        and b["target"] == "reference"
        and (a["clients"], a["rate"]) == (b["clients"], b["rate"])
    ]
    if pairs:
        print("\nRatio cafe / reference:\n\n| phones | notes/s | " + " | ".join(RATIO_KEYS) + " |")
        print("| " + " | ".join(["---"] * (2 + len(RATIO_KEYS))) + " |")
        for a, b in pairs:
            rr = ratios(a, b)
            print(
                f"| {a['clients']} | {cell(a['rate'])} | "
                + " | ".join(cell(rr[k]) for k in RATIO_KEYS)
                + " |"
            )
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", "-n", type=int, default=500, help="simulated phones (default 500)")
    p.add_argument("--rate", "-r", type=float, default=50, help="notes per second, all phones")
    p.add_argument("--duration", "-s", type=float, default=30, help="seconds of notes")
    p.add_argument(
        "--round-every",
        type=float,
        default=30,
        help="seconds between round changes (first at half of it; default 30)",
    )
    p.add_argument(
        "--round-timeout",
        type=float,
        default=10,
        help="seconds to wait for a console ack and for every phone's round_changed",
    )
    p.add_argument("--ramp", type=float, default=500, help="phone connects started per second")
    p.add_argument("--concurrency", type=int, default=200, help="connects in flight at most")
    p.add_argument("--tables", type=int, default=0, help="tables (default: one per 10 phones)")
    p.add_argument("--rounds", type=int, default=20, help="rounds in the plan (max 20)")
    p.add_argument(
        "--auto-wall",
        action="store_true",
        help="notes need no approval, so every note also goes to the wall",
    )
    p.add_argument("--drain", type=float, default=15, help="seconds to wait for late acks")
    p.add_argument(
        "--reference",
        action="store_true",
        help="run against bench/reference_server.py instead of cafe serve",
    )
    p.add_argument("--compare", action="store_true", help="run against cafe, then the reference")
    p.add_argument("--matrix", default="", help="comma-separated phone counts: run a grid")
    p.add_argument("--rates", default="50,200", help="with --matrix: comma-separated rates")
    p.add_argument("--cafe-only", action="store_true", help="with --matrix: skip the reference")
    p.add_argument("--url", default="", help="target a running server instead of starting one")
    p.add_argument("--db", default="", help="with --url: its database file, to count saved notes")
    p.add_argument("--slug", default="bench")
    p.add_argument("--user", default="bench")
    p.add_argument("--password", default="bench-password-123")
    p.add_argument("--pid", type=int, default=0, help="with --url: the server's process id")
    p.add_argument("--port", type=int, default=0)
    p.add_argument(
        "--workers", type=int, default=1,
        help="cafe serve --workers N (starts a private redis-server unless --message-queue)",
    )  # fmt: skip
    p.add_argument("--message-queue", default="", help="with --workers: a running Redis URL")
    p.add_argument("--py-spy", default="", help="profile the server with py-spy into this file")
    p.add_argument("--py-spy-format", default="raw", help="flamegraph, raw or speedscope")
    p.add_argument(
        "--switch-interval",
        type=float,
        default=0,
        help="experiment: run the server with sys.setswitchinterval(this many seconds)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--json", action="store_true", help="print the result as JSON on the last line")
    p.add_argument("--_prepare", action="store_true", help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if not opts.tables:
        opts.tables = max(2, min(500, math.ceil(opts.clients / 10)))
    opts.rounds = max(2, min(20, opts.rounds))
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    if opts._prepare:
        prepare(opts)
        return
    if opts.matrix:
        runs = matrix(opts)
        if opts.json:
            print(json.dumps({"runs": runs}))
        return
    if opts.compare:
        argv_ = ["--clients", str(opts.clients), "--rate", f"{opts.rate:g}", *common_argv(opts)]
        cafe = subprocess_run(argv_)
        ref = subprocess_run([*argv_, "--reference"])
        for r in (cafe, ref):
            show(r)
        rr = ratios(cafe, ref)
        print("\nratio cafe / reference: " + ", ".join(f"{k} {cell(v)}" for k, v in rr.items()))
        if opts.json:
            print(json.dumps({**cafe, "reference": ref, "ratio": rr}))
        return
    result = one_run(opts)
    show(result)
    if opts.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
