"""The `cafe serve` command: one server, or several workers behind a message queue."""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

import click

from cafe.cli.app import make_app, warn_if_new_database


def lan_address() -> str:
    """Return this machine's address on the local network (127.0.0.1 if it has none)."""
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = info[4][0]
            if not address.startswith("127."):
                return address
    except OSError:
        pass
    # connect() on a UDP socket sends nothing; it only asks the OS which interface it would use.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit to the hard limit: every phone holds a socket."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft < 4096:
        click.secho(
            f"Warning: this process may open only {soft} files, so at most about "
            f"{soft - 100} phones can connect (raise `ulimit -n`).",
            fg="red",
            err=True,
        )
    return soft


def _bootstrap_demo(app) -> None:
    """On first start: a facilitator account (password printed once) and the demo event."""
    from cafe import actions, queries
    from cafe.db import reading
    from cafe.demo import do_create_demo

    with app.app_context():
        with reading() as db:
            has_users = bool(queries.users(db))
            has_demo = queries.event_by_slug(db, "demo") is not None
        if not has_users:
            password = actions.new_password()
            actions.do_create_user("facilitator", password, "facilitator")
            click.secho("\nCreated a facilitator account (shown once, keep it safe):", bold=True)
            click.echo(f"  user name: facilitator\n  password:  {password}\n")
        if not has_demo:
            do_create_demo()
            click.echo("Loaded the demo event from sessions/demo.toml (slug 'demo').")


@click.command()
@click.option("--host", default=None, help="Address to bind (default CAFE_HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default CAFE_PORT or 5000).")
@click.option(
    "--lan", is_flag=True, help="Bind the LAN address so phones on the same Wi-Fi can join."
)
@click.option(
    "--https", "https", is_flag=True,
    help="Serve HTTPS with a certificate made on this laptop (phones warn once; compare the "
    "fingerprint printed).",
)
@click.option(
    "--demo", is_flag=True, help="On first start, create a facilitator and the demo event."
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes on consecutive ports from --port (default CAFE_WORKERS or 1).",
)
@click.option(
    "--message-queue",
    default=None,
    help="Redis URL the workers share, e.g. redis://127.0.0.1:6379/0 (default CAFE_MESSAGE_QUEUE).",
)
@click.option("--worker-index", default=0, type=int, hidden=True)
def serve(
    host: str | None,
    port: int | None,
    lan: bool,
    https: bool,
    demo: bool,
    workers: int | None,
    message_queue: str | None,
    worker_index: int,
) -> None:
    """Serve Café with Socket.IO on gevent (one process, one SQLite writer).

    With --workers N and --message-queue, N processes serve on ports PORT .. PORT+N-1 and share
    broadcasts through Redis; put them behind nginx with sticky sessions (docs/SCALING.md).

    Example: cafe serve --lan
    """
    from cafe import db as cafe_db
    from cafe import qr, queries, socketio
    from cafe.db import reading

    raise_open_files_limit()
    if not worker_index:
        warn_if_new_database(demo=demo)
    config: dict[str, Any] = {"CAFE_ASYNC_MODE": "gevent", "CAFE_WORKER_INDEX": worker_index}
    if message_queue is not None:
        config["CAFE_MESSAGE_QUEUE"] = message_queue
    app = make_app(**config)
    workers = workers or app.config["CAFE_WORKERS"]
    if workers > 1:
        if not app.config["CAFE_MESSAGE_QUEUE"]:
            raise click.UsageError(
                "--workers needs --message-queue redis://HOST:PORT (or CAFE_MESSAGE_QUEUE)."
            )
        _check_message_queue(app.config["CAFE_MESSAGE_QUEUE"])
    try:
        warning = cafe_db.check_writable(app.extensions["cafe.writer"])
        if warning:
            click.secho(warning, fg="red", err=True)
    except cafe_db.NotWritable as exc:
        raise click.ClickException(f"{exc} Check the disk and the file's permissions.") from None
    host = host or ("0.0.0.0" if lan else app.config["CAFE_HOST"])
    port = port or app.config["CAFE_PORT"]
    # Bound to every interface: phones need this machine's LAN address, not 0.0.0.0.
    shown = lan_address() if lan or host in ("0.0.0.0", "::") else host
    derived = not app.config["CAFE_PUBLIC_URL"]
    tls: dict[str, str] = {}
    if https:  # issue 19: plain HTTP on venue Wi-Fi exposes every note (README, Privacy)
        from cafe.tls import fingerprint, lan_certificate

        if workers > 1:
            raise click.UsageError("--https serves one process; with --workers put nginx with TLS "
                                   "in front (docs/SCALING.md).")
        folder = os.path.dirname(os.path.abspath(app.config["CAFE_DATABASE"]))
        cert, key = lan_certificate(folder, shown)
        tls = {"certfile": str(cert), "keyfile": str(key)}
        app.config["SESSION_COOKIE_SECURE"] = True
        click.echo(f"HTTPS certificate {cert} (SHA-256 {fingerprint(cert)})")
    if derived:
        app.config["CAFE_PUBLIC_URL"] = f"{'https' if https else 'http'}://{shown}:{port}"
    base = app.config["CAFE_PUBLIC_URL"].rstrip("/")
    if demo:
        _bootstrap_demo(app)
    click.echo(cafe_db.sqlite_mode())
    click.echo(f"Database: {os.path.abspath(app.config['CAFE_DATABASE'])}")
    with app.app_context(), reading() as db:
        events = queries.events(db)
    click.echo(f"Facilitator console: {base}/console/")
    for event in events[:3]:
        click.echo(
            f"Participants join '{event['title']}' at {base}/e/{event['slug']}/ "
            f"(code {event['code']})"
        )
    if events:
        click.echo(qr.terminal(f"{base}/e/{events[0]['slug']}/"))
    from cafe.web.addresses import is_loopback

    if is_loopback(base) and lan and derived:
        click.echo(
            "--lan found no network on this laptop, so phones cannot reach it yet: join the "
            "venue's Wi-Fi or turn on the laptop's hotspot, then start Café again."
        )
    elif is_loopback(base):
        click.echo(
            f"Phones cannot open {base}: it only works on this laptop. To let phones join, "
            "start Café with `cafe serve --lan` (or set CAFE_PUBLIC_URL). Printed cards carry "
            "the address they were printed with."
        )
    if workers > 1:
        cafe_db.close_app(app)
        _run_workers(workers, host, port, app.config["CAFE_MESSAGE_QUEUE"], base)
        return
    if app.config["CAFE_MESSAGE_QUEUE"]:
        _check_message_queue(app.config["CAFE_MESSAGE_QUEUE"])
    from cafe.live.common import housekeeping
    from cafe.offloop import tune_collector

    socketio.start_background_task(housekeeping, app)
    import time

    from cafe.safety import warm

    # Before the port opens, so no note ever waits for the screen: this machine's kept copy of
    # the model loads in about a second; the first start ever trains it (a few seconds).
    started = time.perf_counter()
    warm()
    click.echo(f"Safety checks ready ({time.perf_counter() - started:.1f} s)")
    from cafe.live.revocation import watch_revocations  # issue 19: ended logins cut off at once

    socketio.start_background_task(watch_revocations, app)
    tune_collector()  # after the app and the imports: see cafe/offloop.py
    click.echo(f"Serving on {'https' if https else 'http'}://{host}:{port} (Ctrl+C to stop)")
    sys.stdout.flush()
    _quiet_interrupt()
    if tls:
        from cafe.tls import quiet_handshake_errors

        quiet_handshake_errors()
    try:
        socketio.run(app, host=host, port=port, log_output=False, use_reloader=False, **tls)
    except KeyboardInterrupt:
        click.echo("Café stopped.")


def _quiet_interrupt() -> None:
    """Let Ctrl+C stop the server quietly: the hub hands it to the serving greenlet alone.

    Python would raise it in whichever greenlet runs at that instant; one that waits on the
    database pool catches every error for its callers, so the server sometimes kept running.
    """
    try:
        import gevent
    except ImportError:  # pragma: no cover - a dependency
        return
    import signal

    hub = gevent.get_hub()
    serving = hub.parent
    gevent.signal_handler(
        signal.SIGINT, lambda: hub.loop.run_callback(serving.throw, KeyboardInterrupt)
    )


def _check_message_queue(url: str) -> None:
    """Refuse to start when the message queue cannot be reached (say so plainly)."""
    try:
        import redis
    except ImportError:  # pragma: no cover - a dependency
        raise click.ClickException("The message queue needs the 'redis' package.") from None
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        raise click.ClickException(f"Cannot reach the message queue {url}: {exc}") from None


def _run_workers(workers: int, host: str, port: int, queue: str, public_url: str) -> None:
    """Start `workers` processes on ports port .. port+workers-1; restart any that dies."""
    import signal
    import subprocess
    import time

    # Every worker prints and encodes in QR codes the same address (nginx's, when set).
    env = {**os.environ, "CAFE_PUBLIC_URL": public_url}

    def start(index: int) -> subprocess.Popen:
        argv = [sys.executable, "-m", "cafe", "serve", "--host", host, "--port", str(port + index)]
        argv += ["--message-queue", queue, "--workers", "1", "--worker-index", str(index)]
        return subprocess.Popen(argv, env=env)

    children = [start(i) for i in range(workers)]
    click.echo(
        f"Started {workers} workers on http://{host}:{port} .. {port + workers - 1} sharing {queue}; "
        "put them behind nginx with sticky sessions (docs/SCALING.md)."
    )
    sys.stdout.flush()
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping:
            time.sleep(0.5)
            for index, child in enumerate(children):
                if child.poll() is not None and not stopping:
                    click.secho(
                        f"Worker {index} exited ({child.returncode}); restarting.", err=True
                    )
                    children[index] = start(index)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
