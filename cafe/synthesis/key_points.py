"""Key points: one plain sentence per theme saying what people said, taken from a consented note.

Extractive, as key point analysis does it (Bar-Haim et al. 2020, "From arguments to key points";
Khosravani et al. 2024): candidates are the single sentences of notes whose writers allowed
quoting, short enough to read as a point; each is scored by how central it is to its theme (mean
cosine to the theme's other notes), times how central it is to the whole question (a point says
what the question is about in words many notes share, as an expert's key point does; square root,
`W_GLOBAL`), times a length prior (a point of 6-16 words reads best), times a bonus for coverage
(the share of the theme's notes that match it, i.e. are as close to it as the closest tenth of
all note-candidate pairs; `W_COVER`). Weights chosen on the tuning topics (docs/BENCHMARKS.md);
clause-level candidates (a note split at "because", "which", ";") were tried and lowered the
score, so a candidate is a whole sentence. The winner is lightly cleaned:
trimmed, filler such as "I think" dropped, capitalised, one final full stop. Its words are never
changed otherwise, so a point is always something a participant wrote.

Notes are then matched to the points: every note of the theme matches its theme's point (or the
side of a disagreement it is on, see `stance.py`), and a note elsewhere also matches when it is
as close to the point as the theme's own notes typically are (a note may match more than one).

Never a candidate: a note whose writer did not allow quoting (paraphrase only or not to be
quoted), one held as a disclosure, one Café could not screen (`eligible` says so per note).
Plain data in, dataclasses out; no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .stance import content_words, split_stance
from .vectorize import WORD_RUN

MIN_WORDS = 4
SHORT_TAIL = 5  # a sentence of at most this many words after another is read with it
MAX_WORDS = 30
BEST_WORDS = (6, 16)
# Exponent of centrality to the whole question, weight of the coverage bonus, weight of
# distinctiveness (off: it lowered soft-F1 on the tuning topics), exponent of the length prior.
W_GLOBAL, W_COVER, W_DISTINCT, W_PRIOR = 0.5, 0.5, 0.0, 1.0
# A sentence that points back to something said before it ("That was real partnership") does
# not stand alone as a finding: its score is multiplied by this.
W_ANAPHORA = 0.5
MATCH_QUANTILE = 0.9  # a note matches a candidate when closer than 90% of all such pairs
# LSA rank per note at which loose themes are measured (`cohesion`, at most 100) and their parts
# cut (`within.points_within`): the grain at which a theme's notes show what they share.
RANK_SHARE = 0.15

# Openings that carry no content: "I think that", "In my opinion," ... (English; other languages
# keep their words as written).
_FILLER = re.compile(
    r"^(?:(?:and|but|so|well|yes|no|ok|okay|also|because|personally|honestly|basically|"
    r"i (?:really |strongly |personally |also |do |would )?(?:think|believe|feel|guess|agree|"
    r"suppose|reckon|would say|'d say)(?: that)?|"
    r"in my (?:opinion|view|experience)|imo|for me|to me|it seems(?: to me)?(?: that)?|"
    r"i'm sure(?: that)?|we (?:think|believe|feel|felt|said)(?: that)?)[\s,:;-]+)+",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SENTENCE_END = re.compile(r"(?<=[.!?;؟।])\s+|\n+")
# Full stops that end an abbreviation: always ("e.g.", "Dr."), or unless a capital follows.
_ALWAYS_ABBREV = re.compile(r"(?<![^\W\d_])(?:e\.\s?g|i\.\s?e|viz|cf|dr|mr|mrs|ms)\.$",
                            re.IGNORECASE)
_ABBREV = re.compile(r"(?<![^\W\d_])(?:etc|vs|incl|approx|esp|eg|ie|nr|np|tj|tzn)\.$",
                     re.IGNORECASE)
# A word as the theming counts one: vowel signs and other marks stay inside Bengali or Urdu words.
_WORD = re.compile(rf"{WORD_RUN}(?:['’]{WORD_RUN})*")
# Letters of any script, spaces and the punctuation of plain sentences.
_PLAIN = re.compile(r"[^\W\d_]|[\s.,;:!?'’\-\"“”()]")


@dataclass(frozen=True)
class Point:
    """One key point: its sentence, the note it was taken from and the notes that match it."""

    text: str
    source: int | None  # index of the note the sentence was taken from
    matched: tuple[int, ...]  # indices of the notes that match this point
    score: float = 0.0


@dataclass
class ThemeKeyPoints:
    """A theme's key point, and where notes disagree with it, the other view."""

    theme: int
    point: Point | None
    # The other side, when the theme holds opposite views: its own point and its notes.
    other: Point | None = None
    stance: dict[int, int] = field(default_factory=dict)  # note index -> +1 (main) / -1 (other)
    # A loose theme (notes no more alike than any two of their question): the points made within
    # it, one per part of its notes, most notes first (`within.points_within`).
    parts: list[Point] = field(default_factory=list)

    @property
    def key_point(self) -> str:
        return self.point.text if self.point else ""


def sentences(text: str) -> list[str]:
    """Split a note into sentences (on . ! ? ; and line breaks, keeping the end mark).

    An abbreviation's full stop ends no sentence: "e.g.", "i.e." or "Dr." never, "etc." and the
    like only where a capital letter follows ("review policies with survivors e.g. the phone rules"
    is one sentence, not "Review policies with survivors e.g.")."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text or ""):
        piece = piece.strip() if piece else ""
        if not piece:
            continue
        if out and (_ALWAYS_ABBREV.search(out[-1]) or (
                _ABBREV.search(out[-1]) and not piece[:1].isupper())):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def clean_point(text: str) -> str:
    """Trim a sentence into a key point: no filler opening, capitalised, one full stop."""
    text = " ".join(_CONTROL.sub(" ", str(text)).split())
    text = _strip_quotes(text.strip(" \t`*-–—•·:,"))
    before = None
    while before != text:
        before = text
        text = _FILLER.sub("", text).strip(" ,:;-")
    text = re.sub(r"\bi\b", "I", text) if _is_latin(text) else text
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = text.rstrip(" ,;:-–—")
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!?؟।":
        text += "."
    elif text.endswith(("..", "!!", "??")):
        text = text.rstrip(".!?") + text[-1]
    return text


_QUOTES = {"'": "'", '"': '"', "“": "”", "‘": "’"}


def _strip_quotes(text: str) -> str:
    """Drop quote marks that wrap the whole sentence or stand alone at either end, but keep a
    pair that closes inside it ("train on 'other cultures'" keeps its closing mark)."""
    before = None
    while before != text:
        before = text
        if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
            text = text[1:-1].strip(" ,:")
            continue
        if text and text[0] in "'\"“‘”’" and _unpaired(text, 0):
            text = text[1:].lstrip()
        if text and text[-1] in "'\"”’“‘" and _unpaired(text, len(text) - 1):
            text = text[:-1].rstrip()
    return text.strip(" \t`*-–—•·:,")


def _unpaired(text: str, at: int) -> bool:
    """Whether the quote mark at `at` has no partner in the text (an apostrophe in "didn't" or
    "survivors'" is not a partner: only a mark at a word's edge counts)."""
    mark = text[at]
    pair = {"'": "'‘’", "‘": "'’", "’": "'‘", '"': '"“”', "“": '"”', "”": '"“'}[mark]
    for i, ch in enumerate(text):
        if i == at or ch not in pair:
            continue
        inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
        if not inside:
            return False
    return True


def _is_latin(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text))


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


_REASON = re.compile(r"\s*(?:,\s*)?\b(?:because|as|since|for)\b\s+", re.IGNORECASE)


def drop_restatement(sentence: str, question: str) -> str:
    """Drop a leading clause that only restates the question ("We should not ban uniforms
    because they save money" on "Should we ban uniforms?" -> "They save money"): the reason is
    the point. Unchanged when there is no question or the clause says more than the question."""
    if not question:
        return sentence
    found = _REASON.search(sentence)
    if not found or found.start() == 0:
        return sentence
    head, rest = sentence[:found.start()], sentence[found.end():]
    asked = {w for w in content_words(question)}
    said = content_words(head)
    if not said or n_words(rest) < MIN_WORDS - 1:
        return sentence
    # "... because it is outdated", "... because is not legal": the rest needs the head.
    if _WORD.findall(rest.lower())[0] in _NEEDS_HEAD:
        return sentence
    if sum(w in asked for w in said) / len(said) < 0.6:
        return sentence
    return clean_point(rest)


_NEEDS_HEAD = {"it", "they", "them", "this", "that", "these", "those", "he", "she", "its", "their",
               "is", "are", "was", "were", "has", "have", "can", "will", "would", "could", "may",
               "might", "must", "should", "does", "do", "did", "be", "there"}


def quality(text: str) -> float:
    """Return 1 for a sentence of plain words, less for one full of symbols, links or
    redaction marks (a formula, a pasted link, "[phone removed]")."""
    if not text:
        return 0.0
    rest = _PLAIN.sub("", text)
    # Vowel signs and other combining marks belong to the words of Bengali, Urdu or Hindi.
    plain = len(text) - len(rest) + sum(1 for ch in rest if unicodedata.category(ch)[0] == "M")
    share = plain / len(text)
    if re.search(r"removed\]|https?:|www\.|[=<>{}|\\@#]", text):
        return 0.3
    return 1.0 if share >= 0.9 else max(0.2, share - 0.1)


# Openings and endings that point back to an earlier sentence: a demonstrative ("That was ...",
# "This project ...", Polish "To było ...", Urdu "یہ / وہ", Bengali "এটা / সেটা / এই"), a word
# that carries on from it ("But ...", "Not just ...", Polish "Ale ...", "Nie tylko ...", Urdu
# "لیکن / اور", Bengali "কিন্তু / এবং"), or "that way" / "the same" at the end.
_POINTS_BACK = re.compile(
    r"^(?:that|this|these|those(?! who)|such|same|ten|ta|te|tamto|tego|tym|یہ|وہ|এটা|এটি|সেটা|"
    r"সেটি|ওটা|ওটি|এই|সেই|but|and|also|nor|not just|not only|ale|oraz|nie tylko|لیکن|اور|"
    r"কিন্তু|এবং)(?!\w)|^to (?:było|był|była|jest|są|nie|działa|dlatego|pomaga)\b|"
    r"(?<!\w)(?:that way|this way|the same|like that|like this)[.!?]*$",
    re.IGNORECASE)


def self_contained(sentence: str) -> bool:
    """Whether a sentence can be read on its own, without the one before it."""
    return not _POINTS_BACK.search(sentence.strip(" \"'“”‘’"))


def _prior(text: str, words: int, plain: float) -> float:
    """Return a candidate's prior: its length prior times its quality, halved (`W_ANAPHORA`)
    when it points back to an earlier sentence."""
    return _length_prior(words) * plain * (1.0 if self_contained(text) else W_ANAPHORA)


def _length_prior(words: int) -> float:
    low, high = BEST_WORDS
    if words < low:
        return 0.75 + 0.25 * (words - MIN_WORDS + 1) / (low - MIN_WORDS + 1)
    if words > high:
        return float(np.exp(-(words - high) / 12))
    return 1.0


def tfidf_embedder(texts: Sequence[str], n_components: int | None = None
                   ) -> Callable[[Sequence[str]], np.ndarray]:
    """Return a function that embeds texts in the LSA space of `texts` (unit vectors), of rank
    `n_components` (default: one less than the texts, at most 100)."""
    from .vectorize import TfidfLsaVectorizer

    texts = [t for t in texts if t and t.strip()] or ["-"]
    if n_components is None:
        n_components = max(2, min(100, len(texts) - 1))
    vec = TfidfLsaVectorizer(n_components=n_components, random_state=0).fit(texts)
    return lambda xs: _unit_rows(np.asarray(vec.transform(list(xs)), dtype=float))


def _unit_rows(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return X / norms


def candidate_points(text: str, question: str = "") -> tuple[list[tuple[str, float]], bool]:
    """Return the sentences of a note that may stand as a key point, cleaned, each with its share
    of plain words (`quality`; halved, as `W_ANAPHORA`, for a sentence that is not the note's
    first), and whether the note's own vector stands for them (a note of one sentence, no
    question to strip) rather than each needing its own embedding.

    A later sentence of a note often leans on the one before ("the facilitator would never have
    known.", "made all the difference for me"), so it weighs half as a point on its own; a short
    one (at most `SHORT_TAIL` words: "... for 'mediation'. Dangerous in forced marriage cases.")
    stands only with the sentence before it."""
    parts = sentences(text)
    pieces: list[tuple[str, float]] = []
    for i, s in enumerate(parts):
        if i and n_words(s) <= SHORT_TAIL:
            pieces.append((f"{pieces[-1][0]} {s}", pieces[-1][1]))
        else:
            pieces.append((s, W_ANAPHORA if i else 1.0))
    found = []
    for s, weight in pieces:
        point = drop_restatement(clean_point(s), question)
        if MIN_WORDS <= n_words(point) <= MAX_WORDS:
            found.append((point, weight))
    if not found:  # only long or very short sentences: the note as a whole
        point = clean_point(text)
        if n_words(point) >= MIN_WORDS - 1:
            found.append((point, 1.0))
    # A sentence full of symbols, links or redaction marks is never a key point.
    scored = [(p, plain * weight) for p, weight, plain in ((p, w, quality(p)) for p, w in found)
              if plain >= 0.5]
    return scored, len(parts) == 1 and not question


def key_points_for(texts: Sequence[str], labels: Sequence[int],
                   eligible: Sequence[bool] | None = None,
                   embed: Callable[[Sequence[str]], np.ndarray] | None = None,
                   vectors: np.ndarray | None = None, stance: bool = True,
                   match_outside: bool = True, max_candidates: int = 60,
                   question: str = "") -> list[ThemeKeyPoints]:
    """Return one key point per theme (ids 0..k-1 in `labels`; -1 = in no theme).

    `eligible[i]` says whether note i's words may be used at all (quotable, screened, not held);
    default: all. `embed(texts)` returns unit vectors (default: LSA of word and character TF-IDF
    fitted on these notes); `vectors` are the notes' own vectors in that space when the caller
    has them. Only the `max_candidates` eligible notes of each theme nearest its centre offer
    sentences. `question` (the round's question, if known) lets a sentence that opens by
    restating it keep only its reason (`drop_restatement`). With `stance`, a theme whose notes hold opposite views is split and each side gets
    its own point (`ThemeKeyPoints.other`).
    """
    texts = [str(t or "") for t in texts]
    labels = np.asarray(labels, dtype=int)
    n = len(texts)
    eligible = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    k = int(labels.max()) + 1 if n else 0
    if embed is None:
        embed = tfidf_embedder(texts)
    X = _unit_rows(np.asarray(vectors, dtype=float)) if vectors is not None else (
        embed(texts) if n else np.zeros((0, 1)))
    centres = np.vstack([_unit(X[labels == c].mean(0)) for c in range(k)]) if k else \
        np.zeros((0, X.shape[1]))
    # Candidates: cleaned sentences of eligible notes near their theme's centre.
    cand_text, cand_note, cand_vec, to_embed, cand_prior = [], [], [], [], []
    for c in range(k):
        pool = np.flatnonzero((labels == c) & eligible)
        pool = pool[np.argsort(-(X[pool] @ centres[c]), kind="stable")][:max_candidates]
        for i in pool:
            found, own = candidate_points(texts[i], question)
            for point, plain in found:
                cand_text.append(point)
                cand_prior.append(_prior(point, n_words(point), plain))
                cand_note.append(int(i))
                if own:  # the note's own vector
                    cand_vec.append(X[i])
                else:
                    cand_vec.append(None)
                    to_embed.append(len(cand_text) - 1)
    if to_embed:
        E = embed([cand_text[j] for j in to_embed])
        for row, j in zip(E, to_embed, strict=True):
            cand_vec[j] = row
    C = np.vstack(cand_vec) if cand_vec else np.zeros((0, X.shape[1]))
    cand_note = np.asarray(cand_note, dtype=int)
    scale = _Scale(C, X, np.asarray(cand_prior, dtype=float))
    out = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        sides = {int(i): 1 for i in members}
        if stance and len(members) >= 6:
            sides = split_stance([texts[i] for i in members], members)
        main = np.asarray([i for i in members if sides.get(int(i), 1) > 0], dtype=int)
        other = np.asarray([i for i in members if sides.get(int(i), 1) < 0], dtype=int)
        if len(other) == 0 or len(main) == 0:
            main, other = members, np.zeros(0, dtype=int)
        point = _best(main, c, X, C, cand_note, cand_text, centres, labels, match_outside, scale)
        counter = _best(other, c, X, C, cand_note, cand_text, centres, labels, match_outside, scale) \
            if len(other) else None
        if counter is None or not counter.text:
            main, other, counter = members, np.zeros(0, dtype=int), None
            point = _best(main, c, X, C, cand_note, cand_text, centres, labels, match_outside, scale)
        side_of = set(main.tolist())
        out.append(ThemeKeyPoints(
            theme=c, point=point, other=counter,
            stance={int(i): (1 if int(i) in side_of else -1) for i in members},
        ))
    return out


class _Scale:
    """What a candidate is measured against beyond its group: the whole question's notes."""

    def __init__(self, C: np.ndarray, X: np.ndarray, prior: np.ndarray):
        self.prior = prior  # each candidate's `_prior`: length, quality, standing alone
        self.overall = C @ _unit(X.mean(0)) if len(X) and len(C) else np.zeros(len(C))
        sims = (C @ X.T).ravel() if len(X) and len(C) else np.zeros(1)
        if len(sims) > 200_000:  # a sample is enough for a quantile
            sims = np.random.default_rng(0).choice(sims, 200_000, replace=False)
        self.match = float(np.quantile(sims, MATCH_QUANTILE))


def _best(group: np.ndarray, c: int, X, C, cand_note, cand_text, centres, labels,
          match_outside: bool, scale: _Scale) -> Point | None:
    """Pick the best candidate for a group of notes of theme c and match notes to it."""
    if len(group) == 0:
        return None
    in_group = np.isin(cand_note, group)
    idx = np.flatnonzero(in_group)
    if not len(idx):
        return Point("", None, tuple(int(i) for i in group), 0.0)
    G = X[group]
    sims = C[idx] @ G.T  # candidates x group notes
    own = cand_note[idx][:, None] == group[None, :]
    others = len(group) - 1
    central = np.where(own, 0.0, sims).sum(1) / max(others, 1) if others else sims[:, 0]
    cover = (np.where(own, 1.0, sims) >= scale.match).mean(1)
    overall = np.maximum(scale.overall[idx], 1e-6)
    # Specific to this theme: closer to its centre than to any other theme's.
    to_centres = C[idx] @ centres.T if len(centres) else np.zeros((len(idx), 1))
    mine = to_centres[:, c] if len(centres) else np.zeros(len(idx))
    rival = np.max(np.delete(to_centres, c, axis=1), axis=1) if centres.shape[0] > 1 else \
        np.zeros(len(idx))
    prior = scale.prior[idx]
    score = (np.maximum(central, 1e-6) + W_DISTINCT * np.maximum(mine - rival, 0)) \
        * overall ** W_GLOBAL * (1 + W_COVER * cover) * prior ** W_PRIOR
    j = int(idx[int(np.argmax(score))])
    point_vec = C[j]
    matched = set(int(i) for i in group)
    if match_outside:
        # A note in another theme (or none) matches too when it is as close to this point as the
        # group's own notes typically are.
        own_sims = G @ point_vec
        bar = max(float(np.quantile(own_sims, 0.75)), 0.5) if len(group) > 1 else 1.0
        outside = np.flatnonzero(~np.isin(np.arange(len(X)), group) & (labels != c))
        near = outside[(X[outside] @ point_vec) >= bar] if len(outside) else outside
        matched.update(int(i) for i in near)
    return Point(cand_text[j], int(cand_note[j]), tuple(sorted(matched)),
                 float(score.max()))


def _unit(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v)
    return v / norm if norm else v
