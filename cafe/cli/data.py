"""The data commands: `cafe purge`, `cafe backup`, `cafe restore` and `cafe export`."""

from __future__ import annotations

import os

import click

from cafe.cli.app import make_app, require_database


@click.command()
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

    require_database()
    app = make_app()
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


@click.command()
@click.argument("target", type=click.Path(dir_okay=False))
def backup(target: str) -> None:
    """Back up the database with SQLite's backup API (safe while the server runs).

    Example: cafe backup backups/cafe-2026-11-21.db
    """
    from cafe.actions import do_backup

    require_database()
    app = make_app()
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


@click.command()
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


@click.command("export")
@click.argument("event_slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "docx", "html", "csv", "json", "zip"]),
    required=True,
    help="md, docx, html, csv, json, or zip (all of them and the word clouds).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), required=True, help="File to write."
)
@click.option("--theme", "themes", multiple=True, help="Only this theme (by key); may be repeated.")
@click.option("--frame", default=None, help="Only the themes under this frame.")
@click.option(
    "--checked", is_flag=True,
    help="Export even though some notes look like a disclosure now or could not be screened "
    "(after a person has read them on the safety check page).",
)
def export_command(
    event_slug: str, fmt: str, output: str, themes: tuple[str, ...], frame: str | None,
    checked: bool,
) -> None:
    """Export a briefing draft and the notes with provenance from the event's current themes.

    Example: cafe export demo --format docx --output demo-briefing.docx
    """
    from pathlib import Path

    from cafe import queries
    from cafe.actions.safety_check import export_check
    from cafe.briefing import Selection
    from cafe.briefing.export import render
    from cafe.briefing.export_input import event_export
    from cafe.briefing_reads import NoThemes, load_clouds, load_result, load_source
    from cafe.db import reading

    require_database()
    app = make_app()
    with app.app_context(), reading() as db:
        event = queries.event_by_slug(db, event_slug)
        if event is None:
            raise click.ClickException(f"There is no event {event_slug!r}.")
        try:
            result = load_result(db, event["id"])
        except NoThemes as exc:
            raise click.ClickException(f"{exc} (cafe synthesize {event_slug})") from None
        try:
            selection = Selection(
                "frame" if frame else "themes" if themes else "all", themes, frame
            )
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        if selection.kind != "all" and not selection.pick(result):
            raise click.ClickException("No theme matches --theme/--frame.")
        pending = [] if checked else export_check(db, event)
        if pending:
            # Ids and reasons only: a note that may be a disclosure is never printed here.
            listed = ", ".join(f"{n['id']} ({' and '.join(n['reasons'])})" for n in pending[:20])
            raise click.ClickException(
                f"{len(pending)} notes in this export look like a possible disclosure now or "
                f"could not be screened: {listed}. Open /safety-check/{event_slug} to send them to "
                "the safeguarding lead or exclude them, then export again (or add --checked "
                "once a person has read them)."
            )
        source = load_source(db, event)
        stored = load_clouds(db, result)
    _, inp = event_export(source, result, selection, stored)
    data = render(inp, fmt)
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    click.echo(
        f"Wrote {target} ({len(data):,} bytes, {len(inp.rows)} notes, "
        f"{len(inp.clouds)} word clouds)."
    )
