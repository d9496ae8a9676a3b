"""Measure disclosure detection (recall and precision per language and script) and unscreened marking.

Usage:
  .venv/bin/python bench/safety_eval.py                      # older English set, held-out if present
  .venv/bin/python bench/safety_eval.py --cv                 # grouped cross-validation on training data
  .venv/bin/python bench/safety_eval.py --heldout PATH       # held-out CSV (text,lang,script,kind,label,unscreened_lang)
  .venv/bin/python bench/safety_eval.py --timing             # training time and per-note latency
  .venv/bin/python bench/safety_eval.py --older PATH --split dev|test|all --errors

--errors prints misclassified notes of the older set and of the cross-validation (never of the
held-out set, which must not be read, only scored).
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cafe import safety_model  # noqa: E402
from cafe.disclosure import DEFAULT_RULES, assess_disclosure, assess_with  # noqa: E402
from cafe.safety import classify_note  # noqa: E402
from cafe.safety_lang import detect_language  # noqa: E402
from cafe.safety_text import content_words  # noqa: E402

DEFAULT_OLDER = ROOT / "tests" / "data" / "disclosure_examples.csv"
DEFAULT_HELDOUT = ROOT / "bench" / "data" / "safety_heldout.csv"
RULES_ONLY = DEFAULT_RULES.__class__(model_threshold=None)


def load(path: Path) -> list[dict]:
    """Read labelled notes (text,label and optionally split, lang, script, kind, unscreened_lang)."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {**row, "label": int(row["label"] or 0), "split": row.get("split") or "all"}
            for row in csv.DictReader(f)
        ]


def scores(tp: int, fp: int, fn: int) -> tuple[float, float]:
    """Return precision and recall."""
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return precision, recall


def group_of(row: dict) -> str:
    """Name the row's language group: en, ur, bn, pl or mixed, and its script (native/roman)."""
    lang = (row.get("lang") or "en").lower()
    script = (row.get("script") or "native").lower()
    return f"{lang}/{script}"


def report(rows: list[dict], verdicts: list[bool], title: str) -> dict:
    """Print recall and precision per language/script and overall; return the overall figures."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
    for row, flagged in zip(rows, verdicts, strict=True):
        key = ("t" if flagged == bool(row["label"]) else "f") + ("p" if flagged else "n")
        index = {"tp": 0, "fp": 1, "fn": 2, "tn": 3}[key]
        for group in (group_of(row), (row.get("lang") or "en").lower() + "/*", "ALL"):
            table[group][index] += 1
    print(f"\n{title}")
    print(f"{'group':<14} {'n':>5} {'pos':>5} {'tp':>5} {'fp':>5} {'fn':>5} {'recall':>7} {'precision':>9}")
    for group in sorted(table, key=lambda g: (g == "ALL", g)):
        tp, fp, fn, tn = table[group]
        p, r = scores(tp, fp, fn)
        print(f"{group:<14} {tp + fp + fn + tn:>5} {tp + fn:>5} {tp:>5} {fp:>5} {fn:>5} {r:>7.3f} {p:>9.3f}")
    tp, fp, fn, _ = table["ALL"]
    return dict(zip(("precision", "recall"), scores(tp, fp, fn), strict=True))


# ---------------------------------------------------------------- grouped cross-validation


def near_duplicate_groups(texts: list[str], threshold: float = 0.5) -> list[int]:
    """Group notes whose character n-grams are alike (cosine >= threshold), so CV cannot leak."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit_transform(
        [safety_model.model_text(t) for t in texts]
    )
    similar = (matrix @ matrix.T).tocoo()
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, value in zip(similar.row, similar.col, similar.data, strict=True):
        if i < j and value >= threshold:
            parent[find(i)] = find(j)
    return list(np.array([find(i) for i in range(len(texts))]))


def cross_validate(examples, folds: int = 5) -> tuple[list[float], list[bool]]:
    """Return out-of-fold model probabilities and rule verdicts for every training note.

    The rule verdict is the full detector's (`assess_with`) without the model; `combined` below
    adds each fold's model with the same arithmetic as `assess_disclosure`.
    """
    from sklearn.model_selection import GroupKFold

    texts = [e.text for e in examples]
    groups = near_duplicate_groups(texts)
    probabilities = [0.0] * len(examples)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(texts, groups=groups):
        model = safety_model.train([examples[i] for i in train_idx])
        found = model.predict_proba([safety_model.model_text(texts[i]) for i in test_idx])[:, 1]
        for i, p in zip(test_idx, found, strict=True):
            probabilities[i] = float(p)
    rules = [assess_disclosure(t, RULES_ONLY).flagged for t in texts]
    print(f"near-duplicate groups: {len(set(groups))} for {len(texts)} notes, {folds} folds")
    return probabilities, rules


def combined(examples, probabilities, threshold: float) -> list[bool]:
    """Return the whole detector's verdicts with out-of-fold model probabilities."""
    rules = DEFAULT_RULES.__class__(model_threshold=threshold)
    return [
        assess_with(e.text, rules, lambda _text, p=p: p).flagged
        for e, p in zip(examples, probabilities, strict=True)
    ]


def choose_threshold(examples, probabilities, rules, min_precision: float = 0.8) -> float:
    """Return the lowest threshold whose combined precision stays >= min_precision."""
    labels = [e.label for e in examples]
    best = 0.5
    for step in range(60, 14, -1):
        t = step / 100
        flagged = combined(examples, probabilities, t)
        tp = sum(f and y for f, y in zip(flagged, labels, strict=True))
        fp = sum(f and not y for f, y in zip(flagged, labels, strict=True))
        if tp + fp and tp / (tp + fp) >= min_precision:
            best = t
    return best


def run_cv(args) -> None:
    """Cross-validate on the shipped training notes and print the figures and the threshold."""
    examples = safety_model.load_examples()
    probabilities, rules = cross_validate(examples)
    rows = [{"text": e.text, "label": e.label, "lang": e.lang, "script": e.script} for e in examples]
    report(rows, rules, "CV: rules alone")
    report(rows, [p >= safety_model.THRESHOLD for p in probabilities], f"CV: model alone (t={safety_model.THRESHOLD})")
    verdicts = combined(examples, probabilities, safety_model.THRESHOLD)
    report(rows, verdicts, f"CV: the whole detector (t={safety_model.THRESHOLD}, the shipped threshold)")
    short_notes(examples, verdicts)
    print("\nthreshold sweep (whole detector): lowest recall of any language, overall precision")
    labels = [e.label for e in examples]
    for step in range(20, 85, 5):
        t = step / 100
        flagged = combined(examples, probabilities, t)
        by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for e, f in zip(examples, flagged, strict=True):
            if e.label:
                by_lang[e.lang][0] += f
                by_lang[e.lang][1] += 1
        worst = min(hit / n for hit, n in by_lang.values())
        tp = sum(f and y for f, y in zip(flagged, labels, strict=True))
        fp = sum(f and not y for f, y in zip(flagged, labels, strict=True))
        print(f"  t={t:.2f} min recall {worst:.3f} precision {tp / max(tp + fp, 1):.3f}")
    chosen = choose_threshold(examples, probabilities, rules)
    print(f"\nthreshold chosen by CV (lowest with precision >= 0.80): {chosen}")
    if args.errors:
        for row, v, p in zip(rows, verdicts, probabilities, strict=True):
            if v != bool(row["label"]):
                print(f"{'FN' if row['label'] else 'FP'} {p:.2f} {group_of(row)} {row['text']!r}")


def short_notes(examples, verdicts) -> None:
    """Print how the detector does on short notes, by content words: the model alone speaks only
    from `model_min_words` up, so the rules carry the shortest."""
    by_words: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # flagged/ordinary, caught/disclosures
    for e, flagged in zip(examples, verdicts, strict=True):
        row = by_words[min(content_words(e.text), 4)]
        row[2 * e.label] += flagged
        row[2 * e.label + 1] += 1
    print(f"\nshort notes, by content words (the model alone needs {DEFAULT_RULES.model_min_words}):")
    for words, (flagged, ordinary, caught, disclosures) in sorted(by_words.items()):
        print(f"  {words if words < 4 else '4+':<3} ordinary flagged {flagged}/{ordinary}"
              f" = {flagged / max(ordinary, 1):.3f}; disclosures caught {caught}/{disclosures}"
              f" = {caught / max(disclosures, 1):.3f}")
    few = [(e, f) for e, f in zip(examples, verdicts, strict=True) if len(e.text.split()) <= 4]
    ordinary = [f for e, f in few if not e.label]
    caught = [f for e, f in few if e.label]
    print(f"  notes of 4 words or fewer: ordinary flagged {sum(ordinary)}/{len(ordinary)}"
          f" = {sum(ordinary) / max(len(ordinary), 1):.3f}, disclosures caught {sum(caught)}/{len(caught)}")


# ---------------------------------------------------------------- other sets


def run_demo() -> None:
    """Count the demo event's notes flagged, by its theme ("disclosure" is the only wanted one)."""
    path = ROOT / "sessions" / "demo-notes.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    wanted = [r for r in rows if r["theme"] == "disclosure"]
    others = [r for r in rows if r["theme"] != "disclosure"]
    caught = sum(assess_disclosure(r["text"]).flagged for r in wanted)
    extra = sum(assess_disclosure(r["text"]).flagged for r in others)
    unscreened = sum("unscreened" in classify_note(r["text"]).flags for r in rows)
    print(f"\ndemo notes (never trained on): disclosures caught {caught}/{len(wanted)}, "
          f"other notes flagged {extra}/{len(others)}, marked unscreened {unscreened}/{len(rows)}")


def run_older(args) -> None:
    """Score the team's older English set, per split."""
    rows = load(args.older)
    splits = sorted({r["split"] for r in rows}) if args.split is None else [args.split]
    for split in splits:
        subset = rows if split == "all" else [r for r in rows if r["split"] == split]
        report(subset, [assess_disclosure(r["text"]).flagged for r in subset], f"older set, split {split}")
    if args.errors:
        for row in rows:
            a = assess_disclosure(row["text"])
            if a.flagged != bool(row["label"]):
                print(f"{'FN' if row['label'] else 'FP'} {a.score:.2f} {row['text']!r} {a.reasons}")


def run_heldout(path: Path) -> None:
    """Score the held-out set: detection per language/script and unscreened marking (no text printed)."""
    if not path.exists():
        print(f"\nheld-out set {path} not found: skipped")
        return
    rows = load(path)
    screened = [r for r in rows if not (r.get("unscreened_lang") or "").strip()]
    others = [r for r in rows if (r.get("unscreened_lang") or "").strip()]
    flags = [classify_note(r["text"]).flags for r in screened]
    report(screened, ["disclosure" in f for f in flags], f"held-out {path.name}: disclosure (screened languages)")
    wrongly = sum("unscreened" in f for f in flags)
    print(f"screened-language notes marked unscreened (held for a person): {wrongly}/{len(screened)}")
    if others:
        by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in others:
            note = classify_note(row["text"])
            held = "unscreened" in note.flags or "disclosure" in note.flags
            by_lang[row["unscreened_lang"]][0] += held
            by_lang[row["unscreened_lang"]][1] += 1
        print("other languages, held (unscreened or disclosure) / notes:")
        for lang, (held, n) in sorted(by_lang.items()):
            print(f"  {lang:<10} {held}/{n}")
        total = sum(h for h, _ in by_lang.values())
        print(f"  all        {total}/{len(others)} = {total / len(others):.3f}")


def run_timing() -> None:
    """Print the model's training time and a note's latency (rules, model, language, all)."""
    examples = safety_model.load_examples()
    start, cpu = time.perf_counter(), time.process_time()
    safety_model.train(examples)
    print(f"\ntraining on {len(examples)} notes: {time.perf_counter() - start:.2f} s "
          f"({time.process_time() - cpu:.2f} s of CPU)")
    start = time.perf_counter()
    safety_model.warm()
    from cafe import safety_lang

    safety_lang.warm()
    print(f"first use (train + load language identifier): {time.perf_counter() - start:.2f} s")
    texts = [e.text for e in examples[:400]]
    for name, fn in (
        ("assess_disclosure", assess_disclosure),
        ("detect_language", detect_language),
        ("classify_note", classify_note),
    ):
        times = []
        for text in texts:
            start = time.process_time()
            fn(text)
            times.append((time.process_time() - start) * 1000)
        times.sort()
        print(
            f"{name:<18} CPU per note: median {statistics.median(times):.2f} ms,"
            f" p95 {times[int(len(times) * 0.95)]:.2f} ms, max {times[-1]:.2f} ms"
        )


def main(argv: list[str] | None = None) -> None:
    """Run the chosen measurements and print the figures, the machine and the command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--older", type=Path, default=DEFAULT_OLDER)
    parser.add_argument("--split", choices=("dev", "test", "all"))
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT)
    parser.add_argument("--cv", action="store_true", help="grouped cross-validation on training data")
    parser.add_argument("--timing", action="store_true", help="training time and per-note latency")
    parser.add_argument("--errors", action="store_true", help="list misses (older set and CV only)")
    args = parser.parse_args(argv)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
          f"{platform.processor() or platform.system()}, python {platform.python_version()}")
    if args.cv:
        run_cv(args)
    elif args.timing:
        run_timing()
    else:
        run_older(args)
        run_demo()
        run_heldout(args.heldout)


if __name__ == "__main__":
    main()
