"""The docs are kept true: every setting, command and socket event is documented."""

from __future__ import annotations

from pathlib import Path

import click

from cafe import socketio
from cafe.cli import cli
from cafe.events import ALL_EVENTS
from cafe.settings import SETTINGS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
PROTOCOL = (ROOT / "docs" / "PROTOCOL.md").read_text()


def commands(group: click.Group, prefix: str = "cafe") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found.extend(commands(command, f"{prefix} {name}"))
    return found


def test_readme_starts_with_the_two_commands():
    head = README[:800]
    assert "make run" in head and "make test" in head


def test_every_setting_is_in_the_readme():
    for setting in SETTINGS:
        assert f"`{setting.env}`" in README if setting.env else f"`{setting.name}`" in README, (
            setting.name
        )


def test_every_command_is_in_the_readme():
    for command in commands(cli):
        assert f"`{command}" in README, command


def test_every_command_has_an_example():
    for name, command in cli.commands.items():
        subcommands = command.commands.values() if isinstance(command, click.Group) else [command]
        for sub in subcommands:
            assert "Example:" in (sub.help or ""), f"{name} {sub.name}"


def test_every_socket_event_is_in_the_protocol(app):
    handled = [
        (namespace, event)
        for namespace, handlers in socketio.server.handlers.items()
        for event in handlers
        if event not in ("connect", "disconnect")
    ]
    assert len(handled) >= 7
    for namespace, event in handled:
        assert f"## `{namespace}`" in PROTOCOL and f"`{event}`" in PROTOCOL, event
    for event in ALL_EVENTS:
        assert f"`{event.name}`" in PROTOCOL, event.name
    for initial in ("state", "console_state", "wall_state"):
        assert f"`{initial}`" in PROTOCOL
