"""Theme cards show the key point the briefing will state, and follow staff edits."""

from __future__ import annotations

import json
import re
from html import unescape

from test_workspace import TOPICS, event, result, synthesize  # noqa: F401 - fixture
from test_workspace_web import flashes, post, staff_client

from cafe import queries
from cafe.actions import NoteDraft, do_join_event, do_submit_note
from cafe.briefing.draft import generate
from cafe.briefing.markdown import render_markdown
from cafe.briefing.parts import _clean
from cafe.briefing_reads import load_result, load_source
from cafe.db import reading
from cafe.held import is_held
from conftest import rows

PAGE = "/workspace/test-cafe"
EMPTY = "No note can be quoted for this theme yet"


def key_points(html: str) -> dict[int, dict]:
    """Read each card's key point section: its text, source note, other view, or the empty state."""
    out = {}
    for theme_id, body in re.findall(r'<div class="key-point" id="kp-(\d+)">(.*?)</div>',
                                     html, re.S):
        assert re.search(rf'<h([2-5]) class="kp-title" id="kp-title-{theme_id}">Key point</h\1>',
                         body), body
        point = re.search(r'<p class="kp-text" dir="auto">(.*?) <a class="kp-source" '
                          r'href="([^"]*)#n-(\d+)">from note #\3</a></p>', body, re.S)
        other = re.search(r'<p class="kp-other" dir="auto">(\d+) notes? takes? another view: '
                          r'(.*?) <a class="kp-source" href="[^"]*#n-(\d+)">', body, re.S)
        out[int(theme_id)] = {
            "text": unescape(point.group(1)) if point else None,
            "href": unescape(point.group(2)) if point else None,
            "note": int(point.group(3)) if point else None,
            "other": (int(other.group(1)), unescape(other.group(2)), int(other.group(3)))
            if other else None,
            "empty": EMPTY in body,
        }
    return out


def briefing(app, event) -> tuple[dict, dict, dict]:  # noqa: F811
    """Return what a briefing made now says per theme id: its point and note, its disagreement,
    and for a loose theme the points made within it (text, notes, source note)."""
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, res = load_source(db, ev), load_result(db, ev["id"])
    made = generate(source.with_themes(res), res)
    points = {int(p.theme_key): (p.text, p.note_id) for p in made.points}
    split = {int(d.theme_key): (d.other_support.n, d.other) for d in made.disagreements}
    within = {int(p.theme_key): [(q.text, q.support.n, q.note_id) for q in p.parts]
              for p in made.points if p.parts}
    return points, split, within


def draft_markdown(app, event) -> str:  # noqa: F811
    """Return a briefing made now, as Markdown."""
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, res = load_source(db, ev), load_result(db, ev["id"])
    return render_markdown(generate(source.with_themes(res), res))


def consent_of(db_path) -> dict[int, str]:
    return dict(rows(db_path, "SELECT id, consent FROM notes"))


def assert_same_as_briefing(app, event, html: str) -> dict[int, dict]:  # noqa: F811
    cards, listed = key_points(html), parts(html)
    points, split, within = briefing(app, event)
    assert cards and set(cards) == {t.id for t in result(app, event).themes}
    assert {i: [(p["text"], p["n"], p["note"]) for p in v] for i, v in listed.items()} == within
    for theme_id, card in cards.items():
        text, note = points[theme_id]
        if theme_id in within:  # a loose theme: the points made within it instead
            assert card["text"] is None and not card["empty"]
        elif note is None:
            assert card["empty"] and card["text"] is None, (theme_id, card)
        else:
            assert (card["text"], card["note"]) == (text, note) and not card["empty"]
            assert card["href"].endswith(f"/workspace/test-cafe/theme/{theme_id}")
        assert (card["other"][:2] if card["other"] else None) == split.get(theme_id)
    return cards


def test_each_card_shows_the_briefings_key_point_from_a_quotable_note_of_its_theme(
        app, event, db_path):  # noqa: F811
    synthesize(app, event)
    http = staff_client(app)
    cards = assert_same_as_briefing(app, event, http.get(PAGE).text)
    members = {t.id: set(t.note_ids) for t in result(app, event).themes}
    consent = consent_of(db_path)
    shown = [c for c in cards.values() if c["note"] is not None]
    assert shown, cards
    for theme_id, card in cards.items():
        if card["note"] is not None:
            assert card["note"] in members[theme_id] and consent[card["note"]] == "quote"
            # The link opens the theme's page at that note (workspace.js focuses "#n-ID").
            theme_page = http.get(card["href"]).text
            assert f'id="n-{card["note"]}" tabindex="-1"' in theme_page


def test_a_paraphrase_only_or_do_not_quote_note_is_never_the_key_point(app, event, db_path):  # noqa: F811
    synthesize(app, event)
    http = staff_client(app)
    texts = dict(rows(db_path, "SELECT id, text FROM notes WHERE consent != 'quote'"))
    assert len(texts) >= 8
    # Leave every theme with only notes that may not be quoted, but one: its point must come
    # from its one quotable note, and every other theme shows the empty state.
    themes = result(app, event).themes
    consent = consent_of(db_path)
    keep = next(i for i in themes[0].note_ids if consent[i] == "quote")
    for theme in themes:
        for note in theme.note_ids:
            if consent[note] == "quote" and note != keep:
                post(http, "exclude", note=str(note))
    html = http.get(PAGE).text
    cards = assert_same_as_briefing(app, event, html)
    for theme_id, card in cards.items():
        if theme_id == themes[0].id:
            assert card["note"] == keep and not card["empty"]
        else:
            assert card["empty"] and card["text"] is None, card
    sections = "".join(re.findall(r'<div class="key-point".*?</div>', html, re.S))
    for text in texts.values():
        for sentence in re.split(r"[.,;]", text):
            words = sentence.split()
            if len(words) >= 3:
                assert " ".join(words[:3]) not in unescape(sections), text


def test_the_key_point_follows_moves_merges_and_exclusions_but_not_a_rename(app, event):  # noqa: F811
    synthesize(app, event)
    http = staff_client(app)
    first = assert_same_as_briefing(app, event, http.get(PAGE).text)
    theme_id, card = next((t, c) for t, c in first.items() if c["note"] is not None)
    # A staff name is only a name.
    post(http, "rename", theme=str(theme_id), label="Staff's own name")
    after = key_points(http.get(PAGE).text)
    assert (after[theme_id]["text"], after[theme_id]["note"]) == (card["text"], card["note"])
    # Moving the point's note out of the theme: the card's point is another note's now.
    reply = post(http, "move", note=str(card["note"]), theme="none")
    assert reply.status_code == 303
    moved = assert_same_as_briefing(app, event, http.get(PAGE).text)
    assert moved[theme_id]["note"] != card["note"]
    if moved[theme_id]["note"] is not None:
        assert moved[theme_id]["text"] != card["text"]
    # Moving it back brings the point back (the same computation on the same membership).
    post(http, "move", note=str(card["note"]), theme=str(theme_id))
    back = key_points(http.get(PAGE).text)
    assert (back[theme_id]["text"], back[theme_id]["note"]) == (card["text"], card["note"])
    # Excluding it takes it away again; a merge gives the merged theme the briefing's point.
    post(http, "exclude", note=str(card["note"]))
    assert key_points(http.get(PAGE).text)[theme_id]["note"] != card["note"]
    ids = [t.id for t in result(app, event).themes]
    post(http, "merge", theme=[str(i) for i in ids[:2]], into=str(ids[0]))
    merged = assert_same_as_briefing(app, event, http.get(PAGE).text)
    assert ids[0] in merged and ids[1] not in merged


# As in tests/synthesis/test_stance.py: two notes deny what the other four say. (Worded so the
# disclosure screen lets them through: it holds some notes about money that say "not".)
UNIFORMS = ["School uniforms save families money", "A school uniform saves money every year",
            "Uniforms save money for families", "Uniforms are cheaper than buying normal clothes",
            "School uniforms do not save families money",
            "I disagree, uniforms are not cheaper than normal clothes"]
PUSHBACK = UNIFORMS[4:]


def test_a_theme_split_by_stance_says_how_many_notes_take_another_view(app, db_path):
    with app.app_context():
        with reading() as db:
            ev = queries.event_by_slug(db, "test-cafe")
        writers = [do_join_event(ev, table_no=1 + i % 2)[0] for i in range(6)]
        others = ["Housing waiting lists are far too long for women leaving refuge",
                  "Women wait months for housing after leaving the refuge",
                  "Temporary housing is unsafe and far from schools",
                  "The housing register and waiting list punish survivors",
                  "Social housing allocation ignores the risk women face",
                  "Emergency housing placements move women far from their support"]
        for n, text in enumerate(UNIFORMS + others):
            do_submit_note(ev, writers[n % 6], NoteDraft(f"note-{n:05d}", text, "quote"))
        with reading() as db:
            ev = queries.event_by_slug(db, "test-cafe")
    synthesize(app, ev)
    http = staff_client(app)
    ids = dict(rows(db_path, "SELECT text, id FROM notes"))
    assert rows(db_path, "SELECT COUNT(*) FROM notes WHERE flags_json = '[]'")[0][0] == 12
    themes = result(app, ev).themes
    # Staff make one theme hold exactly the six notes on uniforms.
    home = max(themes, key=lambda t: len({ids[u] for u in UNIFORMS} & set(t.note_ids)))
    for text in UNIFORMS:
        if ids[text] not in home.note_ids:
            post(http, "move", note=str(ids[text]), theme=str(home.id))
    for note in home.note_ids:
        if note not in {ids[t] for t in UNIFORMS}:
            post(http, "move", note=str(note), theme="none")
    assert set(next(t for t in result(app, ev).themes if t.id == home.id).note_ids) == \
        {ids[t] for t in UNIFORMS}
    html = http.get(PAGE).text
    card = key_points(html)[home.id]
    assert card["note"] in {ids[t] for t in UNIFORMS[:4]}, card
    assert card["other"] is not None, card
    n, other, note = card["other"]
    assert n >= 2 and note in {ids[t] for t in PUSHBACK}
    assert other == _clean(other) and other.rstrip(".").lower() in {t.lower() for t in PUSHBACK}
    assert_same_as_briefing(app, ev, html)


def test_the_key_point_is_said_in_the_staff_members_language_right_to_left_in_urdu(
        app, event, db_path):  # noqa: F811
    synthesize(app, event)
    http = staff_client(app)
    cards = key_points(http.get(PAGE).text)
    note = next(c["note"] for c in cards.values() if c["note"] is not None)
    urdu = http.get(f"{PAGE}?lang=ur").text
    assert '<html lang="ur" dir="rtl">' in urdu
    assert urdu.count('class="kp-title"') == len(cards) and "اہم نکتہ" in urdu
    assert f"نوٹ نمبر {note} سے" in urdu and f"from note #{note}" not in urdu
    polish = http.get(f"{PAGE}?lang=pl").text
    assert "Kluczowy wniosek" in polish and f"z notatki nr {note}" in polish
    # A theme with no note to quote says so in Bengali too.
    consent = consent_of(db_path)
    theme = result(app, event).themes[0]
    for i in theme.note_ids:
        if consent[i] == "quote":
            post(http, "exclude", note=str(i))
    bengali = http.get(f"{PAGE}?lang=bn").text
    assert "এই থিমের কোনো নোট এখনও উদ্ধৃত করা যাবে না" in bengali


def test_a_note_sent_to_the_safeguarding_lead_is_no_longer_the_key_point(app, event, db_path):  # noqa: F811
    synthesize(app, event)
    http = staff_client(app)
    cards = key_points(http.get(PAGE).text)
    theme_id, card = next((t, c) for t, c in cards.items() if c["note"] is not None)
    text = rows(db_path, "SELECT text FROM notes WHERE id = ?", (card["note"],))[0][0]
    page = http.get(f"{PAGE}/theme/{theme_id}").text
    form = re.search(r'<form method="post" action="([^"]+/send)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    reply = http.post(form, data={"csrf_token": token, "note": card["note"],
                                  "back": f"{PAGE}/theme/{theme_id}"})
    assert reply.status_code == 303
    held = rows(db_path, "SELECT flags_json FROM notes WHERE id = ?", (card["note"],))[0][0]
    assert is_held(json.loads(held))
    html = http.get(PAGE).text
    after = assert_same_as_briefing(app, event, html)
    assert after.get(theme_id, {}).get("note") != card["note"]
    assert text not in unescape(html)


LOOSE = re.compile(r'<p class="meta loose-hint" id="loose-(\d+)">Loose theme: ')


def parts(html: str) -> dict[int, list[dict]]:
    """Read the points listed within each loose theme's card: text, count and source note."""
    out = {}
    for theme_id, body in re.findall(r'<div class="key-point" id="kp-(\d+)">(.*?)</div>',
                                     html, re.S):
        found = re.findall(r'<li dir="auto">(.*?) \((\d+) notes?\) <a class="kp-source" '
                           r'href="[^"]*#n-(\d+)">from note #\3</a></li>', body, re.S)
        if found:
            out[int(theme_id)] = [{"text": unescape(t), "n": int(n), "note": int(i)}
                                  for t, n, i in found]
    return out


def test_a_theme_whose_notes_have_little_in_common_says_so(app, event, db_path):  # noqa: F811
    synthesize(app, event, n_themes=3)
    http = staff_client(app)
    ids = [t.id for t in result(app, event).themes]
    # Themes of one topic each (housing, funding, interpreters): none is loose.
    before = http.get(PAGE).text
    assert not LOOSE.findall(before) and " selected>" not in before
    # Every theme merged into one: its notes are no more alike than any two of the event's.
    assert "many different things" not in draft_markdown(app, event)
    post(http, "merge", theme=[str(i) for i in ids], into=str(ids[0]))
    html = http.get(PAGE).text
    assert LOOSE.findall(html) == [str(ids[0])]
    # The briefing says so of its finding too, and lists the points made within it (sqrt(25)/2:
    # 2 parts), each from a note of a different topic, with its part's count, as the card does.
    md = draft_markdown(app, event)
    assert ("Finding 1 comes from a theme whose notes say many different things, so it lists the "
            "points made within it.") in md
    finding = next(line for line in md.splitlines() if line.startswith("1. "))
    assert ": several different points. " in finding, finding
    listed = re.findall(r"(?:(?<=points\. )|(?<=\) ))(.+?) \((\d+) notes, \d+ tables?\)", finding)
    card = parts(html)[ids[0]]
    assert [(t, int(n)) for t, n in listed] == [(p["text"], p["n"]) for p in card]
    assert len(card) >= 2
    # Its "Split into" offers as many themes as points listed (before the merge, none chose).
    chosen = re.findall(r'<select id="parts-(\d+)"[^>]*>.*?<option value="(\d)" selected>',
                        html, re.S)
    assert chosen == [(str(ids[0]), str(len(card)))], chosen
    topic_of = {text: topic for topic, texts in TOPICS.items() for text in texts}
    notes = dict(rows(db_path, "SELECT id, text FROM notes"))
    topics = [topic_of.get(notes[p["note"]]) for p in card]
    assert len(set(topics)) == len(topics) and None not in topics, topics
    assert sum(p["n"] for p in card) <= 25
    assert [p["n"] for p in card] == sorted((p["n"] for p in card), reverse=True)
    # The summary names a point within it with that point's own count, never the theme's.
    summary = md.split("## Summary")[1].split("## Key points")[0]
    assert f"({card[0]['n']} notes," in summary and "(25 notes" not in summary
    # Undo: the three topics again, none loose.
    post(http, "undo")
    assert not LOOSE.findall(http.get(PAGE).text)
    assert "many different things" not in draft_markdown(app, event)


def test_a_themes_own_page_shows_the_same_key_point_and_loose_flag_as_its_card(
        app, event, db_path):  # noqa: F811
    synthesize(app, event, n_themes=3)
    http = staff_client(app)
    cards = key_points(http.get(PAGE).text)
    for theme_id, card in cards.items():
        page = http.get(f"{PAGE}/theme/{theme_id}").text
        own = key_points(page)
        assert set(own) == {theme_id}
        assert own[theme_id] == card
        assert re.search(rf'<h2 class="kp-title" id="kp-title-{theme_id}">Key point</h2>', page)
        assert not LOOSE.findall(page)
    ids = sorted(cards)
    post(http, "merge", theme=[str(i) for i in ids], into=str(ids[0]))
    page = http.get(f"{PAGE}/theme/{ids[0]}").text
    assert LOOSE.findall(page) == [str(ids[0])]
    assert key_points(page)[ids[0]] == key_points(http.get(PAGE).text)[ids[0]]


def merged_into_one(app, event):  # noqa: F811
    """Theme the three topics, then merge them into one theme (a loose one); return a staff
    client and the ids of the themes before the merge (the first is the merged theme)."""
    synthesize(app, event, n_themes=3)
    http = staff_client(app)
    ids = [t.id for t in result(app, event).themes]
    post(http, "merge", theme=[str(i) for i in ids], into=str(ids[0]))
    return http, ids


def test_a_loose_themes_points_are_reworded_one_by_one_each_with_its_own_count(
        app, event, db_path):  # noqa: F811
    from test_llm import _chat

    from cafe.llm.rewrite import GENERATED, apply_to_markdown, run_pass
    from cafe.llm.tasks import make_tasks, note_facts

    http, ids = merged_into_one(app, event)
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source, res = load_source(db, ev), load_result(db, ev["id"])
    made = generate(source.with_themes(res), res)
    within = made.points[0].parts
    assert len(within) >= 2
    tasks = make_tasks(source.with_themes(res), res, made, glosses=False)
    points = [t for t in tasks if t.kind == "key_point"]
    assert [t.extractive for t in points] == [p.text for p in within]  # one task per point
    first = points[0]
    cited = first.shown[0][0]
    chat = _chat({first.extractive: f"{first.extractive[:-1]}, as 99 notes said. [{cited}]"})
    sentences = run_pass(tasks, chat, note_facts(source))
    done = next(s for s in sentences if s.kind == "key_point" and s.extractive == first.extractive)
    assert done.status == GENERATED, done.reason
    # Its number is its own part's notes, not the theme's or the model's.
    assert f"as {within[0].support.n} notes said" in done.text
    markdown, missed = apply_to_markdown(render_markdown(made), sentences)
    finding = next(line for line in markdown.splitlines() if line.startswith("1. "))
    assert f"{first.extractive[:-1]}, as {within[0].support.n} notes said (cites note" in finding
    assert within[1].text in finding and not [s for s in missed if s.kind == "key_point"]


def test_a_loose_theme_splits_into_the_points_its_card_lists_and_undo_brings_it_back(
        app, event, db_path):  # noqa: F811
    http, ids = merged_into_one(app, event)
    html = http.get(PAGE).text
    listed = parts(html)[ids[0]]
    assert 'name="as_listed" value="1">Split by the points listed</button>' in html
    members = set(result(app, event).themes[0].note_ids)
    post(http, "split", theme=str(ids[0]), parts="5", as_listed="1")  # the count is not used
    after = result(app, event).themes
    assert len(after) == len(listed)
    # Each listed point's notes make one new theme; notes under no point join the largest.
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        source = load_source(db, ev)
    assert set().union(*(t.note_ids for t in after)) == members
    for point, theme in zip(listed, after, strict=True):
        assert point["note"] in theme.note_ids and len(theme.note_ids) >= point["n"]
        assert theme.label and theme.key_phrases and theme.word_weights
        assert all(source.note(i).quotable for i in theme.representative_ids)
    assert sum(len(t.note_ids) for t in after) == len(members)
    post(http, "undo")
    assert [set(t.note_ids) for t in result(app, event).themes] == [members]
    # A theme whose card lists no points cannot be split by them: staff are told what to do.
    post(http, "undo")  # the three topics again, none loose
    before = [set(t.note_ids) for t in result(app, event).themes]
    reply = post(http, "split", theme=str(ids[1]), as_listed="1")
    said = flashes(http.get(reply.headers["Location"]).text)
    assert any("lists no points to split it by" in f for f in said), said
    assert [set(t.note_ids) for t in result(app, event).themes] == before


def test_a_point_listed_within_a_loose_theme_leaves_the_draft_when_its_note_is_withdrawn(
        app, event):  # noqa: F811
    from cafe.actions import do_withdraw_note
    from conftest import csrf_from

    http, ids = merged_into_one(app, event)
    drafts = "/briefings/test-cafe"
    made = http.post(f"{drafts}/drafts", data={"csrf_token": csrf_from(http.get(drafts).text)})
    assert made.status_code == 303, made.text
    draft = made.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    before = http.get(f"{drafts}/drafts/{draft}/export.md").text
    _, _, within = briefing(app, event)
    listed = within[ids[0]]
    assert len(listed) >= 2
    # The second point: the first may also stand in the summary, which is scrubbed the same way.
    text, _, note_id = listed[1]
    assert text in before
    with app.app_context(), reading() as db:
        ev = queries.event_by_slug(db, event["slug"])
        note = queries.note(db, note_id)
        participant = queries.participant(db, note["participant_id"])
    with app.app_context():
        do_withdraw_note(ev, participant, note_id)
    after = http.get(f"{drafts}/drafts/{draft}/export.md").text
    assert text not in after
    assert "[point removed: its note is no longer available]" in after
    # The other points made within the theme stay as they were.
    for other, _, other_id in listed:
        if other_id != note_id:
            assert other in after
