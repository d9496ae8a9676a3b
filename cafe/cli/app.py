"""Build the app a command runs in, and check the database file it names."""

from __future__ import annotations

from typing import Any

import click


def make_app(**config: Any):
    """Create the Café app with these settings on top of the configured ones."""
    from cafe import create_app

    return create_app(config or None)


def database_file() -> Any:
    """Return the absolute path of the database the settings name (CAFE_DB), None for memory."""
    from pathlib import Path

    from cafe.settings import setting

    raw = str(setting("DATABASE"))
    return None if raw == ":memory:" else Path(raw).absolute()


def require_database() -> None:
    """Refuse, for a command that reads or changes existing data, when there is no database yet:
    run from another folder, `instance/cafe.db` would quietly be a new, empty file."""
    path = database_file()
    if path is not None and not path.exists():
        raise click.ClickException(
            f"No Café database at {path}. Run Café from its project folder, or set CAFE_DB."
        )


def warn_if_new_database(demo: bool = False) -> None:
    """Say on stderr when a command is about to create a new, empty database."""
    path = database_file()
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
