import csv

import pytest

from cafe.synthesis.evaluate import evaluate_csv, hungarian_accuracy, score
from synthesis.conftest import CORPUS


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "notes.csv"
    with CORPUS.open(encoding="utf-8") as src, path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        for row in csv.DictReader(src):
            writer.writerow([row["text"], row["topic"]])
    return str(path)


def test_hungarian_accuracy_ignores_cluster_names():
    assert hungarian_accuracy(["a", "a", "b", "b"], [7, 7, 3, 3]) == 1.0
    assert hungarian_accuracy(["a", "a", "b", "b"], [1, 1, 1, 1]) == 0.5


def test_score_keys():
    assert set(score(["a", "b"], [0, 1])) == {"nmi", "ari", "acc"}


def test_evaluate_csv_with_true_k(labelled_csv):
    out = evaluate_csv(labelled_csv, k="true")
    assert set(out) == {"nmi", "ari", "acc", "k", "n", "seconds"}
    assert out["n"] == 64 and out["k"] == 4
    assert all(0 <= out[m] <= 1 for m in ("nmi", "ari", "acc"))
    assert out["acc"] >= 0.7


def test_evaluate_csv_auto_k_and_sample(labelled_csv):
    out = evaluate_csv(labelled_csv, k="auto", sample=30, seed=1)
    assert out["n"] == 30 and out["k"] >= 1


def test_missing_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("body,tag\nx,y\n")
    with pytest.raises(ValueError, match="text"):
        evaluate_csv(str(bad))
