"""Who may do what: every route and every socket namespace against every role.

Adding a route or a namespace without a line here fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import pytest

from cafe import queries, socketio
from cafe.actions import do_create_event, do_create_user
from cafe.db import reading
from cafe.plans import load_plan
from conftest import PASSWORD, PLAN, join, login

ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "facilitator",
    "staff",
    "safeguarding",
    "admin",
)
STAFF = {"facilitator", "staff", "safeguarding", "admin"}
EVERYONE = set(ROLES)

# endpoint -> (URL, roles that get 200). Everyone else gets a login redirect (302) if anonymous or
# a participant, and 403 if staff without the role.
ROUTES = {
    "participant.home": ("/", EVERYONE),
    "participant.join_by_code": ("/join?code={code}", set()),  # 303 to the event for everyone
    "participant.join_link": ("/j/{code}", set()),  # 303 to the event for everyone
    "participant.event_page": ("/e/test-cafe/", EVERYONE),
    "participant.table_page": ("/e/test-cafe/t/1", EVERYONE),
    "participant.event_qr": ("/e/test-cafe/qr.svg", EVERYONE),
    "participant.table_qr": ("/e/test-cafe/t/1/qr.svg", EVERYONE),
    "participant.service_worker": ("/e/sw.js", EVERYONE),
    "participant.exit_page": ("/exit", EVERYONE),
    "participant.join": ("POST", None),  # POST only: tested in test_web (CSRF, idempotent)
    "auth.login": ("/login", EVERYONE),
    "auth.logout": ("POST", None),  # POST only: tested in test_web and test_live
    "console.index": ("/console/", STAFF),
    "console.console": ("/console/test-cafe", {"facilitator", "admin"}),
    "console.print_tables": ("/console/test-cafe/print/tables", {"facilitator", "admin"}),
    "console.print_seats": ("/console/test-cafe/print/seats", {"facilitator", "admin"}),
    "console.host_qr": ("/console/test-cafe/print/host/1/qr.svg", {"facilitator", "admin"}),
    "safeguarding.queue": ("/safeguarding/test-cafe", {"safeguarding", "admin"}),
    "wall.wall_page": (
        "/wall/test-cafe?token={wall_token}",
        EVERYONE,
    ),  # the token is the credential
    "static": ("/static/js/phone.js", EVERYONE),
    # Never served by Flask: Engine.IO answers the path first (tests/test_gc_pauses.py).
    "socket_path": ("SOCKET", None),
    "briefing.drafts": ("/briefings/test-cafe", {"staff", "admin"}),
    "briefing.editor": ("/briefings/test-cafe/drafts/{draft}", {"staff", "admin"}),
    "briefing.version": ("/briefings/test-cafe/drafts/{draft}/versions/1", {"staff", "admin"}),
    "briefing.regenerate": ("/briefings/test-cafe/drafts/{draft}/regenerate", {"staff", "admin"}),
    "briefing.export": ("/briefings/test-cafe/drafts/{draft}/export.md", {"staff", "admin"}),
    "briefing.print_view": ("/briefings/test-cafe/drafts/{draft}/print", {"staff", "admin"}),
    "briefing.session_state": ("/briefings/test-cafe/session.json", {"staff", "admin"}),
    "briefing.delete_confirm": ("/briefings/test-cafe/drafts/{draft}/delete", {"staff", "admin"}),
    # POST only: tested in test_briefing_web (roles, CSRF)
    "briefing.create": ("POST", None),
    "briefing.save": ("POST", None),
    "briefing.preview": ("POST", None),
    "briefing.restore": ("POST", None),
    "briefing.accept_regenerated": ("POST", None),
    "briefing.delete": ("POST", None),
    # Only with a language model set up: tested in test_llm_server (roles, CSRF, the pass).
    "briefing_llm.start": ("POST", None),
    "briefing_llm.cancel": ("POST", None),
    "briefing_llm.status": ("/briefings/test-cafe/drafts/{draft}/llm.json", {"staff", "admin"}),
    "briefing_llm.sentences": ("/briefings/test-cafe/drafts/{draft}/llm", {"staff", "admin"}),
    "workspace.page": ("/workspace/test-cafe", {"staff", "admin"}),
    "workspace.unthemed": ("/workspace/test-cafe/unthemed", {"staff", "admin"}),
    "workspace.audit": ("/workspace/test-cafe/audit", {"staff", "admin"}),
    "workspace.run_status": ("/workspace/test-cafe/run.json", {"staff", "admin"}),
    # Not checked here (a theme and its cloud exist only after a run; act is POST only): every
    # role is checked against them in test_workspace_web.test_every_role_on_themes_and_actions.
    "workspace.theme": ("POST", None),
    "workspace.cloud": ("POST", None),
    "workspace.act": ("POST", None),
    "safety_check.page": ("/safety-check/test-cafe", {"staff", "admin"}),
    "safety_check.act": ("POST", None),  # POST only: tested in test_safety_check (roles)
    "new_event.form": ("/events/new", {"facilitator", "admin"}),
    "new_event.create": ("POST", None),  # POST only: tested in test_new_event (roles, CSRF)
    "new_event.create_from_form": ("POST", None),  # POST only: tested in test_new_event_form
    "accounts.page": ("/accounts", {"admin"}),
    "accounts.add": ("POST", None),  # POST only: tested in test_new_event (roles, CSRF)
    "accounts.change": ("POST", None),  # POST only: tested in test_new_event (roles, CSRF)
}

NAMESPACES = {
    "/participant": {"participant"},
    "/console": {"facilitator", "admin"},
    "/safeguarding": {"safeguarding", "admin"},
}


@pytest.fixture
def people(app):
    """Return an HTTP client logged in (or joined) as each role."""
    with app.app_context():
        do_create_event(load_plan(PLAN), slug="other-cafe")
        do_create_user("lead", PASSWORD, "safeguarding")
        do_create_user("boss", PASSWORD, "admin")
        with reading() as db:
            event = queries.event_by_slug(db, "test-cafe")
    clients = {}
    for role in ROLES:
        http = app.test_client()
        if role == "participant":
            join(http)
        elif role == "other_participant":
            join(http, "other-cafe")
        elif role in STAFF:
            name = {
                "facilitator": "fac",
                "staff": "staffer",
                "safeguarding": "lead",
                "admin": "boss",
            }[role]
            assert login(http, name).status_code == 303
        clients[role] = http
    return clients, {"code": event["code"], "wall_token": event["wall_token"],
                     "draft": _draft(app, event)}


def _draft(app, event) -> int:
    """Make a briefing draft (from no themes) so its pages can be checked."""
    from cafe.actions.briefing import do_create_draft
    from cafe.briefing import Selection
    from cafe.briefing_reads import load_source
    from cafe.synthesis.types import SynthesisResult

    with app.app_context():
        with reading() as db:
            source = load_source(db, event)
        return do_create_draft(event, source, SynthesisResult([], [], {}), Selection(), "boss")


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ROUTES), (
        f"add these routes to the access matrix: {endpoints ^ set(ROUTES)}"
    )


@pytest.mark.parametrize(
    "endpoint", sorted(e for e, (url, _) in ROUTES.items() if url not in ("POST", "SOCKET"))
)
def test_route_access(people, endpoint):
    clients, values = people
    url, allowed = ROUTES[endpoint]
    url = url.format(**values)
    for role, http in clients.items():
        status = http.get(url).status_code
        if endpoint in ("participant.join_by_code", "participant.join_link"):
            expected = 303
        elif role in allowed:
            expected = 200
        elif role in STAFF:
            expected = 403
        else:
            expected = 302
        assert status == expected, f"{role} GET {url}: {status}, expected {expected}"


def test_wall_without_its_token_is_not_found_for_anyone(people):
    clients, _ = people
    for http in clients.values():
        assert http.get("/wall/test-cafe?token=guess").status_code == 404


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_socket_namespace_access(app, people, namespace):
    clients, _ = people
    for role, http in clients.items():
        sio = socketio.test_client(
            app, namespace=namespace, auth={"event": "test-cafe"}, flask_test_client=http
        )
        assert sio.is_connected(namespace) == (role in NAMESPACES[namespace]), (role, namespace)
        if sio.is_connected(namespace):
            sio.disconnect(namespace)


def test_wall_namespace_needs_the_token_not_a_role(app, people):
    clients, values = people
    for http in clients.values():
        without = socketio.test_client(
            app, namespace="/wall", auth={"event": "test-cafe"}, flask_test_client=http
        )
        assert not without.is_connected("/wall")
    with_token = socketio.test_client(
        app, namespace="/wall", auth={"event": "test-cafe", "token": values["wall_token"]}
    )
    assert with_token.is_connected("/wall")


def test_every_socket_event_belongs_to_a_checked_namespace(app):
    handled = set(socketio.server.handlers)
    assert handled == {"/participant", "/console", "/safeguarding", "/wall"}
    # The wall sends nothing: it has only connect and disconnect.
    assert set(socketio.server.handlers["/wall"]) == {"connect", "disconnect"}


@pytest.mark.parametrize(
    "namespace, event, payload",
    [
        ("/console", "approve_note", {"id": 1}),
        ("/console", "start_round", {}),
        ("/console", "hold_everyone", {"message": "x"}),
        ("/safeguarding", "set_item_status", {"id": 1, "status": "resolved"}),
        ("/console", "approve_insight", {"id": 1}),
        ("/console", "set_host_by", {"table": 1, "by": "link"}),
        ("/console", "set_host", {"participant": 1, "table": 1}),
    ],
)
def test_staff_events_from_a_participant_do_nothing(
    app, people, db_path, namespace, event, payload
):
    from conftest import rows

    clients, _ = people
    before = rows(db_path, "SELECT phase, hold_message FROM events ORDER BY id")
    hosts = rows(db_path, "SELECT host_by FROM tables ORDER BY id"), rows(
        db_path, "SELECT host_table, host_via FROM participants ORDER BY id"
    )
    phone = socketio.test_client(
        app,
        namespace="/participant",
        auth={"event": "test-cafe"},
        flask_test_client=clients["participant"],
    )
    assert phone.emit(event, payload, namespace="/participant", callback=True) is None
    staff = socketio.test_client(
        app,
        namespace=namespace,
        auth={"event": "test-cafe"},
        flask_test_client=clients["participant"],
    )
    assert not staff.is_connected(namespace)
    assert rows(db_path, "SELECT phase, hold_message FROM events ORDER BY id") == before
    assert hosts == (rows(db_path, "SELECT host_by FROM tables ORDER BY id"), rows(
        db_path, "SELECT host_table, host_via FROM participants ORDER BY id"
    ))
