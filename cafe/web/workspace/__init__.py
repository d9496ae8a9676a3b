"""Staff synthesis workspace: run synthesis, then curate the themes (every change undoable).

One blueprint, `bp` ("workspace", /workspace), defined in `blueprint.py`; its views live in a module
per concern and are imported here so they are registered on it.
"""

from cafe.web.workspace import change_log, changes, pages  # noqa: F401 - registers the views
from cafe.web.workspace.blueprint import bp

__all__ = ["bp"]
