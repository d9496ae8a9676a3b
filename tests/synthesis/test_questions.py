"""Themes per question: each round's notes themed on their own, deterministically."""

import csv
import json
import re

import numpy as np
from click.testing import CliRunner
from sklearn.metrics import normalized_mutual_info_score
from sklearn.preprocessing import normalize

from cafe.cli import cli
from cafe.synthesis import NoteInput, SynthesisPipeline
from cafe.synthesis.cluster import ThemeClusterer, co_association, denoised, question_k
from cafe.synthesis.evaluate import evaluate_groups
from cafe.synthesis.vectorize import TfidfLsaVectorizer

# Six different things people say about one question; every note also names the question.
POINTS = [
    ["interpreters", "language", "translated", "urdu", "bengali", "polish"],
    ["housing", "refuge", "flat", "waiting", "accommodation", "council"],
    ["police", "court", "protection", "order", "prosecution", "evidence"],
    ["school", "teachers", "children", "pupils", "lessons", "classroom"],
    ["funding", "grants", "money", "budget", "commissioning", "contracts"],
    ["counselling", "therapy", "trauma", "wellbeing", "mental", "health"],
]
STEMS = ["survivors need better", "what helps survivors is", "support for survivors means",
         "I think survivors want", "more", "please improve"]


def one_question(n: int, seed: int = 0, points: int = 6) -> tuple[list[str], list[int]]:
    """Return n synthetic notes answering one question, and which point each one makes."""
    rng = np.random.default_rng(seed)
    texts, truth = [], []
    for i in range(n):
        p = i % points
        words = rng.choice(POINTS[p], 3, replace=False)
        texts.append(f"{STEMS[rng.integers(len(STEMS))]} {words[0]} {words[1]} and {words[2]}")
        truth.append(p)
    return texts, truth


def labels_of(result, n: int) -> np.ndarray:
    out = np.full(n, -1)
    for j, theme in enumerate(result.themes):
        out[theme.note_ids] = j
    return out


def test_same_notes_same_themes_whatever_the_seed():
    texts, _ = one_question(90)
    notes = [NoteInput(i, t, round=1) for i, t in enumerate(texts)]
    runs = [SynthesisPipeline(random_state=s, by_question=True, min_similarity=None).run(notes)
            for s in (0, 0, 1, 7)]
    first = [(t.label, t.note_ids) for t in runs[0].themes]
    for other in runs[1:]:
        assert [(t.label, t.note_ids) for t in other.themes] == first


def test_each_question_is_themed_on_its_own():
    texts, _ = one_question(60)
    # The same words in two rounds: all-together would mix them; per question never does.
    notes = [NoteInput(i, t, round=1 + i // 60) for i, t in enumerate(texts + texts)]
    result = SynthesisPipeline(by_question=True, min_similarity=None).run(notes)
    rounds = {n.id: n.round for n in notes}
    assert {t.question for t in result.themes} == {1, 2}
    for theme in result.themes:
        assert {rounds[i] for i in theme.note_ids} == {theme.question}
        assert theme.key.startswith(f"q{theme.question}:")
    assert len({t.key for t in result.themes}) == len(result.themes)
    assert result.params["by_question"] is True
    together = SynthesisPipeline(by_question=False, min_similarity=None).run(notes)
    assert any(len({rounds[i] for i in t.note_ids}) == 2 for t in together.themes)
    assert all(t.question is None for t in together.themes)


def test_a_number_of_themes_is_per_question():
    texts, _ = one_question(60)
    notes = [NoteInput(i, t, round=1 + i // 60) for i, t in enumerate(texts + texts)]
    result = SynthesisPipeline(n_themes=3, by_question=True, min_similarity=None).run(notes)
    per_question = {q: sum(t.question == q for t in result.themes) for q in (1, 2)}
    assert per_question == {1: 3, 2: 3}


def test_automatic_k_finds_the_points_within_one_question():
    texts, truth = one_question(120)
    notes = [NoteInput(i, t, round=1) for i, t in enumerate(texts)]
    result = SynthesisPipeline(by_question=True, min_similarity=None).run(notes)
    # Six points among 120 notes: the silhouette of one topic would stop at two or three.
    assert 4 <= len(result.themes) <= 8
    assert normalized_mutual_info_score(truth, labels_of(result, len(texts))) > 0.6
    few = [NoteInput(i, t, round=1) for i, t in enumerate(one_question(24)[0])]
    assert 2 <= len(SynthesisPipeline(by_question=True).run(few).themes) <= 3


def test_question_k_grows_slowly_and_is_bounded():
    assert question_k(4) == 2 and question_k(30) == 3 and question_k(110) == 5
    assert question_k(230) == 8 and question_k(100_000) == 12
    assert [question_k(n) for n in range(2, 2000, 37)] == sorted(
        question_k(n) for n in range(2, 2000, 37))


def grouped_csv(path):
    texts, truth = one_question(60, seed=3)
    more, other = one_question(40, seed=4, points=4)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "topic"])
        for i, (t, y) in enumerate(zip(texts, truth, strict=True)):
            w.writerow([t, "" if i % 10 == 0 else f"a{y}", "first"])  # some rows unlabelled
        for t, y in zip(more, other, strict=True):
            w.writerow([t, f"b{y}", "second"])
    return 100


def test_eval_group_themes_each_group_and_writes_the_themes(tmp_path, monkeypatch):
    monkeypatch.setenv("CAFE_DB", str(tmp_path / "cli.db"))
    n = grouped_csv(tmp_path / "notes.csv")
    out = tmp_path / "themes.json"
    result = CliRunner().invoke(cli, ["eval", str(tmp_path / "notes.csv"), "--group", "topic",
                                      "--seed", "2", "--json", "--themes-out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    groups, means = lines[:-1], lines[-1]
    assert [g["group"] for g in groups] == ["first", "second"]
    assert groups[0]["n"] == 60 and groups[0]["n_scored"] == 54 and groups[1]["n_scored"] == 40
    assert groups[0]["k_expected"] == 6 and groups[1]["k_expected"] == 4
    assert means["groups"] == 2 and means["nmi"] == round(np.mean([g["nmi"] for g in groups]), 4)
    assert means["nmi"] > 0.5
    themes = json.loads(out.read_text())
    with open(tmp_path / "notes.csv", newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    assert [g["group"] for g in themes["groups"]] == ["first", "second"]
    seen = []
    for g, first in zip(themes["groups"], (0, 60), strict=True):
        rows = [r for t in g["themes"] for r in t["rows"]] + g["unthemed"]
        assert sorted(rows) == list(range(first, first + (60 if first == 0 else 40)))
        for t in g["themes"]:
            assert t["label"] and {"label", "key_point", "stance", "rows"} <= set(t)
            assert set(t) <= {"label", "key_point", "stance", "rows", "other_point", "other_rows",
                              "key_point_row"}
            # The key point module's sentence, taken from one of the theme's own notes: that row.
            assert isinstance(t["key_point"], str) and t["key_point"]
            assert t["key_point_row"] in t["rows"]
            assert _words(t["key_point"]) <= _words(texts[t["key_point_row"]])
            assert t["stance"] in (None, "mixed")
        seen += rows
    assert sorted(seen) == list(range(n))
    # Unlabelled rows are themed too (row 0 has no label).
    assert any(0 in t["rows"] for t in themes["groups"][0]["themes"])


def test_eval_group_scores_and_true_k(tmp_path):
    grouped_csv(tmp_path / "notes.csv")
    per_group, means, themes = evaluate_groups(str(tmp_path / "notes.csv"), "topic", k="true")
    assert [g["k"] for g in per_group] == [6, 4]
    assert means["k_ratio"] == 1.0
    bad = CliRunner().invoke(cli, ["eval", str(tmp_path / "notes.csv"), "--group", "nope"])
    assert bad.exit_code == 1 and "nope" in bad.output


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_themes_out_reports_a_theme_whose_notes_disagree(tmp_path):
    # One question, two clear points; on the first, half the notes say the opposite.
    yes = [f"Schools should teach consent in lessons {w}" for w in
           ("every year", "from age eleven", "with trained staff", "in small groups",
            "with parents told", "as part of health", "each term", "with survivors' input")]
    no = [f"Schools should not teach consent in lessons {w}" for w in
          ("at all", "because parents object", "it is not their job", "they never do it well",
           "without parents", "nobody trains the staff", "it is not wanted", "no time left")]
    other = [f"Refuges need more funding for {w} beds and staff" for w in
             ("family", "emergency", "long stay", "disabled", "teenage", "night", "weekend",
              "winter", "extra", "shared", "private", "local", "rural", "city", "new", "safe")]
    path = tmp_path / "q.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label", "question"])
        for t in yes + no:
            w.writerow([t, "consent", "q1"])
        for t in other:
            w.writerow([t, "refuge", "q1"])
    _, _, themes = evaluate_groups(str(path), "question", k=2)
    found = themes["groups"][0]["themes"]
    assert len(found) == 2
    split = [t for t in found if t["stance"] == "mixed"]
    assert len(split) == 1, found
    t = split[0]
    sides = [set(range(8)), set(range(8, 16))]
    assert set(t["other_rows"]) in sides and set(t["rows"]) >= set(range(16))
    assert t["other_point"] and t["other_point"] != t["key_point"]
    assert all(x["stance"] is None and "other_rows" not in x for x in found if x is not t)


def _agreement(a, b) -> float:
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import confusion_matrix

    cm = confusion_matrix(np.unique(a, return_inverse=True)[1], np.unique(b, return_inverse=True)[1])
    rows, cols = linear_sum_assignment(-cm)
    return cm[rows, cols].sum() / len(a)


def test_co_association_counts_how_often_two_notes_share_a_group():
    rng = np.random.default_rng(0)
    X = normalize(np.vstack([rng.normal(c, 0.3, (20, 5)) for c in np.eye(5)[:3] * 3]))
    together = co_association(X, 3, 12, 48)
    assert together.shape == (60, 60)
    assert np.allclose(together, together.T) and np.allclose(np.diag(together), 1.0)
    assert together.min() >= 0.0 and together.max() <= 1.0
    # Notes of one blob are together in (nearly) every run, notes of two blobs in (nearly) none.
    assert together[:20, :20].mean() > 0.9 and together[:20, 20:].mean() < 0.1
    assert np.array_equal(together, co_association(X, 3, 12, 48))  # no hidden randomness


def noisy_points(seed: int = 0, noise: float = 1.6) -> tuple[np.ndarray, np.ndarray]:
    """Return 120 unit vectors around 4 centres in 60 dimensions, and each one's centre."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(4), 30)
    return normalize(rng.normal(0, 1, (4, 60))[truth] + rng.normal(0, noise, (120, 60))), truth


def test_denoising_draws_each_note_towards_the_notes_nearest_it():
    X, truth = noisy_points()
    Xc = normalize(X - X.mean(0))
    D = denoised(Xc, 10, 0.5)
    assert D.shape == X.shape and np.allclose(np.linalg.norm(D, axis=1), 1.0, atol=1e-6)
    same = truth[:, None] == truth[None, :]

    def gap(Z):  # how much closer two notes of one point are than two notes of different points
        S = Z @ Z.T
        return S[same].mean() - S[~same].mean()

    assert gap(D) > 1.5 * gap(Xc)
    assert np.array_equal(D, denoised(Xc, 10, 0.5))  # no hidden randomness
    assert np.allclose(denoised(Xc, 10, 0.0), normalize(Xc - Xc.mean(0)), atol=1e-6)


def test_one_questions_notes_are_denoised_before_they_are_grouped():
    X, _ = noisy_points(seed=1, noise=3.0)
    by_default = ThemeClusterer(single_question=True, n_clusters=4).fit(X).labels_
    off = ThemeClusterer(single_question=True, n_clusters=4, denoise=0).fit(X).labels_
    done_first = ThemeClusterer(single_question=True, n_clusters=4, denoise=0).fit(
        denoised(normalize(X - X.mean(0)), 10, 0.5)).labels_
    assert _agreement(by_default, done_first) == 1.0
    assert _agreement(by_default, off) < 1.0


def test_a_few_new_notes_move_few_others():
    texts, _ = one_question(150, seed=5)
    notes = [NoteInput(i, t, round=1) for i, t in enumerate(texts)]
    pipe = SynthesisPipeline(by_question=True, min_similarity=None)
    before = labels_of(pipe.run(notes[:145]), 145)
    after = labels_of(pipe.run(notes), 150)[:145]
    assert len(set(before)) == len(set(after)) == question_k(150)
    assert _agreement(before, after) >= 0.9


def test_consensus_can_be_switched_off():
    texts, truth = one_question(120, seed=2)
    V, F, S = TfidfLsaVectorizer().fit_encode(texts)
    for runs in (0, 50):
        c = ThemeClusterer(single_question=True, consensus=runs).fit(V, features=F, seed_features=S)
        assert c.n_clusters_ == question_k(120)
        assert normalized_mutual_info_score(truth, c.labels_) > 0.6


def test_past_consensus_up_to_one_ward_tree_is_used():
    texts, truth = one_question(120, seed=2)
    V, F, S = TfidfLsaVectorizer().fit_encode(texts)
    one = ThemeClusterer(single_question=True, consensus=0).fit(V, features=F, seed_features=S)
    # Above the limit the consensus is skipped, and no self-training follows the single tree.
    big = ThemeClusterer(single_question=True, consensus_up_to=100).fit(V, features=F,
                                                                         seed_features=S)
    plain = ThemeClusterer(single_question=True, consensus=0, self_training=0).fit(
        V, features=F, seed_features=S)
    assert np.array_equal(big.labels_, plain.labels_)
    assert normalized_mutual_info_score(truth, big.labels_) > 0.6
    assert one.n_clusters_ == big.n_clusters_


def test_a_frame_two_notes_of_another_question_echo_is_no_theme_there():
    from cafe.synthesis import Frame

    housing = Frame("Housing", ["housing refuge accommodation", "council flat waiting list"])
    first, _ = one_question(60)
    others, truth = one_question(80, seed=1)
    # The second question's notes say nothing of housing but two.
    second = [t for t, p in zip(others, truth, strict=True) if p != 1][:58] + \
        ["survivors need housing and a refuge", "the council flat waiting list is too long"]
    notes = [NoteInput(i, t, round=1) for i, t in enumerate(first)] + \
        [NoteInput(100 + i, t, round=2) for i, t in enumerate(second)]
    result = SynthesisPipeline(frames=[housing], by_question=True, min_similarity=None).run(notes)
    framed = {t.question: t for t in result.themes if t.frame == "Housing"}
    assert set(framed) == {1}, {q: len(t.note_ids) for q, t in framed.items()}
    assert len(framed[1].note_ids) >= 8
    # The two notes are themed with the rest of their question.
    themed = {i for t in result.themes if t.question == 2 and t.frame is None for i in t.note_ids}
    assert {158, 159} <= themed
