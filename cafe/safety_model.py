"""A learned second opinion on disclosures: a linear model over character and word n-grams.

Trained deterministically from the labelled notes shipped in `cafe/safety_data/*.csv` (no pickle:
the model is rebuilt from text the first time it is needed and kept as plain JSON numbers in
this machine's cache, `_cache_file`; `warm` does it at start-up so no note of a live event waits for it). It reads the `fold`ed text,
so Polish with and without accents, Urdu typed on an Arabic keyboard and "maaarta" share features.

Pure (no Flask, no database).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cafe import safety_text
from cafe.safety_text import content_words, fold

DATA_DIR = Path(__file__).resolve().parent / "safety_data"

# The probability above which the model alone flags a note. Chosen for recall by grouped
# cross-validation on the training notes (bench/safety_eval.py --cv prints the sweep): the lowest
# threshold that kept precision at 0.80 before the short hard negatives (`short.csv`) came in, so a
# missed disclosure stays rarer than an extra item in the lead's queue. With them CV precision at
# 0.33 is 0.77; 0.40 would reach 0.80 but drop the lowest language's recall from 0.96 to 0.94.
THRESHOLD = 0.33
# Below this many content words (`safety_text.content_words`) the model alone flags nothing: its
# probability on "Ok", "Money" or "Approve me" is noise. Short cries for help and a word or two
# about harm are rules. Under CV, 2 lost no disclosure; 3 cost Polish 0.99 -> 0.96 recall
# ("zmusza mnie do seksu" has two).
MIN_CONTENT_WORDS = 2
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|„[^”\"]*[”\"]")


@dataclass(frozen=True)
class Example:
    """One labelled note of the training data."""

    text: str
    lang: str
    script: str
    kind: str
    label: int


def load_examples(paths: Iterable[Path] | None = None) -> list[Example]:
    """Read the shipped labelled notes (every CSV in cafe/safety_data, in name order)."""
    rows: list[Example] = []
    for path in sorted(paths if paths is not None else DATA_DIR.glob("*.csv")):
        with Path(path).open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                text = (row.get("text") or "").strip()
                if text and row.get("label") in ("0", "1"):
                    rows.append(
                        Example(
                            text,
                            row.get("lang") or "",
                            row.get("script") or "",
                            row.get("kind") or "",
                            int(row["label"]),
                        )
                    )
    return rows


def model_text(text: str) -> str:
    """Return what the model reads: folded text without quoted speech (someone else's words)."""
    return fold(_QUOTED.sub(" ", text))


def length_terms(text: str) -> list[str]:
    """Name how many content words a note has (0 to 4, or 5 for more): one term a note.

    A weight of its own per length lets the model learn how little a note of two or three words
    tells it, rather than reading a lone "mi" or "me" at the full strength a longer note's
    n-grams would have (each part is normalised, so a short note's few n-grams weigh as much as
    a long note's many).
    """
    return [f"words:{min(content_words(text), 5)}"]


def build_pipeline():
    """Return an untrained model: tf-idf over character and word n-grams and the note's length
    in content words, logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"
        ),
        TfidfVectorizer(analyzer=length_terms),
    )
    classifier = LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000, solver="liblinear")
    return make_pipeline(features, classifier)


def train(examples: list[Example]):
    """Fit a model on labelled notes (deterministic: same notes, same model)."""
    pipeline = build_pipeline()
    pipeline.fit([model_text(e.text) for e in examples], [e.label for e in examples])
    return pipeline


class LinearScorer:
    """A trained pipeline's arithmetic in plain Python: one note in about a tenth of a millisecond.

    scikit-learn's per-call overhead (input checks, the feature union's job dispatch) cost
    10-15 ms a note on the event loop; the sums themselves are a few hundred dictionary look-ups.
    """

    def __init__(self, intercept: float, weights: list[dict[str, tuple[float, float]]]) -> None:
        self.intercept = intercept
        self.weights = weights
        union = build_pipeline().steps[0][1]  # analysers need no fitting: only their settings
        self.parts = [
            (vectorizer.build_analyzer(), part)
            for (_, vectorizer), part in zip(union.transformer_list, weights, strict=True)
        ]

    @classmethod
    def from_pipeline(cls, pipeline) -> LinearScorer:
        """Take the sums out of a trained pipeline: each term's idf and weight."""
        union, classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        coef = classifier.coef_[0]
        weights = []
        offset = 0
        for _, vectorizer in union.transformer_list:
            weights.append(
                {
                    term: (float(vectorizer.idf_[index]), float(coef[offset + index]))
                    for term, index in vectorizer.vocabulary_.items()
                }
            )
            offset += len(vectorizer.vocabulary_)
        return cls(float(classifier.intercept_[0]), weights)

    def probability(self, text: str) -> float:
        """Return P(disclosure) for text already passed through `model_text`."""
        logit = self.intercept
        for analyse, weights in self.parts:
            total = norm = 0.0
            for term, count in Counter(analyse(text)).items():
                found = weights.get(term)
                if found is not None:
                    value = (1.0 + math.log(count)) * found[0]  # sublinear tf times idf
                    total += value * found[1]
                    norm += value * value
            if norm:
                logit += total / math.sqrt(norm)  # each part's vector is l2-normalised
        return 1.0 / (1.0 + math.exp(-logit))


_model: LinearScorer | None | bool = None
_lock = threading.Lock()


def _cache_file() -> Path | None:
    """Return where this machine keeps the model trained from today's notes and code, if anywhere.

    Plain JSON numbers, never a pickle; named by a digest of the training notes, this module and
    scikit-learn's version (and `safety_text`, which folds the text and counts its words), so a
    change to any of them trains afresh. `CAFE_CACHE_DIR=off` never
    keeps one.
    """
    import sklearn

    folder = os.environ.get("CAFE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cafe"
    )
    if folder == "off":
        return None
    digest = hashlib.sha256(sklearn.__version__.encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(safety_text.__file__).read_bytes())  # what the model reads: fold, words
    for path in sorted(DATA_DIR.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return Path(folder) / f"safety-model-{digest.hexdigest()[:24]}.json"


def _read_cache(path: Path | None) -> LinearScorer | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = [{t: (float(i), float(w)) for t, (i, w) in part.items()} for part in data["parts"]]
        return LinearScorer(float(data["intercept"]), weights)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, unreadable or half-written: train instead


def _write_cache(path: Path | None, model: LinearScorer) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        spare = path.with_suffix(f".{os.getpid()}.tmp")
        spare.write_text(
            json.dumps({"intercept": model.intercept, "parts": model.weights}), encoding="utf-8"
        )
        os.replace(spare, path)  # whole or not at all, even with several servers starting
    except OSError:
        pass  # a read-only home: train again next time


def _train_now() -> LinearScorer | bool:
    """Train from the shipped notes (or take this machine's copy of that training) and keep it."""
    global _model
    cache = _cache_file()
    cached = _read_cache(cache)
    if cached is not None:
        _model = cached
        return _model
    examples = load_examples()
    if not examples:
        _model = False
        return _model
    _model = LinearScorer.from_pipeline(train(examples))
    _write_cache(cache, _model)
    return _model


def _trained() -> LinearScorer | bool:
    """Return the process's model, training it from the shipped notes on first use."""
    if _model is None:
        with _lock:
            if _model is None:
                _train_now()
    return _model


def warm() -> None:
    """Train the model now (at start-up), not on the first note of a live event."""
    probability("warm up")


def probability(text: str) -> float:
    """Return the model's probability that a note is a personal disclosure or a risk."""
    model = _trained()
    if model is False:
        return 0.0
    return model.probability(model_text(text))
