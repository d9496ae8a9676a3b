"""The optional language model's plumbing and its grounding check, without a model: which servers
may be used, what the model is shown, and which sentences are kept (issue 21.5)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from briefing_data import SECRETS, result, source

from cafe.briefing.draft import generate
from cafe.briefing.markdown import render_markdown
from cafe.briefing.source import NoteRecord
from cafe.llm.backends import LlmConfig, LlmUnavailable, check_url, problem
from cafe.llm.grounding import COPY_RUN, NoteFact, check, recount, tfidf_similarity
from cafe.llm.rewrite import FALLBACK, GENERATED, apply_to_markdown, prompt, run_pass, split_reply
from cafe.llm.tasks import make_tasks, note_facts


@pytest.mark.parametrize("url", ["http://127.0.0.1:11434", "http://localhost:8080/v1/",
                                 "http://[::1]:1234", "http://10.0.0.5:11434",
                                 "http://192.168.1.20:1234", "https://172.16.3.4"])
def test_a_server_on_this_machine_or_the_lan_is_allowed(url):
    assert check_url(url).startswith("http")
    assert not check_url(url).endswith(("/", "/v1"))


@pytest.mark.parametrize("url", ["http://8.8.8.8:11434", "https://api.openai.com",
                                 "http://203.0.113.9/v1"])
def test_a_server_elsewhere_is_refused_unless_an_admin_allows_it(url):
    with pytest.raises(LlmUnavailable, match="neither this machine nor the local network"):
        check_url(url)
    assert "CAFE_LLM_ALLOW_REMOTE" in problem(LlmConfig(url=url))
    assert check_url(url, allow_remote=True)
    assert problem(LlmConfig(url=url, allow_remote=True)) is None


def test_a_url_that_is_not_http_is_refused_and_nothing_set_is_off():
    with pytest.raises(LlmUnavailable, match="http"):
        check_url("file:///etc/passwd")
    assert not LlmConfig().enabled and problem(LlmConfig()) is None
    assert "not a file" in problem(LlmConfig(gguf="/nowhere/model.gguf"))


def _notes():
    return {
        1: NoteFact(1, "Interpreters should be booked by the service, not by the child."),
        2: NoteFact(2, "Waiting lists for interpreters are months long, 3 months at least."),
        3: NoteFact(3, "my caseworker said waiting lists for interpreters are normal", "none"),
        4: NoteFact(4, "waiting lists for interpreters push women back home", "paraphrase"),
        5: NoteFact(5, "he hurts me at home and the interpreter was his cousin", held=True),
        6: NoteFact(6, "tłumacze są potrzebni w szpitalach", unscreened=True),
        7: NoteFact(7, "Trust in police grows when officers listen"),
    }


def _check(sentence, cited, allowed=(1, 2, 3, 4), facts=None):
    notes = _notes()
    sim = tfidf_similarity([n.text for n in notes.values()])
    return check(sentence, cited, allowed, notes, facts or {"notes": 4, "tables": 2}, sim)


def test_a_grounded_sentence_is_kept():
    verdict = _check("Services, not children, should book interpreters.", [1])
    assert verdict.ok, verdict.reason
    assert verdict.similarity >= 0.3


def test_an_off_point_sentence_is_rejected():
    verdict = _check("The weather on Mars is cold and red today.", [1, 2])
    assert not verdict.ok and "not supported by the notes it cites" in verdict.reason


def test_copying_six_words_from_a_note_not_for_quoting_is_rejected():
    assert COPY_RUN == 6
    six = _check("People said waiting lists for interpreters are normal.", [2, 3])
    assert not six.ok and "from note 3, not for quoting" in six.reason
    para = _check("Long waiting lists for interpreters push women back home.", [4])
    assert not para.ok and "paraphrase only" in para.reason
    five = _check("Waiting lists for interpreters are long.", [2])  # 5 words of note 3 in a row
    assert five.ok, five.reason


def test_numbers_are_recomputed_or_the_sentence_is_rejected():
    fixed = _check("Across 9 notes and 7 tables, waiting lists for interpreters are long.", [2])
    assert fixed.ok, fixed.reason
    assert "4 notes" in fixed.text and "2 tables" in fixed.text and "9" not in fixed.text
    assert "9 notes -> 4 notes" in fixed.reason
    said = _check("Waiting lists for interpreters last 3 months at least.", [2])
    assert said.ok and "3 months" in said.text  # a participant's number, in the note cited
    made_up = _check("Waiting lists for interpreters last 14 months.", [2])
    assert not made_up.ok and "the number 14" in made_up.reason
    assert recount("12 notes, 3 rounds", {"notes": 5}, [])[0] is None  # rounds not known
    one = _check("Across 9 notes, waiting lists for interpreters are long.", [2],
                 facts={"notes": 1})
    assert one.ok and one.text.startswith("Across 1 note,"), one
    worded = _check("Twelve notes called the waiting lists for interpreters long.", [2])
    assert worded.ok and worded.text.startswith("4 notes called"), worded


def test_citations_must_be_real_notes_of_the_theme_never_held_or_unscreened():
    assert "cites no note" in _check("Interpreters should be booked by services.", []).reason
    assert "not in this theme" in _check("Trust in police grows when officers listen.",
                                         [7]).reason
    assert "does not exist" in _check("Interpreters should be booked.", [99]).reason
    held = _check("Interpreters were family members.", [5], allowed=(1, 5))
    assert not held.ok and "held for the safeguarding lead" in held.reason
    unscreened = _check("Interpreters are needed in hospitals.", [6], allowed=(1, 6))
    assert not unscreened.ok and "could not screen" in unscreened.reason
    copied = _check("He said the interpreter was his cousin at home.", [1])
    assert not copied.ok or "cousin" not in copied.text  # a held note's words: never kept
    assert not _check("he hurts me at home and the interpreter", [1]).ok


def test_replies_are_split_into_sentences_with_their_citations():
    said = split_reply("Reworded finding: Services should book interpreters. [1, 2]\n"
                       "- Waiting lists are long [note 2]. And a third (no cite).")
    assert said == [("Services should book interpreters.", [1, 2]),
                    ("Waiting lists are long.", [2]), ("And a third (no cite).", [])]
    assert split_reply("") == []


def test_the_model_never_sees_a_held_unscreened_or_do_not_quote_note():
    src, res = source(), result()
    briefing = generate(src.with_themes(res), res)
    tasks = make_tasks(src.with_themes(res), res, briefing)
    kinds = {t.kind for t in tasks}
    assert {"key_point", "summary"} <= kinds
    shown = "\n".join(m["content"] for t in tasks for m in prompt(t))
    for secret in ("DONOTQUOTE-SECRET", "DISCLOSURE-SECRET", "07700", "a@b.org"):
        assert secret not in shown
    # Held (10) and withdrawn (11) notes are never citable; note 4 (counted only) is in its theme.
    for task in tasks:
        assert 10 not in task.allowed and 11 not in task.allowed
    assert 4 in next(t for t in tasks if t.key == "latin:theme:0").allowed


def test_a_note_in_another_screened_language_gets_a_gloss_task_an_unscreened_one_never():
    src = source()
    polish = NoteRecord(20, "Tłumacze powinni być dostępni w każdym szpitalu, bez czekania.",
                        1, 1, "paraphrase", "saved", (), 1)
    other = NoteRecord(21, "Turjubaannada waa in ay jiraan isbitaal kasta", 1, 1, "quote",
                       "saved", ("unscreened",), 2)
    src = replace(src, notes=src.notes + (polish, other))
    res = result()
    tasks = make_tasks(src, res, generate(src.with_themes(res), res))
    glosses = [t for t in tasks if t.kind == "gloss"]
    assert [t.key for t in glosses] == ["20"] and glosses[0].title == "pl"


def _chat(answers):
    """A stand-in model for the plumbing: answers by the task's wording (the real ones are in
    test_llm_model and test_llm_server)."""
    def chat(messages, max_tokens):
        ask = messages[-1]["content"]
        for key, text in answers.items():
            if key in ask:
                return text
        return ""
    return chat


def test_a_pass_keeps_grounded_sentences_and_falls_back_on_the_rest():
    src, res = source(), result()
    briefing = generate(src.with_themes(res), res)
    tasks = make_tasks(src.with_themes(res), res, briefing, glosses=False)
    chat = _chat({  # the first key in a task's prompt answers it
        "summing up": "Most notes asked services to book interpreters. [1] Cats sleep a lot. [8]",
        "Interpreters should be booked": "The service, not a child, should book interpreters, "
                                         "as 12 notes said. [1, 2]",
        "trust in police": "Bananas are a good source of potassium. [8]",
    })
    sentences = run_pass(tasks, chat, note_facts(src))
    first = next(s for s in sentences if s.kind == "key_point" and s.key == "latin:theme:0")
    assert first.status == GENERATED and "6 notes" in first.text and first.cited == [1, 2]
    police = next(s for s in sentences if s.kind == "key_point" and s.key == "latin:theme:1")
    assert police.status == FALLBACK and police.text == police.extractive
    assert "not supported" in police.reason
    summary = [s for s in sentences if s.kind == "summary"]
    assert [s.status for s in summary] == [GENERATED, FALLBACK]
    markdown, missed = apply_to_markdown(render_markdown(briefing), sentences)
    assert not missed
    assert "as 6 notes said (cites notes 1, 2)." in markdown.split("## Key points")[1]
    asks = markdown.split("## Recommendations and asks")[1].split("##")[0]
    assert "as 1 note said (cites notes 1, 2)." in asks  # its own count: one note asked
    assert "Cats sleep" not in markdown and "Bananas" not in markdown
    assert police.extractive in markdown
    assert "Most notes asked services to book interpreters (cites note 1)." in markdown
    for secret in SECRETS:
        assert secret not in markdown


def test_a_sentence_staff_changed_is_left_alone():
    src, res = source(), result()
    briefing = generate(src.with_themes(res), res)
    tasks = make_tasks(src.with_themes(res), res, briefing, glosses=False)
    chat = _chat({"Interpreters should be booked": "Services should book interpreters. [1]"})
    sentences = run_pass(tasks, chat, note_facts(src))
    edited = render_markdown(briefing).replace("Interpreters should be booked by the service",
                                               "Staff wrote this")
    markdown, missed = apply_to_markdown(edited, sentences)
    assert "Services should book interpreters" not in markdown.split("## Summary")[1]
    # The summary held the finding too: staff changed it, so it stays theirs as well.
    assert {s.kind for s in missed} == {"key_point", "ask", "summary"}
    assert "Staff wrote this" in markdown


def test_a_gloss_is_kept_for_staff_only_when_its_numbers_are_the_notes():
    src = source()
    polish = NoteRecord(20, "Tłumacze powinni być dostępni w każdym szpitalu, 24 godziny na dobę.",
                        1, 1, "paraphrase", "saved", (), 1)
    src = replace(src, notes=src.notes + (polish,))
    res = result()
    briefing = generate(src.with_themes(res), res)
    tasks = [t for t in make_tasks(src, res, briefing) if t.kind == "gloss"]
    good = _chat({"Translate": "Interpreters should be available in every hospital, 24 hours "
                               "a day."})
    [kept] = run_pass(tasks, good, note_facts(src))
    assert kept.status == GENERATED and kept.cited == [20] and "24 hours" in kept.text
    made_up = _chat({"Translate": "Interpreters should be available in 12 hospitals."})
    [gloss] = run_pass(tasks, made_up, note_facts(src))
    assert gloss.status == FALLBACK and "the number 12" in gloss.reason and not gloss.text
    markdown, _ = apply_to_markdown(render_markdown(briefing), [kept])
    assert "hospital" not in markdown  # never put in a briefing


def test_eval_key_points_take_the_models_sentence_only_where_the_cited_notes_support_it():
    from cafe.llm.eval_points import reword_points

    texts = ["we need independent interpreters, never family members",
             "interpreters should be trained in domestic abuse",
             "a female interpreter helps women speak about the abuse",
             "refuge spaces are too few for women with older sons",
             "more refuge spaces for women with disabilities",
             "refuge spaces for women with sons are missing"]
    themes = {"groups": [{"group": "q", "themes": [
        {"label": "Interpreters", "key_point": "Interpreters should be trained in domestic abuse.",
         "key_point_row": 1, "rows": [0, 1, 2]},
        {"label": "Refuge spaces", "key_point": "More refuge spaces for women with disabilities.",
         "key_point_row": 4, "rows": [3, 4, 5]},
        {"label": "Nothing to say", "key_point": None, "rows": []}]}]}
    chat = _chat({
        # Supported by the notes it cites, and its count is recomputed (3 notes, not 40).
        "Interpreters should be trained": "Independent interpreters trained in domestic abuse "
                                          "help women speak, as 40 notes said. [0, 1, 2]",
        # Cites a note of another theme: refused, the extractive point stays.
        "More refuge spaces": "Women need more refuge spaces for their sons. [0]",
    })
    said = reword_points(themes, texts, chat)
    first, second, empty = themes["groups"][0]["themes"]
    assert said == {"reworded": 1, "kept": 1}
    assert first["key_point_by"] == "model" and first["key_point_cites"] == [0, 1, 2]
    assert first["key_point"].startswith("Independent interpreters") and "3 notes" in \
        first["key_point"] and "40" not in first["key_point"]
    assert first["extractive_point"] == "Interpreters should be trained in domestic abuse."
    assert second["key_point_by"] == "notes" and "extractive_point" not in second
    assert second["key_point"] == "More refuge spaces for women with disabilities."
    assert empty["key_point_by"] == "notes" and empty["key_point"] is None
