"""The workspace blueprint ("workspace", under /workspace) and who may use it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


# Staff curate themes after the event (PRODUCT.md); facilitators run the room, not the synthesis.
ROLES = ("admin", "staff")
