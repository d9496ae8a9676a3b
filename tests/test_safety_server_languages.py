"""A real `cafe serve` with real Socket.IO clients: disclosures in every language the phones offer
reach only the safeguarding lead (and the writer's support card), and a note in a language Café
cannot screen is held for a person, marked with its language, never put on the wall by itself."""

from __future__ import annotations

import re

import requests
import socketio
from test_server import cookie_header, join_http, phone_client

from conftest import PASSWORD, PLAN, rows, wait_for

SLUG = "open-cafe"  # the wall needs no approval here: only the checks keep a note off it

DISCLOSURES = {
    "urdu": "میرا شوہر مجھے مارتا ہے اور میں گھر جانے سے ڈرتی ہوں",
    "roman urdu": "mera shohar mujhe marta hai aur main ghar jane se darti hun",
    "bengali": "আমার স্বামী আমাকে মারে, আমি বাড়ি যেতে ভয় পাই",
    "roman bengali": "amar shami amake mare, ami bari jete bhoy pai",
    "polish": "mąż mnie bije i boję się wrócić do domu",
    "polish without accents": "maz mnie bije i boje sie wrocic do domu",
    "mixed": "mera husband mujhe hit karta hai and I'm scared to go home",
}
UNSCREENED = {
    "so": "Ninkaygu wuu i garaacaa habeen walba, waxaan ka baqayaa inaan guriga aado",
    "ro": "Soțul meu mă bate în fiecare seară și mi-e frică să merg acasă",
    "ti": "ሰብኣየይ ኩሉ ግዜ ይወቕዓኒ እዩ",
    "ar": "زوجي يضربني كل ليلة وأنا خائفة من العودة إلى البيت",
}


def open_cafe(app) -> None:
    """Make the test plan's event again as "open-cafe", where the wall needs no approval; add a lead."""
    from cafe.actions import do_create_event, do_create_user
    from cafe.plans import parse_plan

    source = PLAN.read_text().replace(
        'slug = "test-cafe"', f'slug = "{SLUG}"\nwall_requires_approval = false'
    )
    with app.app_context():
        do_create_event(parse_plan(source), slug=SLUG)
        do_create_user("lead", PASSWORD, "safeguarding")


def staff_client(base: str, user: str, namespace: str, received: list) -> socketio.Client:
    """Log in as a member of staff and connect a socket, recording what it receives."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(
        f"{base}/login",
        data={"username": user, "password": PASSWORD, "csrf_token": token},
        timeout=10,
    )
    sio = socketio.Client(reconnection=False)
    sio.on("*", lambda event, data: received.append((event, data)), namespace=namespace)
    sio.connect(
        base,
        namespaces=[namespace],
        auth={"event": SLUG},
        headers=cookie_header(http),
        transports=["websocket"],
        wait_timeout=10,
    )
    return sio


def wall_client(base: str, app, received: list) -> socketio.Client:
    """Connect the projector wall's socket with the event's wall token."""
    from cafe import queries
    from cafe.db import reading

    with app.app_context(), reading() as db:
        token = queries.event_by_slug(db, SLUG)["wall_token"]
    sio = socketio.Client(reconnection=False)
    sio.on("*", lambda event, data: received.append((event, data)), namespace="/wall")
    sio.connect(
        base,
        namespaces=["/wall"],
        auth={"event": SLUG, "token": token},
        transports=["websocket"],
        wait_timeout=10,
    )
    return sio


def submit(phone: socketio.Client, client_id: str, text: str) -> dict:
    note = {"client_id": client_id, "text": text, "consent": "quote"}
    ack = phone.call("submit_note", note, namespace="/participant", timeout=10)
    assert ack["ok"] is True, ack
    return ack


def ready(server) -> None:
    """Wait until the server has trained its model (it serves meanwhile; notes would wait)."""
    wait_for(lambda: "Safety checks ready" in server.output.read_text(), timeout=120)


def test_disclosures_in_every_language_reach_only_the_lead_and_the_writer(live_server, app):
    open_cafe(app)
    ready(live_server)
    base = live_server.url
    lead_got, console_got, wall_got = [], [], []
    lead = staff_client(base, "lead", "/safeguarding", lead_got)
    console = staff_client(base, "fac", "/console", console_got)
    wall = wall_client(base, app, wall_got)
    phone = phone_client(base, join_http(base, SLUG), SLUG)
    # An ordinary note goes straight on this wall: the wall is listening.
    plain = submit(phone, "lang-plain-0001", "Partnerships need shared budgets")
    wait_for(lambda: any(e == "note_shown" for e, _ in wall_got))

    for i, (name, text) in enumerate(DISCLOSURES.items(), start=1):
        ack = submit(phone, f"lang-disc-{i:04d}", text)
        assert ack["support"] is True, name  # the writer's phone shows the support card
        wait_for(lambda ack=ack: any(
            e == "item_changed" and d["item"]["id"] == ack["id"] for e, d in lead_got
        ))
        [item] = [d["item"] for e, d in lead_got if e == "item_changed" and d["item"]["id"] == ack["id"]]
        assert item["text"] == text and item["sg_status"] == "new", name
        wait_for(lambda ack=ack: any(
            e == "note_added" and d["note"]["id"] == ack["id"] for e, d in console_got
        ))
        [seen] = [d["note"] for e, d in console_got if e == "note_added" and d["note"]["id"] == ack["id"]]
        assert seen["held"] is True and seen["text"] == "", name  # the console never has the text
        refused = console.call("approve_note", {"id": ack["id"]}, namespace="/console", timeout=10)
        assert refused["ok"] is False, name

    shown = [d["note"]["id"] for e, d in wall_got if e == "note_shown"]
    assert shown == [plain["id"]]
    every_text = repr(console_got) + repr(wall_got)
    assert not any(text in every_text for text in DISCLOSURES.values())
    for client in (lead, console, wall, phone):
        client.disconnect()


def test_a_note_cafe_cannot_screen_is_held_and_marked_with_its_language(live_server, app, db_path):
    open_cafe(app)
    ready(live_server)
    base = live_server.url
    console_got, wall_got = [], []
    console = staff_client(base, "fac", "/console", console_got)
    wall = wall_client(base, app, wall_got)
    phone = phone_client(base, join_http(base, SLUG), SLUG)

    acks = {lang: submit(phone, f"lang-other-{lang}", text) for lang, text in UNSCREENED.items()}
    short = submit(phone, "lang-short-ur", "shukriya")  # short, and Roman Urdu: screened
    wait_for(lambda: any(e == "note_shown" and d["note"]["id"] == short["id"] for e, d in wall_got))
    wait_for(lambda: len([e for e, _ in console_got if e == "note_added"]) == len(acks) + 1)
    added = {d["note"]["id"]: d["note"] for e, d in console_got if e == "note_added"}
    for lang, ack in acks.items():
        note = added[ack["id"]]
        assert "unscreened" in note["flags"] and f"lang:{lang}" in note["flags"], (lang, note)
        assert note["wall"] == "pending"  # never put on the wall by itself
        assert note["text"] == UNSCREENED[lang]  # a person can read it on the console
    assert "unscreened" not in added[short["id"]]["flags"]
    assert [d["note"]["id"] for e, d in wall_got if e == "note_shown"] == [short["id"]]

    # Once a person has read it, the facilitator may put it up (the mark stays on the note).
    somali = acks["so"]["id"]
    approved = console.call("approve_note", {"id": somali}, namespace="/console", timeout=10)
    assert approved["ok"] is True
    wait_for(lambda: any(e == "note_shown" and d["note"]["id"] == somali for e, d in wall_got))
    [(flags,)] = rows(db_path, "SELECT flags_json FROM notes WHERE id = ?", (somali,))
    assert '"unscreened"' in flags
    for client in (console, wall, phone):
        client.disconnect()
