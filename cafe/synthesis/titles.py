"""Theme titles a person would write: a short noun phrase taken from the notes, in their language.

A title is a run of 2-6 words written in at least two of the theme's notes (in one, for a theme of
one note), that neither starts nor ends with a stop word, a number, a bare verb or a contraction
typed without its apostrophe ("dont"), ranked by how many of the theme's notes hold it and how
particular it is to the theme (class-based TF-IDF, as the labels), and that reads as a noun
phrase rather than a clause cut short ("Marriage is an important"). Such a phrase wins over single
words unless the strongest word weighs more than three times as much (`PHRASE_OVER_WORD`); else
the two strongest single words are joined ("Interpreters and trust"), a title that reads as a
machine's, so it comes last. The title is never made of stop words. Staff names and frames are not
touched here: they replace the title where they exist.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from cafe.stopwords import STOP_WORDS

from .scripts import dominant_script
from .vectorize import TOKEN_PATTERN

MAX_TITLE_WORDS = 6
# A phrase two notes share is the title unless the strongest single word weighs over 1 / this
# much: at 0.5, 87 of 277 themes of six café sets and ArgKP were "X and Y"; at 0.3 (with the
# noun phrase check), 38.
PHRASE_OVER_WORD = 0.3

# Words that make a phrase read as a fragment at its start or end (English): verbs that rarely
# head a noun phrase, adverbs, contractions typed without apostrophes, pronoun forms.
_NOT_AT_EDGE = {
    "dont", "cant", "wont", "didnt", "doesnt", "isnt", "arent", "wasnt", "shouldnt", "wouldnt",
    "couldnt", "im", "ive", "youre", "theyre", "thats", "theres", "lets", "ask", "asked", "asking",
    "tell", "told", "give", "given", "gave", "take", "took", "taken", "know", "knew", "known",
    "see", "seen", "saw", "feel", "felt", "said", "come", "came", "comes", "try", "tried",
    "keep", "kept", "put", "seem", "seems", "look", "looks", "find", "found", "let", "become",
    "became", "able", "sure", "maybe", "very", "much", "many", "more", "most", "less", "better",
    "good", "bad", "etc", "ok", "okay", "yes", "yeah", "should", "must", "will", "shall", "may",
    "might", "being", "been", "having", "ones", "one", "own", "helps", "helped", "happen",
    "happens", "started", "allow", "allowed", "doing", "ensure", "provide", "create", "bring",
    "include", "understand", "understands", "mean", "means", "need", "needs", "want", "wants",
    "make", "makes", "made", "get", "gets", "got", "go", "goes", "went", "say", "says", "think",
    "thinks", "win", "wins", "won", "lose", "loses", "lost", "call", "calls", "calling", "use",
    "uses", "used", "using", "stop", "stops", "stopped", "end", "ends", "hear", "hears", "heard",
    "inside", "outside", "instead", "anyway", "really", "still", "already", "even", "just",
    "longer", "anymore", "ago", "also", "too", "enough",
}


def _participle(word: str) -> bool:
    """Say whether an English word looks like a past participle ("invited", "excluded"): a title
    of two joined words reads as a fragment with one ("Community and invited")."""
    return word.isascii() and len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


# Verbs after which a run of words reads as a clause cut short ("Cannabis has been proven",
# "Journalists get paid"); "is" and "should be" are kept ("Prostitution is immoral", "Cloning
# should be banned" say which side a theme is on).
_CLAUSE = frozenset("has have had get gets got puts put makes made does did".split())
_BE = frozenset("be been is are was were being".split())


def _noun_phrase(gram: tuple[str, ...]) -> bool:
    """Say whether a run of words can stand as a title: no verb of a clause cut short inside, no
    "is a" / "is an" left without its noun ("Marriage is an important"), and no past participle
    at its end unless after "be" ("Exploited and abused", but "Cloning should be banned")."""
    if _CLAUSE.intersection(gram) or (gram[-2] in ("a", "an") and _BE.intersection(gram)):
        return False
    last = gram[-1]
    # "Black and minoritised", "racialised", "marginalised": the sector's words for people.
    if not _participle(last) or last.endswith(("ised", "ized")):
        return True
    return gram[-2] in _BE or (gram[-2] == "not" and len(gram) > 2 and gram[-3] in _BE)


_TOKEN = re.compile(TOKEN_PATTERN)
_SENTENCE_END = re.compile(r"[.!?;:\n؟।]")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


# The sector's acronyms, in capitals however most notes type them ("nrpf" -> "NRPF").
_ACRONYMS = frozenset(
    "nrpf idva isva marac mash camhs esol bsl fgm vawg nhs gp dwp hmrc cps lgbt lgbtq lgbtqi "
    "ehcp pshe cbt eap ptsd dvpo fmpo fgmpo dash ngo".split())


def written_case(texts: Sequence[str], words: set[str] | None = None) -> dict[str, str]:
    """Map a lower-case word to the case its writers give it inside a sentence, where that is not
    lower case in at least half its uses: "FGM", "ESOL", "Black", "Polish" keep their capitals in a
    title, while a word capitalised only at the start of its sentences stays lower case. The
    sector's acronyms (`_ACRONYMS`) are always in capitals. With `words` (lower case), only those
    words are looked up, in the notes that hold one of them."""
    if words is not None:
        words = {w for w in words if w}
        lowered = ((t, t.lower()) for t in texts) if words else ()
        texts = [t for t, low in lowered if any(w in low for w in words)]
    uses: Counter = Counter()  # uses inside a sentence, by lower-case word
    forms: dict[str, Counter] = {}  # the forms of those uses that are not lower case
    acronyms = set()
    for text in texts:
        end = 0
        for match in _TOKEN.finditer(text):
            start = match.start()
            between, end = text[end:start], match.end()
            word = match.group()
            lower = word.lower()
            if words is not None and lower not in words:
                continue
            if lower in _ACRONYMS:
                acronyms.add(lower)
            if start == len(between) or (between != " " and _SENTENCE_END.search(between)):
                continue  # the first word of a sentence
            uses[lower] += 1
            if word != lower:
                forms.setdefault(lower, Counter())[word] += 1
    cased = {word: word.upper() for word in acronyms}
    for lower, counts in forms.items():
        if lower in cased:
            continue
        form, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if 2 * count >= uses[lower]:
            cased[lower] = form
    return cased


@lru_cache(maxsize=65536)
def _edge_ok(word: str) -> bool:
    word = word.replace("’", "'")
    if len(word) < 2 or word in STOP_WORDS or word.replace("-", "").isdigit():
        return False
    if word in _NOT_AT_EDGE or "'" in word:
        return False
    return not (word.endswith("ly") and len(word) > 4)


def _phrases(words: list[str], longest: int) -> set[tuple[str, ...]]:
    ok = list(map(_edge_ok, words))
    n = len(words)
    return {tuple(words[i:j + 1]) for i, start in enumerate(ok) if start
            for j in range(i, min(i + longest, n)) if ok[j]}


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Fold an English plural onto its singular ("services" ~ "service"); other words unchanged."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) \
            and word.isascii():
        return word[:-2] if word.endswith(("ches", "shes", "xes")) else word[:-1]
    return word


def _variant(a: str, b: str) -> bool:
    """Say whether two words are forms of one ("school" / "schools", "ringfence" / "ringfencing")."""
    a, b = _fold(a), _fold(b)
    size = min(len(a), len(b), 5)
    return a == b or (size >= 4 and a[:size] == b[:size])


def theme_titles(texts: Sequence[str], labels: Sequence[int], longest: int = 4) -> list[str]:
    """Return a title per theme id 0..k-1 (labels: one theme id per text, -1 = none).

    Phrases are counted with English plurals folded ("waiting list" and "waiting lists" are one
    phrase, written the way most of the theme's notes write it). Two single words are joined
    only when the second is nearly as strong as the first and is not a form of it ("School and
    schools"); otherwise the strongest word stands alone.
    """
    labels = list(labels)
    k = max(labels) + 1 if labels else 0
    docs = [_phrases(_words(t), longest) for t in texts]
    in_theme: list[Counter] = [Counter() for _ in range(k)]
    written: list[Counter] = [Counter() for _ in range(k)]
    everywhere: Counter = Counter()
    size = Counter(c for c in labels if c >= 0)
    for grams, c in zip(docs, labels, strict=True):
        # In sorted order, so which spelling stands for a folded phrase never depends on the
        # order of a set (that is, on Python's string hashing).
        folded = {tuple(map(_fold, g)): g for g in sorted(grams)}
        everywhere.update(folded.keys())
        if c >= 0:
            in_theme[c].update(folded.keys())
            written[c].update(folded.values())
    n_docs = max(len(texts), 1)
    chosen: list[tuple[list[str], bool]] = []  # each theme's words, and whether to join them
    for c in range(k):
        need = 2 if size[c] >= 2 else 1
        surface = {}
        for g, _count in sorted(written[c].items(), key=lambda kv: (-kv[1], kv[0])):
            surface.setdefault(tuple(map(_fold, g)), g)

        def weight(gram, _c=c):
            df = in_theme[_c][gram]
            # Share of the theme's notes holding it, how particular it is to the theme, and a
            # little for length: "waiting list for interpreters" over "interpreters".
            particular = math.log(1 + n_docs * df / (everywhere[gram] * max(size[_c], 1)))
            return (df / max(size[_c], 1)) * particular * (1 + 0.35 * (len(gram) - 1))

        # Ties go to the phrase first in alphabetical order: the same notes, the same title.
        def rank(gram):
            return -weight(gram), gram

        best_multi = min((g for g, df in in_theme[c].items()
                          if df >= need and len(g) >= 2 and _noun_phrase(g)),
                         key=rank, default=None)
        best_single = sorted((g for g, df in in_theme[c].items() if df >= need and len(g) == 1),
                             key=rank)
        if best_multi is not None and (not best_single or
                                       weight(best_multi)
                                       >= PHRASE_OVER_WORD * weight(best_single[0])):
            chosen.append((list(surface[best_multi]), False))
        elif best_single:
            first = best_single[0]
            second = next((g for g in best_single[1:]
                           if weight(g) >= 0.4 * weight(first)
                           and not _variant(first[0], g[0]) and not _participle(g[0])), None)
            words = [surface[first][0]] + ([surface[second][0]] if second is not None else [])
            chosen.append((words, True))
        else:
            chosen.append(([], False))
    # The writers' capitals, looked up for the titles' words only (one pass over the notes
    # that hold one of them).
    cased = written_case(texts, {w for words, _ in chosen for w in words})
    return [_cap((_join if joined else " ".join)([cased.get(w, w) for w in words]))
            for words, joined in chosen]


def title_from_phrases(phrases: Sequence[str], texts: Sequence[str], longest: int = 4) -> str:
    """Return a title for a theme none of whose words two of its notes share: the first of its
    key phrases (best first) that reads as a title of at most `longest` words and is written word
    for word in one of its `texts` ("Cost recovery"), never a run that jumps a full stop or a
    comma ("day simple cheap worked"); "" when none is."""
    for phrase in phrases:
        words = _words(phrase)
        if not words or len(words) > longest or not is_title(phrase):
            continue
        written = re.compile(r"(?<![\w'’-])" + r"\s+".join(map(re.escape, words))
                             + r"(?![\w'’-])", re.IGNORECASE)
        if any(written.search(text) for text in texts):
            cased = written_case(texts, set(words))
            return _cap(" ".join(cased.get(w, w) for w in words))
    return ""


def _join(words: list[str]) -> str:
    if dominant_script(" ".join(words)) not in ("latin", "none"):
        return " · ".join(words)
    return " and ".join(words)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def is_title(text: str) -> bool:
    """Say whether a title reads as a noun phrase: 1-6 words, no stop word or fragment at an end."""
    words = _words(text)
    if not words or len(words) > MAX_TITLE_WORDS:
        return False
    return _edge_ok(words[0]) and _edge_ok(words[-1])
