"""Rotation on a real `cafe serve` with real python-socketio phones: each hears its move, and after
the round starts each phone is in its new table's room (a message to a table reaches the newcomers)."""

from __future__ import annotations

import pytest
from test_server import console_client, join_http, phone_client

from conftest import wait_for


@pytest.fixture
def phones(live_server):
    clients = []
    for i in range(6):
        heard: list = []
        sio = phone_client(live_server.url, join_http(live_server.url, table=1 + i % 2))
        sio.on(
            "*",
            lambda event, data, heard=heard: heard.append((event, data)),
            namespace="/participant",
        )
        clients.append((sio, heard, 1 + i % 2))
    yield clients
    for sio, _, _ in clients:
        sio.disconnect()


def test_every_phone_hears_its_move_and_follows_its_table_room(live_server, phones):
    received: list = []
    console = console_client(live_server.url, received)
    try:

        def act(event, payload=None):
            return console.call(event, payload or {}, namespace="/console", timeout=10)

        assert act("start_round")["ok"]
        assert act("end_round")["ok"]
        for _, heard, _ in phones:
            wait_for(lambda heard=heard: any(e == "move_assigned" for e, _ in heard))
        moves = [
            next(d["move"] for e, d in heard if e == "move_assigned") for _, heard, _ in phones
        ]
        # Six travellers at two tables: everyone crosses over, three a table, nobody revisits.
        assert [m["table"] for m in moves] == [2, 1, 2, 1, 2, 1]
        assert {m["name"] for m in moves} == {"Oak", "Ash"} and not any(m["stay"] for m in moves)
        wait_for(lambda: any(e == "rotation_changed" for e, _ in received))

        assert act("start_round")["ok"]
        for _, heard, _ in phones:
            wait_for(lambda heard=heard: any(e == "table_changed" for e, _ in heard))
        for _, heard, _ in phones:
            heard.clear()
        assert act("send_message", {"text": "Welcome to Ash", "table": 2})["ok"]
        now_at_ash = [i for i, m in enumerate(moves) if m["table"] == 2]
        for i in now_at_ash:
            wait_for(lambda i=i: any(e == "message_sent" for e, _ in phones[i][1]))
        # The message went to the table's room only: the phones that left Ash did not get it.
        assert act("send_message", {"text": "Everyone", "table": None})["ok"]
        for _, heard, _ in phones:
            wait_for(lambda heard=heard: any(d.get("text") == "Everyone" for e, d in heard))
        for i, (_, heard, _) in enumerate(phones):
            got = [d["text"] for e, d in heard if e == "message_sent"]
            assert ("Welcome to Ash" in got) == (i in now_at_ash)
    finally:
        console.disconnect()
