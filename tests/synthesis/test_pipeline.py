import pytest

from cafe.synthesis import NoteInput, SynthesisPipeline


def _all_ids(result):
    return sorted([i for t in result.themes for i in t.note_ids] + result.unthemed)


def test_every_note_ends_up_in_exactly_one_place(corpus):
    notes, _ = corpus
    result = SynthesisPipeline(n_themes=4).run(notes)
    assert _all_ids(result) == sorted(n.id for n in notes)
    assert 3 <= len(result.themes) <= 4


def test_same_seed_same_result(corpus):
    notes, _ = corpus
    a = SynthesisPipeline(random_state=3).run(notes)
    b = SynthesisPipeline(random_state=3).run(notes)
    assert [(t.label, t.note_ids) for t in a.themes] == [(t.label, t.note_ids) for t in b.themes]


def test_representatives_are_quotable_and_redacted(corpus):
    notes, _ = corpus
    flagged = {notes[0].id, notes[3].id}
    notes = [NoteInput(n.id, n.text, n.table, n.round, "quote",
                       ("disclosure",) if n.id in flagged else ()) if n.consent != "none" else n
             for n in notes]
    by_id = {n.id: n for n in notes}
    result = SynthesisPipeline(n_themes=4, redact=str.upper).run(notes)
    reps = [i for t in result.themes for i in t.representative_ids]
    assert reps
    for theme in result.themes:
        assert 1 <= len(theme.representative_ids) <= 3
        assert set(theme.representative_ids) <= set(theme.note_ids)
        for i in theme.representative_ids:
            assert by_id[i].consent == "quote" and i not in flagged
            assert theme.quotes[i] == by_id[i].text.upper()


def test_counts_by_table_and_round(corpus):
    notes, _ = corpus
    by_id = {n.id: n for n in notes}
    for theme in SynthesisPipeline(n_themes=4).run(notes).themes:
        assert sum(theme.counts_by_table.values()) == len(theme.note_ids)
        assert sum(theme.counts_by_round.values()) == len(theme.note_ids)
        first = by_id[theme.note_ids[0]]
        assert theme.counts_by_table[first.table] >= 1


def test_progress_goes_from_zero_to_one(corpus):
    seen = []
    SynthesisPipeline().run(corpus[0], progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_params_record_the_method(corpus):
    params = SynthesisPipeline().run(corpus[0]).params
    group = params["groups"][0]
    assert group["vectorizer"]["step"] == "TfidfLsaVectorizer"
    assert group["clusterer"]["step"] == "ThemeClusterer"
    assert params["scripts"] == {"latin": len(corpus[0])}


@pytest.mark.parametrize("texts", [[], ["one note about housing"],
                                   ["housing is hard", "interpreters are rare"]])
def test_tiny_inputs_do_not_crash(texts):
    notes = [NoteInput(i, t) for i, t in enumerate(texts)]
    result = SynthesisPipeline().run(notes)
    assert _all_ids(result) == list(range(len(texts)))
    assert len(result.themes) <= 1


def test_all_duplicates_make_one_theme():
    notes = [NoteInput(i, "We need more refuge spaces") for i in range(30)]
    result = SynthesisPipeline(n_themes=5).run(notes)
    assert len(result.themes) == 1 and len(result.themes[0].note_ids) == 30
    assert "refuge" in result.themes[0].label.lower()


def test_very_short_and_empty_notes():
    texts = ["ok", "yes", "", "  ", "?", "no", "👍", "housing", "housing", "police"]
    result = SynthesisPipeline().run([NoteInput(i, t) for i, t in enumerate(texts)])
    assert _all_ids(result) == list(range(len(texts)))
    assert {2, 3} <= set(result.unthemed)


def test_scripts_are_never_mixed(corpus):
    notes, _ = corpus
    bengali = ["আবাসনের জন্য অপেক্ষা তালিকা অনেক দীর্ঘ", "দোভাষী পাওয়া খুব কঠিন",
               "আবাসন অফিসে কেউ বাংলা বলে না", "দোভাষী ছাড়া চিঠি বোঝা যায় না"]
    urdu = ["رہائش کی انتظار کی فہرست بہت لمبی ہے", "مترجم ملنا بہت مشکل ہے",
            "پولیس نے ہماری بات نہیں سنی"]
    extra = [NoteInput(900 + i, t) for i, t in enumerate(bengali)] + \
        [NoteInput(950 + i, t) for i, t in enumerate(urdu)]
    result = SynthesisPipeline(n_themes=5).run(notes + extra)
    script_of = {n.id: "latin" for n in notes} | {900 + i: "bn" for i in range(4)} | \
        {950 + i: "ur" for i in range(3)}
    for theme in result.themes:
        assert len({script_of[i] for i in theme.note_ids}) == 1
    assert set(result.params["scripts"]) == {"latin", "bengali", "arabic"}
    assert any(t.key.startswith("bengali:") for t in result.themes)


def test_lone_note_in_another_script_is_unthemed(corpus):
    notes, _ = corpus
    result = SynthesisPipeline().run(notes + [NoteInput(999, "مترجم ملنا بہت مشکل ہے")])
    assert 999 in result.unthemed


def test_notes_far_from_every_theme_are_unthemed(corpus):
    notes, _ = corpus
    odd = [NoteInput(800, "Bring biscuits and tea for the next break"),
           NoteInput(801, "The projector cable was missing")]
    strict = SynthesisPipeline(n_themes=4, min_similarity=0.3).run(notes + odd)
    assert {800, 801} <= set(strict.unthemed)
    lenient = SynthesisPipeline(n_themes=4, min_similarity=None, min_theme_size=1).run(notes)
    assert lenient.unthemed == []


def test_blas_threads_are_limited_inside_run_and_restored_after(corpus):
    from threadpoolctl import threadpool_info

    before = [p["num_threads"] for p in threadpool_info()]
    seen = []
    SynthesisPipeline(n_threads=1).run(
        corpus[0], progress=lambda f, m: seen.append([p["num_threads"] for p in threadpool_info()]))
    assert seen and all(n == 1 for threads in seen for n in threads)
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_mixed_scripts_in_one_note_follow_the_majority():
    notes = [NoteInput(1, "housing হাউজিং সমস্যা খুব বেশি আবাসন"), NoteInput(2, "আবাসন সমস্যা অনেক"),
             NoteInput(3, "Housing waiting lists are long"), NoteInput(4, "Housing waiting lists")]
    result = SynthesisPipeline(min_similarity=None).run(notes)
    assert result.params["scripts"] == {"bengali": 2, "latin": 2}
    for theme in result.themes:
        assert set(theme.note_ids) in ({1, 2}, {3, 4})
