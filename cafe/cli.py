"""The `cafe` command."""

from __future__ import annotations

import json
import os
import socket
import sys
from typing import Any

import click


def main() -> None:
    """Run the `cafe` command (for `serve`, cafe/__init__ has already applied gevent's patches)."""
    cli()


def _app(**config: Any):
    from cafe import create_app

    return create_app(config or None)


def _database_file() -> Any:
    """Return the absolute path of the database the settings name (CAFE_DB), None for memory."""
    from pathlib import Path

    from cafe.settings import setting

    raw = str(setting("DATABASE"))
    return None if raw == ":memory:" else Path(raw).absolute()


def _require_database() -> None:
    """Refuse, for a command that reads or changes existing data, when there is no database yet:
    run from another folder, `instance/cafe.db` would quietly be a new, empty file."""
    path = _database_file()
    if path is not None and not path.exists():
        raise click.ClickException(
            f"No Café database at {path}. Run Café from its project folder, or set CAFE_DB."
        )


def _warn_if_new_database(demo: bool = False) -> None:
    """Say on stderr when a command is about to create a new, empty database."""
    path = _database_file()
    if path is None or path.exists():
        return
    if demo:
        click.echo(f"Creating a new Café database at {path}.", err=True)
        return
    click.secho(
        f"No Café database at {path}: a new, empty one is being created. "
        "Run Café from its project folder, or set CAFE_DB.",
        fg="yellow",
        err=True,
    )


@click.group()
@click.version_option(package_name="cafe")
def cli() -> None:
    """Café: run a World Café from a laptop, live notes from phones, themes and briefings."""


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


@cli.command()
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
        _warn_if_new_database(demo=demo)
    config: dict[str, Any] = {"CAFE_ASYNC_MODE": "gevent", "CAFE_WORKER_INDEX": worker_index}
    if message_queue is not None:
        config["CAFE_MESSAGE_QUEUE"] = message_queue
    app = _app(**config)
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
    from cafe.web import is_loopback

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
    """Let Ctrl+C stop the server without gevent printing the interrupt as an error first."""
    try:
        from gevent import get_hub
    except ImportError:  # pragma: no cover - a dependency
        return
    hub = get_hub()
    if KeyboardInterrupt not in hub.NOT_ERROR:
        hub.NOT_ERROR = (*hub.NOT_ERROR, KeyboardInterrupt)


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
                    click.secho(f"Worker {index} exited ({child.returncode}); restarting.", err=True)
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


@cli.command()
@click.option("--slug", default="demo", show_default=True, help="Slug of the demo event.")
def demo(slug: str) -> None:
    """(Re)create the demo event with about 150 notes.

    Example: cafe demo
    """
    from cafe.demo import do_create_demo

    _warn_if_new_database(demo=True)
    app = _app()
    with app.app_context():
        event = do_create_demo(slug)
    click.echo(
        f"Demo event '{event['title']}' ready: slug {event['slug']}, join code {event['code']}."
    )


@cli.group()
def plan() -> None:
    """Event plans (sessions/*.toml)."""


@plan.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def plan_check(files: tuple[str, ...]) -> None:
    """Validate plan files and report each problem with its line and field.

    Example: cafe plan check sessions/demo.toml
    """
    from cafe.plans import PlanError, load_plan

    failed = False
    for path in files:
        try:
            plan_ = load_plan(path)
        except PlanError as exc:
            failed = True
            for problem in exc.problems:
                where = f":{problem.line}" if problem.line else ""
                click.echo(f"{path}{where}: {problem.field}: {problem.message}", err=True)
            continue
        click.echo(
            f"{path}: ok ({len(plan_.tables)} tables, {len(plan_.rounds)} rounds, "
            f"{len(plan_.frames)} frames)"
        )
    if failed:
        raise SystemExit(1)


@cli.group()
def event() -> None:
    """Events."""


@event.command("create")
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option("--slug", default=None, help="Slug (default: the plan's).")
@click.option(
    "--replace", is_flag=True, help="Replace an existing event with this slug (deletes its notes)."
)
def event_create(plan_file: str, slug: str | None, replace: bool) -> None:
    """Create an event from a plan file.

    Example: cafe event create sessions/partnership-cafe.toml
    """
    from cafe.actions import Refused, do_create_event
    from cafe.plans import PlanError, load_plan

    try:
        plan_ = load_plan(plan_file)
    except PlanError as exc:
        raise click.ClickException(f"{plan_file}: {exc}") from None
    _warn_if_new_database()
    app = _app()
    with app.app_context():
        try:
            created = do_create_event(plan_, slug=slug, replace=replace)
        except Refused as exc:
            if exc.code == "slug_taken":
                raise click.ClickException(
                    f"{exc.message} Give this one another slug with --slug NEW-SLUG (or change "
                    f"`slug` in {plan_file}), or use --replace to replace the existing event "
                    "(that deletes its notes)."
                ) from None
            raise click.ClickException(exc.message) from None
    click.echo(
        f"Created '{created['title']}': slug {created['slug']}, join code {created['code']}."
    )


@event.command("list")
def event_list() -> None:
    """List events.

    Example: cafe event list
    """
    from cafe import queries
    from cafe.db import reading

    _require_database()
    app = _app()
    with app.app_context(), reading() as db:
        for row in queries.events(db):
            click.echo(f"{row['slug']}\t{row['code']}\t{row['status']}\t{row['title']}")


@cli.group()
def user() -> None:
    """Staff accounts."""


def _password(given: str | None, prompt: str) -> tuple[str, bool]:
    """Return the password to set (asked for, or generated for '-') and whether it was generated."""
    if given == "-":
        from cafe.actions import new_password

        return new_password(), True
    if given is None:
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True), False
    return given, False


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "facilitator", "staff", "safeguarding"]),
    default="facilitator",
    show_default=True,
)
@click.option("--password", default=None, help="Password (default: prompt; '-' to generate one).")
def user_add(username: str, role: str, password: str | None) -> None:
    """Add a staff account.

    Example: cafe user add amina --role safeguarding
    """
    from cafe.actions import Refused, do_create_user

    password, generated = _password(password, "Password")
    _warn_if_new_database()
    app = _app()
    with app.app_context():
        try:
            do_create_user(username, password, role)
        except Refused as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Added {username} ({role}).")
    if generated:
        click.echo(f"Password (shown once): {password}")


@user.command("list")
def user_list() -> None:
    """List staff accounts.

    Example: cafe user list
    """
    from cafe import queries
    from cafe.db import reading

    _require_database()
    app = _app()
    with app.app_context(), reading() as db:
        for row in queries.users(db):
            state = "disabled" if row["disabled"] else "active"
            click.echo(f"{row['username']}\t{row['role']}\t{state}")


def _change_account(change: str, username: str) -> None:
    """Run one of the account actions (`do_disable_user`, `do_enable_user`) on `username`."""
    import cafe.actions as actions

    _require_database()
    app = _app()
    with app.app_context():
        try:
            getattr(actions, change)(username)
        except actions.Refused as exc:
            raise click.ClickException(exc.message) from None


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable an account; its sessions end at once (open consoles are cut off within seconds).

    Example: cafe user disable bob
    """
    _change_account("do_disable_user", username)
    click.echo(f"Disabled {username}; all its sessions are ended.")


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Enable a disabled account again; it logs in afresh.

    Example: cafe user enable bob
    """
    _change_account("do_enable_user", username)
    click.echo(f"Enabled {username}.")


@user.command("passwd")
@click.argument("username")
@click.option(
    "--password", default=None, help="New password (default: prompt; '-' to generate one)."
)
def user_passwd(username: str, password: str | None) -> None:
    """Set a new password for an account (ending its sessions).

    Example: cafe user passwd amina
    """
    from cafe.actions import Refused, do_set_password

    _require_database()
    password, generated = _password(password, "New password")
    app = _app()
    with app.app_context():
        try:
            do_set_password(username, password)
        except Refused as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Password changed for {username}; its sessions are ended.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@cli.command()
@click.argument("event_slug", required=False)
@click.option(
    "--expired", is_flag=True, help="Purge every event past its retention period instead."
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def purge(event_slug: str | None, expired: bool, yes: bool) -> None:
    """Delete an event's notes and participants for real (secure delete, WAL checkpoint).

    Example: cafe purge spring-cafe --yes
    """
    from cafe import queries
    from cafe.actions import do_purge_event, do_purge_expired
    from cafe.db import reading

    _require_database()
    app = _app()
    with app.app_context():
        if expired:
            click.echo(f"Purged: {', '.join(do_purge_expired()) or 'nothing was due'}.")
            return
        if not event_slug:
            raise click.UsageError("Name an event, or use --expired.")
        with reading() as db:
            event = queries.event_by_slug(db, event_slug)
        if event is None:
            raise click.ClickException(f"There is no event {event_slug!r}.")
        if not yes:
            click.confirm(f"Delete every note of '{event['title']}' for good?", abort=True)
        counts = do_purge_event(event)
    click.echo(f"Purged {counts['notes']} notes and {counts['participants']} participants.")


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False))
def backup(target: str) -> None:
    """Back up the database with SQLite's backup API (safe while the server runs).

    Example: cafe backup backups/cafe-2026-11-21.db
    """
    from cafe.actions import do_backup

    _require_database()
    app = _app()
    try:
        do_backup(app.config["CAFE_DATABASE"], target)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    size = os.path.getsize(target)
    click.echo(f"Backed up to {os.path.abspath(target)} ({_file_size(size)}).")


def _file_size(size: int) -> str:
    """Return a file size as people read it: 812 bytes, 40.5 KB, 1.2 MB, 340 MB."""
    if size < 1000:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        amount /= 1000
        if amount < 1000 or unit == "TB":
            break
    return f"{amount:.1f} {unit}" if amount < 100 else f"{amount:.0f} {unit}"


@cli.command()
@click.argument("backup_file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(backup_file: str, yes: bool) -> None:
    """Replace the database with a backup (stop the server first).

    Copies through SQLite, so a leftover cafe.db-wal cannot replay newer changes on top.

    Example: cafe restore backups/cafe-2026-11-21.db
    """
    import sqlite3
    from pathlib import Path

    from cafe.actions.retention import (
        RestoreRefused,
        check_backup,
        check_not_in_use,
        database_counts,
        do_restore,
    )
    from cafe.settings import setting

    target = Path(setting("DATABASE")).absolute()

    def described(counts: dict[str, int]) -> str:
        return f"{counts['events']} events, {counts['notes']} notes, {counts['users']} accounts"

    try:
        incoming = check_backup(backup_file)
        check_not_in_use(target)
        now_held = "nothing yet (a new file)"
        if target.exists():
            try:
                now_held = described(database_counts(target))
            except sqlite3.Error:
                now_held = "a file that is not a readable Café database"
        if not yes:
            click.confirm(
                f"Replace everything in {target} ({now_held}) with {backup_file} "
                f"({described(incoming)})?",
                abort=True,
            )
        counts = do_restore(backup_file, target)
    except RestoreRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {target} from {backup_file}: {described(counts)}.")
    key = target.with_name("secret_key")
    if key.exists():
        click.echo(
            f"The secret key {key} is kept: staff logged in before the backup stay logged in."
        )
    else:
        click.echo(
            f"No secret key at {key}: copy the one kept with your backup there before starting, "
            "or a new one is made and everyone logs in again."
        )


@cli.command()
@click.option("--participants", "-n", type=click.IntRange(1, 20_000), required=True, help="People.")
@click.option("--tables", "-t", type=click.IntRange(1, 5_000), required=True, help="Tables.")
@click.option("--rounds", "-r", type=click.IntRange(1, 50), required=True, help="Rounds.")
@click.option(
    "--hosts",
    type=click.IntRange(0, 5_000),
    default=None,
    help="Hosts: participants 0..H-1 host tables 0..H-1 (default: one per table).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed (same seed, same plan).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def rotation(
    participants: int, tables: int, rounds: int, hosts: int | None, seed: int, as_json: bool
) -> None:
    """Plan who sits where each round: hosts stay, travellers move, fewest repeat meetings.

    Example: cafe rotation --participants 60 --tables 12 --rounds 4 --seed 1 --json
    """
    from cafe.seating import rotation_for_cli

    try:
        plan_ = rotation_for_cli(participants, tables, rounds, hosts, seed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(plan_))
        return
    for number, seating in enumerate(plan_["rounds"], start=1):
        click.echo(f"Round {number}")
        for table, people in enumerate(seating):
            click.echo(f"  table {table}: {' '.join(map(str, people))}")
    click.echo(f"Pairs who meet more than once: {plan_['repeat_pairs']}")


@cli.command("eval")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--k",
    "k",
    default="true",
    show_default=True,
    help="Number of themes: a number, 'true' (the number of labels) or 'auto'.",
)
@click.option(
    "--embeddings", is_flag=True, help="Use sentence embeddings (needs cafe[embeddings])."
)
@click.option("--sample", type=click.IntRange(2, None), default=None, help="Score a random sample.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
def eval_command(
    csv_path: str, k: str, embeddings: bool, sample: int | None, seed: int, as_json: bool
) -> None:
    """Cluster a labelled CSV (`text,label`) and score the themes: NMI, ARI, accuracy.

    Example: cafe eval notes.csv --k auto --json
    """
    from cafe.synthesis.evaluate import evaluate_csv

    if k not in ("true", "auto"):
        try:
            k = int(k)
        except ValueError:
            raise click.BadParameter("use a number, 'true' or 'auto'", param_hint="--k") from None
    try:
        scores = evaluate_csv(csv_path, k=k, embeddings=embeddings, sample=sample, seed=seed)
    except Exception as exc:  # noqa: BLE001 - a bad file or a missing extra gets one clear line
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{scores['n']} notes, {scores['k']} themes in {scores['seconds']:.1f} s: "
        f"NMI {scores['nmi']:.3f}, ARI {scores['ari']:.3f}, accuracy {scores['acc']:.3f}"
    )
    if as_json:
        click.echo(json.dumps(scores))


@cli.command("export")
@click.argument("event_slug")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "docx", "html", "csv", "json", "zip"]),
    required=True, help="md, docx, html, csv, json, or zip (all of them and the word clouds).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True, help="File to write.")
@click.option("--theme", "themes", multiple=True, help="Only this theme (by key); may be repeated.")
@click.option("--frame", default=None, help="Only the themes under this frame.")
def export_command(event_slug: str, fmt: str, output: str, themes: tuple[str, ...],
                   frame: str | None) -> None:
    """Export a briefing draft and the notes with provenance from the event's current themes.

    Example: cafe export demo --format docx --output demo-briefing.docx
    """
    from pathlib import Path

    from cafe import queries
    from cafe.briefing import NoThemes, Selection, load_clouds, load_result, load_source
    from cafe.briefing.export import event_export, render
    from cafe.db import reading

    _require_database()
    app = _app()
    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, event_slug)
        if event is None:
            raise click.ClickException(f"There is no event {event_slug!r}.")
        try:
            result = load_result(db, event["id"])
        except NoThemes as exc:
            raise click.ClickException(f"{exc} (cafe synthesize {event_slug})") from None
        try:
            selection = Selection("frame" if frame else "themes" if themes else "all", themes, frame)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        if selection.kind != "all" and not selection.pick(result):
            raise click.ClickException("No theme matches --theme/--frame.")
        source = load_source(db, event)
        stored = load_clouds(db, result)
    _, inp = event_export(source, result, selection, stored)
    data = render(inp, fmt)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    click.echo(f"Wrote {target} ({len(data):,} bytes, {len(inp.rows)} notes, "
               f"{len(inp.clouds)} word clouds).")
@cli.command()
@click.argument("event_slug", required=False)
@click.option("--k", "k", default="auto", show_default=True, help="Number of themes, or 'auto'.")
@click.option(
    "--embeddings", is_flag=True, help="Use sentence embeddings (needs cafe[embeddings])."
)
@click.option("--no-frames", is_flag=True, help="Ignore the plan's frames.")
@click.option(
    "--job", type=int, default=None, hidden=True, help="Worker for a queued run (internal)."
)
def synthesize(
    event_slug: str | None, k: str, embeddings: bool, no_frames: bool, job: int | None
) -> None:
    """Theme an event's notes now, keeping staff's locked themes, exclusions and moves.

    Progress goes to stderr and a summary to stdout; the themes appear in the staff workspace.

    Example: cafe synthesize demo --k 8
    """
    if job is not None:
        from cafe.actions.synthesis_runs import worker_main

        raise SystemExit(worker_main(job, os.environ.get("CAFE_DB", "instance/cafe.db")))
    if not event_slug:
        raise click.UsageError("Name an event, e.g. cafe synthesize demo.")
    _require_database()
    from cafe import queries
    from cafe.actions import Refused
    from cafe.actions.synthesis import current_result
    from cafe.actions.synthesis_runs import do_start_run, run_foreground
    from cafe.db import get_writer, reading

    app = _app()
    with app.app_context():
        with reading() as db:
            event = queries.event_by_slug(db, event_slug)
        if event is None:
            raise click.ClickException(f"There is no event {event_slug!r}.")
        try:
            run = do_start_run(
                event, "command line", n_themes=k, embeddings=embeddings, frames=not no_frames
            )
        except Refused as exc:
            raise click.ClickException(str(exc.message)) from None

        def progress(fraction: float, message: str) -> None:
            click.echo(f"[{fraction * 100:3.0f}%] {message}", err=True)

        try:
            with reading() as db:
                detail = run_foreground(get_writer(), db, run["id"], progress)
        except Exception as exc:  # noqa: BLE001 - one clear line; the run is marked failed
            raise click.ClickException(f"Synthesis failed: {exc}") from None
        with reading() as db:
            result = current_result(db, event["id"])
    click.echo(
        f"{len(result.themes)} themes from {result.params.get('n_notes', 0)} notes "
        f"({len(result.unthemed)} not yet themed, {detail['locked_kept']} locked themes kept):"
    )
    for theme in result.themes:
        click.echo(f"  {len(theme.note_ids):4d}  {theme.label}")
