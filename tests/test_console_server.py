"""The facilitator console on a real `cafe serve` with real python-socketio clients: the "joined"
count follows joins live, the pause in force is in the console's state, and a closed café refuses
what can no longer reach the phones, each with a clear reason."""

from __future__ import annotations

from test_server import console_client, join_http, phone_client

from conftest import wait_for


def events_named(received: list, name: str) -> list:
    return [data for event, data in received if event == name]


def test_joins_reach_the_console_live_and_the_pause_is_in_its_state(live_server):
    received: list = []
    console = console_client(live_server.url, received)
    phones = []
    try:
        wait_for(lambda: events_named(received, "console_state"))
        [state] = events_named(received, "console_state")
        assert state["participants"] == 0 and state["event"]["hold"] is None

        # Three people join: the console hears it without a reload (the rotation panel's people).
        for table in (1, 2, 1):
            join_http(live_server.url, table=table)
        wait_for(lambda: any(len(r["rotation"]["people"]) == 3
                             for r in events_named(received, "rotation_changed")))
        phones.append(phone_client(live_server.url, join_http(live_server.url, table=2)))
        wait_for(lambda: any(len(r["rotation"]["people"]) == 4
                             for r in events_named(received, "rotation_changed")))

        def act(event, payload=None):
            return console.call(event, payload or {}, namespace="/console", timeout=10)

        # An empty message is refused as a message, not as a note; nothing reaches the phones.
        for text in ("", "   \n"):
            ack = act("send_message", {"text": text})
            assert ack == {"ok": False, "error": "The message is empty.", "code": "empty"}
        too_long = act("send_message", {"text": "x" * 301})
        assert too_long["error"] == "The message is 301 characters long; the limit is 300."

        # The pause in force is part of the console's state: a console opened now shows it.
        assert act("hold_everyone", {"message": "Breathe"}) == {"ok": True, "message": "Breathe"}
        wait_for(lambda: events_named(received, "hold_changed"))
        later: list = []
        again = console_client(live_server.url, later)
        try:
            wait_for(lambda: events_named(later, "console_state"))
            [fresh] = events_named(later, "console_state")
            assert fresh["event"]["hold"] == "Breathe" and fresh["participants"] == 4
        finally:
            again.disconnect()
        assert act("release_everyone") == {"ok": True, "message": None}
        wait_for(lambda: {"message": None} in events_named(received, "hold_changed"))
    finally:
        for phone in phones:
            phone.disconnect()
        console.disconnect()


def test_the_console_cannot_harvest_before_a_round_nor_reach_phones_once_closed(live_server):
    received: list = []
    console = console_client(live_server.url, received)
    try:

        def act(event, payload=None):
            return console.call(event, payload or {}, namespace="/console", timeout=10)

        early = act("start_harvest")
        assert early["ok"] is False
        assert early["error"] == "Cannot start the harvest: the café has not started yet."
        assert act("hold_everyone", {"message": "One moment"})["ok"]
        assert act("close_event")["clock"]["phase"] == "closed"

        held = act("hold_everyone", {})
        assert held == {"ok": False, "code": "closed",
                        "error": "The café is closed: there is nothing to pause."}
        sent = act("send_message", {"text": "Thank you all"})
        assert sent == {"ok": False, "code": "closed",
                        "error": "The café is closed: phones no longer take messages."}
        assert not events_named(received, "message_sent")
        # A pause still in force when the café closed can always be lifted.
        assert act("release_everyone") == {"ok": True, "message": None}
        for event in ("start_harvest", "end_round", "pause_round", "close_event"):
            assert act(event)["ok"] is False, event
    finally:
        console.disconnect()
