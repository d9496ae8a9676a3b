"""The `cafe` command: one group, its commands in a module per family."""

from __future__ import annotations

import click

from cafe.cli.accounts import user
from cafe.cli.data import backup, export_command, purge, restore
from cafe.cli.events import demo, event, plan, rotation
from cafe.cli.models import models_group
from cafe.cli.serve import serve
from cafe.cli.synthesis import eval_command, synthesize


@click.group()
@click.version_option(package_name="cafe")
def cli() -> None:
    """Café: run a World Café from a laptop, live notes from phones, themes and briefings."""


for command in (
    serve,
    demo,
    plan,
    event,
    user,
    purge,
    backup,
    restore,
    rotation,
    eval_command,
    models_group,
    export_command,
    synthesize,
):
    cli.add_command(command)


def main() -> None:
    """Run the `cafe` command (for `serve`, cafe/__init__ has already applied gevent's patches)."""
    cli()
