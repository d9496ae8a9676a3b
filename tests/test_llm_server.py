"""The language-model pass through the briefing editor, against a real OpenAI-compatible server on
127.0.0.1 (a tiny one written here, answering /v1/chat/completions with chosen text) and a real
worker process: off-point and copying answers fall back, counts are recomputed, held notes never
reach the model, Cancel stops the worker, and a server off the local network is refused."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_briefing_regenerate import stored  # noqa: F401 (a fixture)
from test_briefing_web import DRAFTS, _markdown, made  # noqa: F401 (fixtures)

from cafe.actions.llm_pass import PASSES
from conftest import login

OFF_POINT = "The moon is made of green cheese and rockets fly to it."
COPIED = "my caseworker said waiting lists for interpreters are normal"  # the do-not-quote note


class FakeModel:
    """A real HTTP server on 127.0.0.1 speaking OpenAI's chat format, answering by the task."""

    def __init__(self, delay: float = 0.0):
        self.prompts: list[str] = []
        self.delay = delay
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path != "/v1/chat/completions":
                    self.send_error(404)
                    return
                text = "\n".join(m["content"] for m in body["messages"])
                model.prompts.append(text)
                time.sleep(model.delay)
                reply = json.dumps({"choices": [{"message": {"role": "assistant",
                                                             "content": model.answer(text)}}]})
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(reply.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker was cancelled while the "model" thought

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def answer(prompt: str) -> str:
        shown = re.findall(r"^\[(\d+)\] (.+)$", prompt, re.MULTILINE)
        first = shown[0][0] if shown else "1"
        if "summing up" in prompt:
            finding = re.sub(r" \(\d+ notes, \d+ tables\)$", "", shown[0][1]).rstrip(".")
            return f"Most often people said: {finding}, in 99 notes. [{first}]"
        if "recommendation" in prompt:
            return f"Services said {COPIED}. [{first}]"
        return f"{OFF_POINT} [{first}]"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def model():
    fake = FakeModel()
    yield fake
    fake.close()


def _post(made, path):  # noqa: F811
    return made["http"].post(f"{DRAFTS}/drafts/{made['draft']}/llm/{path}", headers={
        "X-CSRFToken": made["csrf"], "Accept": "application/json"})


def _wait(made, until=("done", "failed", "cancelled"), timeout=120.0):  # noqa: F811
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}/llm.json").get_json()["pass"]
        if state and state["status"] in until:
            return state
        time.sleep(0.2)
    raise AssertionError(f"the pass did not reach {until}: {state}")


def test_the_url_backend_runs_a_pass_whose_off_point_answers_fall_back(app, stored, model):  # noqa: F811
    app.config["CAFE_LLM_URL"] = model.url
    before = _markdown(app, stored["draft"])
    editor = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}").text
    assert 'id="llm-panel"' in editor and 'id="llm-start"' in editor
    started = _post(stored, "start")
    assert started.status_code == 200, started.get_data(as_text=True)
    state = _wait(stored)
    assert state["status"] == "done", state
    assert model.prompts, "the worker asked the server"
    asked = "\n".join(model.prompts)
    for secret in ("DISCLOSURE-SECRET", "DONOTQUOTE-SECRET", "07700"):
        assert secret not in asked  # held, do-not-quote, personal details: never sent
    after = _markdown(app, stored["draft"])
    assert after != before
    assert "green cheese" not in after and COPIED not in after
    assert "in 99 notes" not in after and re.search(r"in \d+ notes \(cites note \d+\)\.", after)
    assert "DISCLOSURE-SECRET" not in after
    records = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}/llm").text
    assert 'data-status="fallback" data-kind="key_point"' in records
    assert "not supported by the notes it cites" in records
    assert 'data-status="generated" data-kind="summary"' in records
    assert "99 notes -&gt;" in records  # the count recomputed, and said so
    if 'data-kind="ask"' in records:
        assert "copies 6 or more words in a row" in records
    # The key points stay Café's own sentences; the history has the pass's version.
    assert "Version 2" in stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}").text
    # The note the summary's sentence rests on is withdrawn: exports leave the sentence out.
    from cafe import queries
    from cafe.actions import do_withdraw_note
    from cafe.db import reading

    sentence = next(s for s in stored_records(app, stored["draft"]) if s["kind"] == "summary"
                    and s["status"] == "generated")
    exported = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}/export.md").text
    assert sentence["text"].rstrip(".") in exported
    with app.app_context(), reading() as db:
        note = queries.note(db, sentence["cited"][0])
        participant = queries.participant(db, note["participant_id"])
    with app.app_context():
        do_withdraw_note(stored["event"], participant, note["id"])
    exported = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}/export.md").text
    assert sentence["text"].rstrip(".") not in exported
    assert "[point removed: its note is no longer available]" in exported


def stored_records(app, draft_id):
    """Return the records of a draft's last pass, as stored with the draft."""
    from cafe.db import reading

    with app.app_context(), reading() as db:
        row = db.execute("SELECT source_json FROM briefing_drafts WHERE id = ?",
                         [draft_id]).fetchone()
    return json.loads(row[0])["llm"]["sentences"]


def test_cancel_stops_the_worker_and_leaves_the_draft(app, stored):  # noqa: F811
    slow = FakeModel(delay=30.0)
    try:
        app.config["CAFE_LLM_URL"] = slow.url
        before = _markdown(app, stored["draft"])
        assert _post(stored, "start").status_code == 200
        _wait(stored, until=("running",), timeout=60)
        busy = _post(stored, "start")
        assert busy.status_code == 409 and "already working" in busy.get_json()["error"]
        cancelled = _post(stored, "cancel")
        assert cancelled.status_code == 200 and cancelled.get_json()["pass"]["status"] == \
            "cancelled"
        process = PASSES[stored["draft"]]["process"]
        process.wait(timeout=10)  # killed, not left thinking
        assert process.returncode is not None and process.returncode < 0
        assert _wait(stored, until=("cancelled",))["status"] == "cancelled"
        assert _markdown(app, stored["draft"]) == before
        assert _post(stored, "cancel").status_code == 409  # nothing left to cancel
    finally:
        slow.close()


def test_a_server_off_the_local_network_is_refused_and_says_why(app, stored):  # noqa: F811
    app.config["CAFE_LLM_URL"] = "http://8.8.8.8:11434"
    editor = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}").text
    assert "neither this machine nor the local network" in editor
    assert 'id="llm-start"' not in editor
    refused = _post(stored, "start")
    assert refused.status_code == 400 and "CAFE_LLM_ALLOW_REMOTE" in refused.get_json()["error"]
    assert stored["draft"] not in PASSES or PASSES[stored["draft"]]["status"] != "running"


def test_without_a_model_nothing_changes(app, made):  # noqa: F811
    editor = made["http"].get(f"{DRAFTS}/drafts/{made['draft']}").text
    assert "llm-panel" not in editor and "llm.js" not in editor
    refused = _post(made, "start")
    assert refused.status_code == 400 and "No local language model" in refused.get_json()["error"]


def test_only_staff_start_it_and_never_without_the_csrf_token(app, stored, model):  # noqa: F811
    app.config["CAFE_LLM_URL"] = model.url
    url = f"{DRAFTS}/drafts/{stored['draft']}/llm/start"
    assert stored["http"].post(url, headers={"Accept": "application/json"}).status_code == 400
    facilitator = app.test_client()
    assert login(facilitator, "fac").status_code == 303
    page = facilitator.get("/console/test-cafe").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    assert facilitator.post(url, headers={"X-CSRFToken": token}).status_code == 403
    assert not model.prompts
    polish = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}?lang=pl").text
    assert "Przeredaguj za pomocą modelu językowego" in polish  # the panel speaks staff's language
