"""Printable table cards and seat cards."""

from __future__ import annotations

import re

from conftest import login


def test_table_cards_have_each_table_its_qr_and_the_code(client, app):
    login(client)
    page = client.get("/console/test-cafe/print/tables").text
    assert page.count('class="card table-card"') == 2
    assert "/e/test-cafe/t/1/qr.svg" in page and "/e/test-cafe/t/2/qr.svg" in page
    assert "Oak" in page and "Ash" in page
    assert "print.css" in page


def test_seat_cards_follow_the_rotation(client):
    login(client)
    page = client.get("/console/test-cafe/print/seats?people=8&seed=2").text
    cards = re.findall(r'<section class="card seat-card">(.*?)</section>', page, re.S)
    assert len(cards) == 8
    assert sum("table host" in card for card in cards) == 2
    for card in cards:
        assert len(re.findall(r"<li>", card)) == 2  # one seat per round
        if "table host" not in card:
            seats = re.findall(r"<strong>(\d) ·", card)
            assert seats[0] != seats[1]  # travellers move


def test_seat_cards_refuse_impossible_numbers(client):
    login(client)
    reply = client.get("/console/test-cafe/print/seats?people=99")
    assert reply.status_code == 400 and "Choose between 2 and 10 people" in reply.text
    assert client.get("/console/test-cafe/print/seats?people=many").status_code == 400
