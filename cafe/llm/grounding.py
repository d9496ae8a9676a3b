"""The grounding check: a generated sentence stays only if the notes it cites support it.

A sentence is rejected (and the extractive text kept in its place) when:
- it cites no note, or a note outside the theme (or part) it was asked about;
- it cites a note held for the safeguarding lead or one Café could not screen;
- it copies a run of `COPY_RUN` or more words from a note shared for paraphrase only, one not for
  quoting, a held one or an unscreened one (their words are never used);
- a number in it is neither a count Café recomputes from the data (a number before "notes",
  "tables", "people", ... is set to the true count) nor a number the cited notes contain;
- it is not close enough in meaning to the notes it cites: its best cosine similarity to them, in
  the word TF-IDF of the notes (`tfidf_similarity`), is below `THRESHOLD`.
Every verdict says why, for staff and for tests. Plain data in and out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

COPY_RUN = 6  # words in a row that may not be copied from a note whose words may not be used
THRESHOLD = 0.30  # least cosine similarity to a cited note (word TF-IDF of the notes)
MIN_WORDS = 3

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(%?)(\s+)?([^\W\d]+)?")
# A count Café knows, by the word after the number; each unit names a key of `facts`.
UNITS = {
    "note": "notes", "notes": "notes", "table": "tables", "tables": "tables",
    "people": "people", "person": "people", "participant": "people",
    "participants": "people", "writers": "people", "round": "rounds", "rounds": "rounds",
    "theme": "themes", "themes": "themes",
}


# Each unit's singular and plural, so a recomputed count reads right ("1 note", "3 notes").
_FORMS = {u: pair for pair in (("note", "notes"), ("table", "tables"), ("person", "people"),
                               ("participant", "participants"), ("round", "rounds"),
                               ("theme", "themes")) for u in pair}
_FORMS["writers"] = ("writer", "writers")
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                 "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                 "seventeen", "eighteen", "nineteen", "twenty")
_WORD_COUNT = re.compile(rf"\b({'|'.join(_NUMBER_WORDS)})(\s+(?:{'|'.join(UNITS)})\b)",
                         re.IGNORECASE)


@dataclass(frozen=True)
class NoteFact:
    """What the check needs of a note: its words and whether they may be used."""

    id: int
    text: str
    consent: str = "quote"  # quote | paraphrase | none
    held: bool = False  # held for the safeguarding lead (cafe.held.is_held)
    unscreened: bool = False  # in a language Café could not screen (cafe.safety.kept_back)

    @property
    def words_protected(self) -> bool:
        """Say whether this note's words may not appear in a generated sentence."""
        return self.consent != "quote" or self.held or self.unscreened

    @property
    def why_protected(self) -> str:
        if self.held:
            return "held for the safeguarding lead"
        if self.unscreened:
            return "one Café could not screen"
        return "shared for paraphrase only" if self.consent == "paraphrase" else \
            "not for quoting"


@dataclass
class Verdict:
    """Whether a generated sentence stays, the sentence as kept (counts recomputed), and why."""

    ok: bool
    text: str
    reason: str
    similarity: float = 0.0
    changes: list[str] = field(default_factory=list)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def runs(text: str, n: int = COPY_RUN) -> set[tuple[str, ...]]:
    """Return every run of n words in a text (lower case)."""
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def copied_from(sentence: str, notes: Iterable[NoteFact]) -> NoteFact | None:
    """Return a protected note the sentence copies COPY_RUN or more words in a row from."""
    mine = runs(sentence)
    if not mine:
        return None
    for note in notes:
        if note.words_protected and mine & runs(note.text):
            return note
    return None


def recount(sentence: str, facts: Mapping[str, int], cited_texts: Sequence[str]
            ) -> tuple[str | None, list[str], str]:
    """Recompute the counts in a sentence from `facts`; return (sentence or None, changes, why).

    A number before a unit Café counts ("12 notes") takes the true count; any other number must
    be in the cited notes' words (a participant's "3 months"), or the sentence is refused.
    """
    changes: list[str] = []
    sentence = _WORD_COUNT.sub(lambda m: str(_NUMBER_WORDS.index(m.group(1).lower()))
                               + m.group(2), sentence)  # "twelve notes" is counted as "12 notes"
    in_notes = {m.group(1) for t in cited_texts for m in _NUMBER.finditer(t)}
    out, pos = [], 0
    for found in _NUMBER.finditer(sentence):
        number, unit = found.group(1), (found.group(4) or "").lower()
        key = UNITS.get(unit)
        if key is not None and key in facts and not found.group(2):
            value = str(facts[key])
            word = _FORMS.get(unit, (unit, unit))[value != "1"]  # "1 note", "3 notes"
            word = found.group(4)[0] + word[1:] if found.group(4)[:1].isupper() else word
            if value != number:
                changes.append(f"{number} {unit} -> {value} {word} (counted from the notes)")
            out.append(sentence[pos:found.start(1)] + value + (found.group(3) or "") + word)
            pos = found.end(4)
            continue
        if number not in in_notes:
            return None, changes, (f"the number {number} is neither a count Café can recompute "
                                   "nor in the notes it cites")
        out.append(sentence[pos:found.start(1)] + number)
        pos = found.end(1)
    out.append(sentence[pos:])
    return "".join(out), changes, ""


_SUFFIX = re.compile(r"(?:ing|ed)$")


def stem(word: str) -> str:
    """Return a light stem, so "booked" meets "book" and "services" meets "service"."""
    word = word.lower().replace("’", "'").removesuffix("'s")
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 5:
        word = _SUFFIX.sub("", word)
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def _stemmed(text: str) -> str:
    return " ".join(stem(w) for w in _WORD.findall(text))


def tfidf_similarity(corpus: Sequence[str]) -> Callable[[str, Sequence[str]], float]:
    """Return sim(sentence, texts): the best cosine of the sentence to any of the texts, in the
    word TF-IDF of synthesis (`cafe.synthesis.vectorize.word_vectorizer`: stop words out,
    sublinear counts) fitted on `corpus` (the notes the model was shown), words lightly stemmed.
    Not LSA: a projection onto a few components, made unit length again, makes an unrelated
    sentence look close."""
    from sklearn.preprocessing import normalize

    from cafe.synthesis.vectorize import word_vectorizer

    texts = [_stemmed(t) for t in corpus if t and t.strip()] or ["-"]
    try:
        vectorizer = word_vectorizer(1, (1, 1)).fit(texts)
    except ValueError:  # nothing but stop words
        return lambda sentence, texts: 0.0

    def sim(sentence: str, texts: Sequence[str]) -> float:
        if not texts or not words(sentence):
            return 0.0
        X = normalize(vectorizer.transform([_stemmed(t) for t in [sentence, *texts]]))
        return float((X[1:] @ X[0].T).toarray().max())

    return sim


def check(sentence: str, cited: Sequence[int], allowed: Iterable[int],
          notes: Mapping[int, NoteFact], facts: Mapping[str, int],
          similarity: Callable[[str, Sequence[str]], float],
          threshold: float = THRESHOLD) -> Verdict:
    """Check one generated sentence against the notes it cites (see the module's docstring).

    `allowed`: the ids the sentence may cite (its theme's usable notes); `notes`: every note the
    check knows, protected ones included so copying from them is caught; `facts`: the true counts.
    """
    sentence = " ".join(sentence.split())
    allowed = set(allowed)
    if len(words(sentence)) < MIN_WORDS:
        return Verdict(False, sentence, "too short to be a sentence")
    if not cited:
        return Verdict(False, sentence, "cites no note")
    for note_id in cited:
        note = notes.get(note_id)
        if note is None:
            return Verdict(False, sentence, f"cites note {note_id}, which does not exist")
        if note.held or note.unscreened:
            return Verdict(False, sentence, f"cites note {note_id}, {note.why_protected}")
        if note_id not in allowed:
            return Verdict(False, sentence, f"cites note {note_id}, which is not in this theme")
    copied = copied_from(sentence, notes.values())
    if copied is not None:
        return Verdict(False, sentence, f"copies {COPY_RUN} or more words in a row from note "
                                        f"{copied.id}, {copied.why_protected}")
    texts = [notes[i].text for i in cited]
    fixed, changes, why = recount(sentence, facts, texts)
    if fixed is None:
        return Verdict(False, sentence, why, changes=changes)
    score = similarity(fixed, texts)
    if score < threshold:
        return Verdict(False, fixed, f"not supported by the notes it cites (similarity "
                                     f"{score:.2f}, needs {threshold:.2f})", score, changes)
    return Verdict(True, fixed, "grounded in the notes it cites" + (
        "; " + "; ".join(changes) if changes else ""), score, changes)
