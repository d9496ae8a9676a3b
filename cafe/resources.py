"""Where the files Café ships beside its code are: templates, static files, plans, translations."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return `templates`, `static`, `sessions` or `translations`: in the wheel, or beside the package."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name
