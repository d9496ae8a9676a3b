"""Score key points against an expert's (ArgKP): soft precision / recall / F1, and stance purity.

Usage: python bench/key_points.py /work/shared/data/argkp [--split tune|held-out|all]
       [--embed tfidf|minilm] [--question] [--cache /tmp/kp_cache.pkl] [--enc-cache FILE]
       [--judge DIR_OF_ANOTHER_SENTENCE_MODEL --judge-cache FILE]

Each topic's arguments (both stances mixed, as a café table's notes would be; stance is never
given to the engine) are themed by the engine's default path with k = the number of expert key
points of the topic, so the figure isolates the key points from the choice of k. Then, per theme:

- `label`: the theme's label as key point (what drafts did before);
- `first_quote`: the theme's first representative note;
- `key_point`: `key_points_for` (one sentence per theme, extractive);
- `key_point+other`: the same plus the other side's point where a theme was split by stance.

Soft precision = mean over generated points of the best cosine to any expert point; soft recall
= mean over expert points of the best cosine to any generated one; F1 of the two (Li et al.
2023). Cosines in all-MiniLM-L6-v2 (the local package), or with `--judge` in another model (an
independent judge: MiniLM is also what `--embed minilm` selects with). Stance purity: share of notes in the majority stance of their group, for the
themes and for the themes split by `stance.py`.

Held out from any tuning: 8 of the 24 topics (sorted by name, every third from the third),
reported separately.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's cafe
from cafe.synthesis.key_points import key_points_for  # noqa: E402
from cafe.synthesis.pipeline import SynthesisPipeline  # noqa: E402
from cafe.synthesis.types import NoteInput  # noqa: E402


def read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def topics(data: Path) -> dict[str, dict]:
    """Return per topic: arguments (text, stance) and the expert key points."""
    out: dict[str, dict] = defaultdict(lambda: {"args": [], "stances": [], "gold": []})
    for row in read(data / "arguments_train.csv"):
        out[row["topic"]]["args"].append(row["argument"])
        out[row["topic"]]["stances"].append(int(row["stance"]))
    for row in read(data / "key_points_train.csv"):
        out[row["topic"]]["gold"].append(row["key_point"])
    return dict(out)


def held_out(names: list[str]) -> set[str]:
    """The 8 topics never tuned on: sorted by name, every third starting at the third."""
    return {t for i, t in enumerate(sorted(names)) if i % 3 == 2}


_MODEL = None
_ENC: dict[str, np.ndarray] = {}


def encode(texts: list[str]) -> np.ndarray:
    """MiniLM unit vectors of texts (cached in this process)."""
    global _MODEL
    missing = [t for t in dict.fromkeys(texts) if t not in _ENC]
    if missing:
        if _MODEL is None:
            from cafe.synthesis.embeddings import load_model, model_path

            _MODEL = load_model(model_path())
        vecs = _MODEL.encode(missing, batch_size=64, normalize_embeddings=True,
                             show_progress_bar=False)
        _ENC.update(zip(missing, np.asarray(vecs, dtype=float), strict=True))
    return np.vstack([_ENC[t] for t in texts]) if texts else np.zeros((0, 384))


_JUDGE: dict[str, object] = {"path": None, "model": None}
_JUDGE_ENC: dict[str, np.ndarray] = {}


def judge_encode(texts: list[str]) -> np.ndarray:
    """Unit vectors of texts in the judge's model (`--judge`, else MiniLM), cached."""
    if _JUDGE["path"] is None:
        return encode(texts)
    missing = [t for t in dict.fromkeys(texts) if t not in _JUDGE_ENC]
    if missing:
        if _JUDGE["model"] is None:
            from cafe.synthesis.embeddings import load_model

            _JUDGE["model"] = load_model(Path(_JUDGE["path"]))
        vecs = _JUDGE["model"].encode(missing, batch_size=32, normalize_embeddings=True,
                                      show_progress_bar=False)
        _JUDGE_ENC.update(zip(missing, np.asarray(vecs, dtype=np.float32), strict=True))
    return np.vstack([_JUDGE_ENC[t] for t in texts])


def soft_prf(generated: list[str], gold: list[str]) -> tuple[float, float, float]:
    """Soft precision, recall and F1 of generated points against gold ones (cosine, judge model)."""
    generated = [g for g in generated if g.strip()]
    if not generated or not gold:
        return 0.0, 0.0, 0.0
    S = judge_encode(generated) @ judge_encode(gold).T
    p, r = float(S.max(1).mean()), float(S.max(0).mean())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def purity(groups: list[list[int]], stances: list[int]) -> float:
    """Share of notes in the majority stance of their group."""
    total = sum(len(g) for g in groups)
    if not total:
        return 0.0
    hit = 0
    for g in groups:
        values = [stances[i] for i in g]
        hit += max(values.count(1), values.count(-1))
    return hit / total


def theme_topic(args: list[str], k: int, seed: int = 0):
    notes = [NoteInput(id=i, text=t, consent="quote") for i, t in enumerate(args)]
    result = SynthesisPipeline(n_themes=k, random_state=seed, min_similarity=None).run(notes)
    labels = np.full(len(args), -1)
    for j, theme in enumerate(result.themes):
        labels[theme.note_ids] = j
    return result, labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("--split", default="all", choices=("tune", "held-out", "all"))
    ap.add_argument("--embed", default="tfidf", choices=("tfidf", "minilm"))
    ap.add_argument("--cache", default="", help="pickle of the themes per topic (faster reruns)")
    ap.add_argument("--no-stance", action="store_true")
    ap.add_argument("--question", action="store_true",
                    help="give the topic to key_points_for as the round's question")
    ap.add_argument("--enc-cache", default="", help="pickle of MiniLM vectors by text (reused)")
    ap.add_argument("--judge", default="",
                    help="directory of another sentence-transformers model to judge with "
                         "(e.g. all-mpnet-base-v2), so the judge is not the selector's model")
    ap.add_argument("--judge-cache", default="", help="pickle of the judge's vectors by text")
    args = ap.parse_args()
    if args.judge:
        _JUDGE["path"] = args.judge
        if args.judge_cache and os.path.exists(args.judge_cache):
            with open(args.judge_cache, "rb") as f:
                _JUDGE_ENC.update(pickle.load(f))
    if args.enc_cache and os.path.exists(args.enc_cache):
        with open(args.enc_cache, "rb") as f:
            _ENC.update(pickle.load(f))
    print("command:", " ".join([sys.executable, *sys.argv]), flush=True)
    print("date:", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus:", os.cpu_count(),
          "load:", os.getloadavg()[0], flush=True)
    data = topics(args.data)
    hold = held_out(list(data))
    cache = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as f:
            cache = pickle.load(f)
    rows = defaultdict(list)
    for name in sorted(data):
        split = "held-out" if name in hold else "tune"
        if args.split != "all" and split != args.split:
            continue
        t = data[name]
        k = len(t["gold"])
        if name not in cache:
            result, labels = theme_topic(t["args"], k)
            cache[name] = (
                [(th.label, th.representative_ids[:1]) for th in result.themes], labels)
        themes, labels = cache[name]
        started = time.perf_counter()
        embed = encode if args.embed == "minilm" else None
        kps = key_points_for(t["args"], labels, embed=embed, stance=not args.no_stance,
                             question=name if args.question else "")
        seconds = time.perf_counter() - started
        label_pts = [lbl for lbl, _ in themes]
        first = [t["args"][r[0]] for _, r in themes if r]
        main_pts = [k.key_point for k in kps]
        both = main_pts + [k.other.text for k in kps if k.other]
        groups = [[i for i in range(len(labels)) if labels[i] == c] for c in range(int(labels.max()) + 1)]
        split_groups, random_groups = [], []
        rng = np.random.default_rng(0)
        for kp in kps:
            split_groups.append([i for i, s in kp.stance.items() if s > 0])
            split_groups.append([i for i, s in kp.stance.items() if s < 0])
            # Control: the same theme cut into two random parts of the same sizes (a finer
            # partition raises purity whatever it splits on).
            members = rng.permutation(sorted(kp.stance))
            cut = len(split_groups[-1])
            random_groups += [members[cut:].tolist(), members[:cut].tolist()]
        row = {"topic": name[:48], "split": split, "k": k, "seconds": round(seconds, 2),
               "stance_splits": sum(1 for k in kps if k.other),
               "purity_themes": round(purity(groups, t["stances"]), 3),
               "purity_split": round(purity([g for g in split_groups if g], t["stances"]), 3),
               "purity_random_split": round(purity([g for g in random_groups if g],
                                                   t["stances"]), 3),
               "groups_themes": len([g for g in groups if g]),
               "groups_split": len([g for g in split_groups if g])}
        for method, pts in (("label", label_pts), ("first_quote", first),
                            ("key_point", main_pts), ("key_point+other", both)):
            p, r, f = soft_prf(pts, t["gold"])
            row[method] = round(f, 3)
            row[method + "_pr"] = (round(p, 3), round(r, 3))
        row["example"] = main_pts[:3]
        rows[split].append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.cache:
        with open(args.cache, "wb") as f:
            pickle.dump(cache, f)
    if args.enc_cache:
        with open(args.enc_cache, "wb") as f:
            pickle.dump(_ENC, f)
    if args.judge and args.judge_cache:
        with open(args.judge_cache, "wb") as f:
            pickle.dump(_JUDGE_ENC, f)
    for split, items in rows.items():
        summary = {m: round(float(np.mean([r[m] for r in items])), 3)
                   for m in ("label", "first_quote", "key_point", "key_point+other",
                             "purity_themes", "purity_split", "purity_random_split",
                             "seconds")}
        for count in ("stance_splits", "groups_themes", "groups_split"):
            summary[count] = sum(r[count] for r in items)
        summary["judge"] = os.path.basename(str(_JUDGE["path"] or "all-MiniLM-L6-v2"))
        print(json.dumps({"SUMMARY": split, "topics": len(items), **summary}), flush=True)


if __name__ == "__main__":
    main()
