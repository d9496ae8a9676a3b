"""The `cafe user` commands: staff accounts."""

from __future__ import annotations

import click

from cafe.cli.app import make_app, require_database, warn_if_new_database


@click.group()
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
    warn_if_new_database()
    app = make_app()
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

    require_database()
    app = make_app()
    with app.app_context(), reading() as db:
        for row in queries.users(db):
            state = "disabled" if row["disabled"] else "active"
            click.echo(f"{row['username']}\t{row['role']}\t{state}")


def _change_account(change: str, username: str) -> None:
    """Run one of the account actions (`do_disable_user`, `do_enable_user`) on `username`."""
    import cafe.actions as actions

    require_database()
    app = make_app()
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

    require_database()
    password, generated = _password(password, "New password")
    app = make_app()
    with app.app_context():
        try:
            do_set_password(username, password)
        except Refused as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"Password changed for {username}; its sessions are ended.")
    if generated:
        click.echo(f"Password (shown once): {password}")
