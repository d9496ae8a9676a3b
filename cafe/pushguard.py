"""Checks run just before a server event is pushed to a room (registered by the live layer, so
the actions that push need not know about sockets)."""

from __future__ import annotations

from collections.abc import Callable

_GUARDS: list[Callable[[str], None]] = []


def add_push_guard(guard: Callable[[str], None]) -> None:
    """Run `guard(namespace)` before every push (once, however often it is added)."""
    if guard not in _GUARDS:
        _GUARDS.append(guard)


def before_push(namespace: str) -> None:
    """Run every guard for a push to `namespace`."""
    for guard in _GUARDS:
        guard(namespace)
