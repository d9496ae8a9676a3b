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
    assert all("Test café" in card for card in cards)  # each printed card names the event
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


def test_seat_cards_offer_a_form_for_the_number_coming(client):
    login(client)
    page = client.get("/console/test-cafe/print/seats").text
    form = re.search(r'<form class="screen-only people-form".*?</form>', page, re.S).group(0)
    assert 'name="people" value="10" min="2" max="10"' in form  # capacity by default
    assert "How many people are coming?" in form and "Remake the cards" in form
    assert "Hand the cards out in order" in page
    assert "Cards 1 to 2 are for the table hosts" in page
    fewer = client.get("/console/test-cafe/print/seats?people=5&seed=3").text
    assert fewer.count('class="card seat-card"') == 5
    assert 'name="people" value="5"' in fewer and 'name="seed" value="3"' in fewer
    # A number out of range keeps the form, so the facilitator can put it right.
    refused = client.get("/console/test-cafe/print/seats?people=1").text
    assert 'name="people" value="1"' in refused and "Choose between 2 and 10 people" in refused


LOCAL_ONLY = "Phones cannot open this address"


def test_a_loopback_join_address_is_flagged_to_staff_on_screen(client, app):
    login(client)
    console = client.get("/console/test-cafe").text  # the test client asks for http://localhost/
    assert "http://localhost/e/test-cafe/" in console and LOCAL_ONLY in console
    assert "cafe serve --lan" in console
    cards = client.get("/console/test-cafe/print/tables").text
    notice = re.search(r'<p class="notice screen-only local-only".*?</p>', cards, re.S).group(0)
    assert LOCAL_ONLY in notice  # screen-only: print.css hides it on paper
    assert "Printed cards carry the address they were printed with" in cards
    app.config["CAFE_PUBLIC_URL"] = "http://127.0.0.1:5000"
    assert LOCAL_ONLY in client.get("/console/test-cafe").text


def test_a_lan_or_configured_join_address_is_not_flagged(client, app):
    login(client)
    for url in ("http://192.0.2.2:5000", "https://cafe.example.org"):
        app.config["CAFE_PUBLIC_URL"] = url
        console = client.get("/console/test-cafe").text
        cards = client.get("/console/test-cafe/print/tables").text
        assert f"{url}/e/test-cafe/" in console and LOCAL_ONLY not in console
        assert f"{url}/e/test-cafe/" in cards and LOCAL_ONLY not in cards


def test_loopback_addresses_are_recognised():
    from cafe.web.addresses import is_loopback

    for url in ("http://127.0.0.1:5000", "http://127.1.2.3/", "http://[::1]:5000/",
                "http://localhost:5000", "http://LOCALHOST.", "http://app.localhost/", "http://0.0.0.0:5000"):
        assert is_loopback(url), url
    for url in ("http://192.0.2.2:5000", "http://10.0.0.5", "http://[fe80::1]/",
                "https://cafe.example.org", "not a url"):
        assert not is_loopback(url), url
