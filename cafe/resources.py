"""Where the templates, static files, session plans and translations are, installed or not."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return `templates`, `static`, `sessions` or `translations`: in the wheel, or beside the package."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
