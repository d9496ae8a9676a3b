"""Run the synthesis steps end to end: notes in, themes out."""

from __future__ import annotations

import inspect
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from .cluster import ThemeClusterer
from .frames import FrameMatcher, frame_texts
from .key_points import key_points_for
from .label import CtfidfLabeler
from .represent import MMRRepresentatives
from .scripts import dominant_script
from .titles import theme_titles, title_from_phrases
from .types import Frame, NoteInput, SynthesisResult, Theme
from .vectorize import TfidfLsaVectorizer

Progress = Callable[[float, str], None]
# Within one question, a frame needs this many notes to be a theme there (themes per question).
MIN_FRAME_NOTES = 3


def _identity(text: str) -> str:
    return text


def _describe(step) -> dict:
    """Return a step's class and parameters for the evidence appendix."""
    params = {k: v for k, v in step.get_params(deep=False).items() if _plain(v)}
    return {"step": type(step).__name__, **params}


def _plain(value) -> bool:
    return isinstance(value, (int, float, str, bool, tuple, type(None)))


class SynthesisPipeline:
    """Vectorize -> match frames -> cluster -> label -> pick representatives, per script.

    `n_themes` is the number of emergent themes (besides frames); None chooses it. Notes whose
    similarity to their theme's centre is below `min_similarity` (None: never) or whose theme has
    fewer than `min_theme_size` notes are left unthemed. Notes in different scripts (Latin, Arabic,
    Bengali, ...) are clustered apart and never share a theme. Each step is a swappable object;
    `vectorizer` may also be "tfidf" or "embeddings". BLAS/OpenMP run on `n_threads` threads
    (None: the libraries' default); one is fastest for these small matrices and does not fight the
    web server or other work for the cores.

    `by_question`: a note's `round` is the question it answers; the notes of each question are
    themed on their own (every theme belongs to one question, `Theme.question`), as notes that
    all answer one question (see `ThemeClusterer.single_question`): same notes, same themes,
    whatever the seed. `n_themes` is then per question. Otherwise all notes are themed together.
    """

    def __init__(self, n_themes: int | None = None, frames=(), random_state: int | None = 0,
                 vectorizer="tfidf", clusterer=None, labeler=None, representer=None,
                 frame_threshold: float = 0.15, min_similarity: float | None = 0.1,
                 min_theme_size: int = 2, redact: Callable[[str], str] | None = None,
                 n_threads: int | None = 1, by_question: bool = False):
        self.n_themes = n_themes
        self.frames = frames
        self.random_state = random_state
        self.vectorizer = vectorizer
        self.clusterer = clusterer
        self.labeler = labeler
        self.representer = representer
        self.frame_threshold = frame_threshold
        self.min_similarity = min_similarity
        self.min_theme_size = min_theme_size
        self.redact = redact
        self.n_threads = n_threads
        self.by_question = by_question

    def run(self, notes: list[NoteInput], progress: Progress | None = None) -> SynthesisResult:
        """Turn notes into themes, reporting progress(fraction, message) along the way."""
        with threadpool_limits(limits=self.n_threads):
            return self._run(notes, progress)

    def _run(self, notes: list[NoteInput], progress: Progress | None) -> SynthesisResult:
        started = time.perf_counter()
        report = progress or (lambda fraction, message: None)
        notes = list(notes)
        frames = [f if isinstance(f, Frame) else Frame(*f) for f in self.frames]
        report(0.0, "Reading notes")
        # Per question (the round a note was written in) when asked, then per script.
        questions: dict[int | None, list[NoteInput]] = defaultdict(list)
        unthemed: list[int] = []
        for note in notes:
            if note.text.strip():
                questions[note.round if self.by_question else None].append(note)
            else:
                unthemed.append(note.id)
        groups: dict[tuple, list[NoteInput]] = {}
        for question, members in questions.items():
            scripts: dict[str, list[NoteInput]] = defaultdict(list)
            for note in members:
                scripts[dominant_script(note.text)].append(note)
            # Notes with no letters (numbers, emoji) ride with the largest script rather than alone.
            if "none" in scripts and len(scripts) > 1:
                largest = max((s for s in scripts if s != "none"), key=lambda s: len(scripts[s]))
                scripts[largest].extend(scripts.pop("none"))
            for script, group in scripts.items():
                groups[(question, script)] = group
        sizes: Counter = Counter()
        per_script: Counter = Counter()
        for (question, script), group in groups.items():
            sizes[question] += len(group)
            per_script[script] += len(group)
        params = {
            "n_notes": len(notes), "n_themes_requested": self.n_themes,
            "random_state": self.random_state, "frames": [f.name for f in frames],
            "frame_threshold": self.frame_threshold, "min_similarity": self.min_similarity,
            "min_theme_size": self.min_theme_size,
            "by_question": self.by_question,
            "scripts": dict(per_script),
            "script_policy": "notes are clustered separately per dominant Unicode script",
            "question_policy": "themes are made per question (round) separately"
            if self.by_question else "all questions are themed together",
            "groups": [],
        }
        themes: list[Theme] = []
        total = sum(len(g) for g in groups.values()) or 1
        done = 0
        order = sorted(groups.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0, -len(kv[1])))
        for (question, script), group in order:
            def step(fraction: float, message: str, _done=done, _n=len(group)) -> None:  # noqa: B008 (binds loop values)
                report(0.05 + 0.9 * (_done + fraction * _n) / total, message)

            where = {"script": script, "n": len(group)}
            if self.by_question:
                where["question"] = question
            if len(group) < max(2, self.min_theme_size):
                unthemed.extend(n.id for n in group)
                params["groups"].append({**where, "k": 0})
            else:
                share = None
                if self.n_themes is not None:
                    # A number of themes asked for is per question when themes are per question.
                    whole = sizes[question] if self.by_question else total
                    share = max(1, round(self.n_themes * len(group) / whole))
                prefix = script if question is None else f"q{question}:{script}"
                found, left, info = self._run_group(group, frames, share, step, prefix=prefix,
                                                    one_question=self.by_question)
                for theme in found:
                    theme.question = question
                themes.extend(found)
                unthemed.extend(left)
                params["groups"].append({**where, **info})
            done += len(group)
        themes.sort(key=lambda t: (t.question is None, t.question or 0, t.frame is None,
                                   -len(t.note_ids)))
        params["seconds"] = round(time.perf_counter() - started, 3)
        report(1.0, f"Found {len(themes)} themes")
        return SynthesisResult(themes=themes, unthemed=sorted(unthemed), params=params)

    def _steps(self, n_clusters: int | None, one_question: bool = False):
        """Return fresh copies of the four steps for one group of notes."""
        vec = self.vectorizer
        # For one question the LSA is the same whatever the seed (its randomized SVD is only a
        # fast way to the same components), so that the themes are too.
        lsa_seed = 0 if one_question else self.random_state
        if vec == "tfidf":
            vec = TfidfLsaVectorizer(random_state=lsa_seed)
        elif vec == "embeddings":
            from .embeddings import EmbeddingVectorizer

            vec = EmbeddingVectorizer(random_state=lsa_seed)
        else:
            vec = clone(vec)
        clusterer = clone(self.clusterer) if self.clusterer is not None else \
            ThemeClusterer(random_state=self.random_state)
        clusterer.set_params(n_clusters=n_clusters)
        if one_question and "single_question" in clusterer.get_params():
            clusterer.set_params(single_question=True)
        labeler = clone(self.labeler) if self.labeler is not None else CtfidfLabeler()
        representer = clone(self.representer) if self.representer is not None else \
            MMRRepresentatives()
        return vec, clusterer, labeler, representer

    def _run_group(self, group: list[NoteInput], frames: list[Frame], n_clusters, step, prefix,
                   one_question: bool = False):
        """Theme the notes of one script; return themes, unthemed ids and parameters used."""
        vec, clusterer, labeler, representer = self._steps(n_clusters, one_question)
        texts = [n.text for n in group]
        seed_texts = [t for f in frames for t in frame_texts(f)]
        step(0.0, "Reading the words in the notes")
        features = seeds = dense = None
        n = len(texts)
        if hasattr(vec, "fit_encode"):
            # One pass over the words: vectors, classifier features and NMF seed features.
            extra = {}
            if "progress" in inspect.signature(vec.fit_encode).parameters:
                def encoding(done: int, total: int) -> None:
                    step(0.25 * done / total, f"Encoding the notes: {done} of {total}")

                extra["progress"] = encoding
            V, F, S, *more = vec.fit_encode(texts + seed_texts, **extra)
            X, vectors, features, seeds = V[:n], V[n:], F[:n], S[:n]
            dense = more[0][:n] if more else None  # e.g. sentence embeddings
        else:
            vec.fit(texts + seed_texts)
            X = vec.transform(texts)
            vectors = vec.transform(seed_texts) if seed_texts else None
            features = vec.features(texts) if hasattr(vec, "features") else None
            seeds = vec.seed_features(texts) if hasattr(vec, "seed_features") else None
        labels = np.full(len(group), -1)
        if frames:
            step(0.2, "Placing notes under your frames")
            at = 0
            per_frame = []
            for f in frames:
                per_frame.append(vectors[at: at + len(frame_texts(f))])
                at += len(frame_texts(f))
            matcher = FrameMatcher(self.frame_threshold).fit(X, per_frame)
            labels = matcher.assignments_.copy()
            if one_question:
                # Frames are the event's; within one question a frame that only two notes echo
                # is a stray match, not a theme there: those notes are themed with the rest.
                for f, size in Counter(labels[labels >= 0].tolist()).items():
                    if size < MIN_FRAME_NOTES:
                        labels[labels == f] = -1
        rest = np.flatnonzero(labels < 0)
        info = {"vectorizer": _describe(vec), "clusterer": _describe(clusterer),
                "labeler": _describe(labeler), "representer": _describe(representer)}
        step(0.3, "Grouping notes into themes")
        if len(rest) >= 2:
            extra = {} if dense is None else {"dense_features": dense[rest]}
            clusterer.fit(X[rest], features=None if features is None else features[rest],
                          seed_features=None if seeds is None else seeds[rest], **extra)
            base = len(frames)
            cl = clusterer.labels_
            keep = np.ones(len(rest), dtype=bool)
            if self.min_similarity is not None:
                keep &= clusterer.similarity_ >= self.min_similarity
            labels[rest[keep]] = base + cl[keep]
            info.update(k=int(clusterer.n_clusters_), k_scores=getattr(clusterer, "k_scores_", {}))
        labels = self._drop_small(labels, X)
        step(0.8, "Naming themes")
        ids = sorted(set(labels[labels >= 0].tolist()))
        dense = np.full(len(group), -1)
        for new, old in enumerate(ids):
            dense[labels == old] = new
        centers = np.vstack([_unit(X[dense == c].mean(0)) for c in range(len(ids))]) \
            if ids else np.zeros((0, X.shape[1]))
        labeler.fit(texts, dense)
        titles = theme_titles(texts, dense)
        points = key_points_for(texts, dense, eligible=[n.speakable for n in group], vectors=X,
                                embed=lambda xs: vec.transform(list(xs)))
        step(0.9, "Choosing representative notes")
        representer.fit(X, dense, centers, [n.quotable for n in group])
        redact = self.redact or _identity
        themes = []
        for c, old in enumerate(ids):
            members = [group[i] for i in np.flatnonzero(dense == c)]
            reps = [group[i] for i in representer.representatives_[c]]
            frame = frames[old].name if old < len(frames) else None
            themes.append(Theme(
                key=f"{prefix}:frame:{_slug(frame)}" if frame else f"{prefix}:theme:{c}",
                label=frame or titles[c] or title_from_phrases(
                    labeler.key_phrases_[c], [n.text for n in members]) or labeler.labels_[c],
                key_phrases=labeler.key_phrases_[c],
                note_ids=[n.id for n in members],
                representative_ids=[n.id for n in reps],
                counts_by_table=_counts(n.table for n in members),
                counts_by_round=_counts(n.round for n in members),
                frame=frame,
                word_weights=labeler.word_weights_[c],
                quotes={n.id: redact(n.text) for n in reps},
                **_points(points[c], group, redact),
            ))
        left = [group[i].id for i in np.flatnonzero(dense < 0)]
        return themes, left, info

    def _drop_small(self, labels: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Unthemed: members of themes below the minimum size, and notes with no known terms."""
        labels = labels.copy()
        labels[~np.any(X != 0, axis=1)] = -1
        sizes = Counter(labels[labels >= 0].tolist())
        for c, size in sizes.items():
            if size < self.min_theme_size:
                labels[labels == c] = -1
        return labels


def _points(found, group: list[NoteInput], redact) -> dict:
    """Return a theme's key point fields (redacted sentences, note ids) from `key_points_for`."""
    point, other = found.point, found.other
    return {
        "key_point": redact(point.text) if point and point.text else "",
        "key_point_id": group[point.source].id if point and point.source is not None else None,
        "other_point": redact(other.text) if other and other.text else "",
        "stance": {group[i].id: side for i, side in found.stance.items()} if other else {},
    }


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm else v


def _counts(values) -> dict:
    """Count notes per table or round, leaving out notes that have none."""
    return dict(sorted(Counter(v for v in values if v is not None).items()))


def _slug(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name.lower()).strip("-")
