"""A table someone picks during the move break wins over the plan, on a real `cafe serve` with
real python-socketio phones and console: the plan makes it their seat (the others rebalanced and
told), the next round keeps them there, and their notes are filed under the table their phone
shows. A late joiner's pick and a host who takes over in the break are kept the same way."""

from __future__ import annotations

from collections import Counter

from test_leavers import (  # noqa: F401  (fixtures)
    SLUG,
    cafe,
    phone,
    plan_round,
    planned,
    server,
)

from cafe.actions.host_briefing import host_key
from conftest import rows


def seated(db_path, pid: int) -> int | None:
    [(table,)] = rows(db_path, "SELECT table_no FROM participants WHERE id = ?", (pid,))
    return table


def note_table(db_path, client_id: str) -> int:
    [(table,)] = rows(db_path, "SELECT table_no FROM notes WHERE client_id = ?", (client_id,))
    return table


def settle(phones) -> None:
    """Wait for the plan's moves to reach every phone, then forget what they heard."""
    for p in phones:
        p.wait("move_assigned")
        p.heard.clear()


def test_a_table_picked_in_the_break_is_kept_when_the_round_starts(cafe, db_path):  # noqa: F811
    # Six people, two at each table: the plan seats two at each, everyone somewhere new.
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    plan = plan_round(desk, db_path)
    settle(phones)
    # A traveller from Oak is told to go to one table but sits down at the third one.
    chooser = phones[0]
    told = plan[chooser.id]
    picked = ({2, 3} - {told}).pop()
    assert chooser.call("choose_table", {"table": picked}) == {"ok": True, "table": picked}
    move = chooser.wait("move_assigned")["move"]
    assert move == {"round": 2, "table": picked, "name": move["name"], "stay": True,
                    "host": False}
    after = planned(db_path, 2)
    assert after[chooser.id] == picked
    assert sorted(Counter(after.values()).values()) == [2, 2, 2]
    # Whoever the plan now sends elsewhere is told so; nobody else hears anything.
    changed = {pid for pid in after if pid != chooser.id and after[pid] != plan[pid]}
    assert len(changed) == 1
    for p in phones[1:]:
        if p.id in changed:
            assert p.wait("move_assigned")["move"]["table"] == after[p.id]
        else:
            assert not p.got("move_assigned")
    # The round starts: the chooser stays where they sat, everyone else goes where told.
    assert desk.call("start_round")["ok"]
    assert seated(db_path, chooser.id) == picked
    assert dict(rows(db_path, "SELECT participant_id, table_no FROM seats WHERE round_no = 2 "
                              "AND planned = 0")) == after
    assert not [d for d in chooser.got("table_changed") if d["table"] != picked]
    # A note sent with the table the phone shows, and one sent without, both land there.
    for client_id, table in (("pick-note-0001", picked), ("pick-note-0002", None)):
        note = {"client_id": client_id, "text": "We listened", "consent": "quote"}
        if table is not None:
            note["table"] = table
        assert chooser.call("submit_note", note)["ok"]
        assert note_table(db_path, client_id) == picked


def test_a_late_joiner_keeps_the_table_they_picked_in_the_break(cafe, server, db_path):  # noqa: F811
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    plan_round(desk, db_path)
    settle(phones)
    late = phone(server, None)
    [(late.id,)] = rows(db_path, "SELECT id FROM participants WHERE pseudonym = ?",
                        (late.pseudonym,))
    assert late.call("choose_table", {"table": 1})["ok"]
    move = late.wait("move_assigned")["move"]
    assert move["table"] == 1 and move["stay"] is True
    assert planned(db_path, 2)[late.id] == 1
    assert sorted(Counter(planned(db_path, 2).values()).values()) == [2, 2, 3]
    late.heard.clear()
    assert desk.call("start_round")["ok"]
    assert seated(db_path, late.id) == 1
    note = {"client_id": "late-note-0001", "text": "Glad to join", "consent": "quote", "table": 1}
    assert late.call("submit_note", note)["ok"]
    assert note_table(db_path, "late-note-0001") == 1
    assert not late.got("table_changed")
    late.sio.disconnect()


def test_a_host_who_takes_over_in_the_break_is_told_to_stay(cafe, db_path):  # noqa: F811
    phones, desk = cafe([1, 1, 2, 2, 3, 3])
    plan = plan_round(desk, db_path)
    settle(phones)
    # Someone planned to leave Ash opens Ash's host link during the break.
    host = next(p for p in phones if seated(db_path, p.id) == 2)
    assert plan[host.id] != 2
    [event] = rows(db_path, "SELECT id, host_token FROM events WHERE slug = ?", (SLUG,))
    key = host_key({"id": event[0], "host_token": event[1]}, 2)
    wrong = host.call("claim_host", {"table": 2, "key": "\x80"})  # not ASCII: refused, no fault
    assert wrong["ok"] is False and wrong["code"] != "server"
    assert host.call("claim_host", {"table": 2, "key": key})["ok"]
    move = host.wait("move_assigned")["move"]
    assert move["table"] == 2 and move["stay"] is True and move["host"] is True
    after = planned(db_path, 2)
    assert after[host.id] == 2
    assert sorted(Counter(after.values()).values()) == [2, 2, 2]
    assert desk.call("start_round")["ok"]
    assert seated(db_path, host.id) == 2


def test_the_host_recap_leaves_out_notes_of_rounds_still_to_come(app, db_path):
    # The demo comes with notes of all three rounds, while the café itself is still in round 1.
    from cafe import queries
    from cafe.actions.host_briefing import recap
    from cafe.db import get_writer, reading
    from cafe.demo import do_create_demo

    with app.app_context():
        do_create_demo()
        with reading() as db:
            event = queries.event_by_slug(db, "demo")
            assert {r["round"] for r in recap(db, event, 1)} == {1}
        get_writer().write(
            lambda db: db.execute("UPDATE events SET current_round = 2 WHERE id = ?",
                                  [event["id"]])
        )
        with reading() as db:
            event = queries.event_by_slug(db, "demo")
            assert {r["round"] for r in recap(db, event, 1)} == {1, 2}
