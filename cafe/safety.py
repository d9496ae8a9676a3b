"""Personal-detail detection and redaction, each note's flags, and small-group suppression.

Disclosure detection lives in `cafe.disclosure`; its names are re-exported here. Whether Café can
read a note's language at all is `cafe.safety_lang`'s; a note it cannot is flagged `unscreened`.

Pure functions over plain text: no Flask, no database. Reasons returned to callers
are rule labels, never note text, so they are safe to store or count.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from cafe import safety_lang, safety_model
from cafe.disclosure import (  # noqa: F401 - re-exported
    DEFAULT_RULES,
    Assessment,
    DisclosureRules,
    assess_disclosure,
)
from cafe.held import is_held
from cafe.safety_text import ascii_digits


# Flags that keep a note off the wall and out of synthesis until a person has dealt with it:
# a disclosure (for the safeguarding lead) and a note in a language Café cannot screen.
def kept_back(flags: Iterable[str] | str | None) -> bool:
    """Tell whether a note's flags keep it off the wall and out of synthesis: held for the
    safeguarding lead (`cafe.held.is_held`), or in a language Café cannot screen."""
    if isinstance(flags, str):
        flags = json.loads(flags or "[]")
    flags = list(flags or ())
    return is_held(flags) or "unscreened" in flags


def warm() -> None:
    """Train the disclosure model and load the language identifier now, before notes arrive."""
    safety_lang.warm()
    safety_model.warm()


# ---------------------------------------------------------------- personal details


@dataclass(frozen=True)
class Span:
    """A personal detail found in a note, as a half-open character range."""

    kind: str
    start: int
    end: int


PLACEHOLDERS = {
    "email": "[email removed]",
    "url": "[link removed]",
    "phone": "[phone removed]",
    "postcode": "[postcode removed]",
    "name": "[name removed]",
}
# When spans overlap, the earlier kind here names the merged placeholder.
_PRIORITY = {kind: rank for rank, kind in enumerate(PLACEHOLDERS)}

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# Bare domains need a known suffix, so "e.g." or "5.30" never look like links.
_TLDS = r"(?:co\.uk|org\.uk|gov\.uk|ac\.uk|nhs\.uk|police\.uk|uk|com|org|net|info|io|me|ly|app|gov|edu|eu|co)"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+{_TLDS}\b(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    r"(?<![\w])(?:GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) ?[0-9][ABD-HJLNP-UW-Z]{2})(?!\w)",
    re.IGNORECASE,
)
_ORDINAL_INWARD = re.compile(r"[0-9](?:st|nd|rd|th)$")
_TRAILING_PUNCT = ".,;:!?)]}'"


def _phone_spans(text: str) -> list[Span]:
    """Find UK (and +country) phone numbers with libphonenumber."""
    spans: list[Span] = []
    if sum(char.isdigit() for char in text) < 9:
        # Every number kept below has 9 or more digits, and the matcher never reads letters
        # as digits; skipping it for the many notes without one was a fifth of a note's cost.
        return spans
    # POSSIBLE rather than VALID so unallocated but real-looking numbers (07700 900123)
    # are caught; the digit floor keeps years, prices and times out.
    for match in phonenumbers.PhoneNumberMatcher(
        text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        if len(phonenumbers.national_significant_number(match.number)) >= 9:
            start = match.start
            if text[start] == "(" and ")" not in match.raw_string:
                start += 1  # "(07700 900456, …)": the bracket opens the aside, not the number
            spans.append(Span("phone", start, match.end))
    return spans


def _regex_spans(kind: str, pattern: re.Pattern[str], text: str) -> list[Span]:
    """Find spans of one kind, trimming sentence punctuation off links."""
    spans = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if kind == "url":
            while end > start and text[end - 1] in _TRAILING_PUNCT:
                end -= 1
        if kind == "postcode" and _is_ordinal_not_postcode(match.group()):
            continue
        spans.append(Span(kind, start, end))
    return spans


def _is_ordinal_not_postcode(found: str) -> bool:
    """Tell "room b12 3rd" from a postcode ending in RD, ST, ND or TH."""
    return not found.isupper() and bool(_ORDINAL_INWARD.search(found.replace(" ", "")))


_COMBINING = "[\u0300-\u036f]*"


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Drop a letter's accents, keeping exactly one character so offsets stay put."""
    if char in "’‘`´":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


# Arabic-keyboard letters as Urdu writes them, one for one so offsets stay put: "علي" is "علی".
_ARABIC_SAME_LENGTH = str.maketrans(
    {"\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0647": "\u06c1", "\u06be": "\u06c1"}
)


def _fold(text: str) -> str:
    """Fold accents character by character: "Zoë" and "Zoe" then compare equal."""
    if text.isascii():  # most notes: only the backquote changes (75 µs a note done per character)
        return text.replace("`", "'")
    return "".join(map(_fold_char, text.translate(_ARABIC_SAME_LENGTH)))


@lru_cache(maxsize=256)
def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile listed names into one whole-word, case- and accent-insensitive pattern."""
    cleaned = {
        _fold(unicodedata.normalize("NFC", " ".join(n.split()))) for n in names if n and n.strip()
    }
    if not cleaned:
        return None

    def word(w: str) -> str:
        # Decomposed input keeps its combining marks after folding; let them ride along.
        return "".join(re.escape(c) + _COMBINING for c in w)

    # Longest first so "Amina Begum" wins over "Amina"; any run of spaces between parts.
    parts = [r"\s+".join(map(word, n.split(" "))) for n in sorted(cleaned, key=len, reverse=True)]
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?![\w\u0300-\u036f])", re.IGNORECASE)


def _warm_phone_metadata() -> None:
    """Load phonenumbers' GB metadata now, not lazily on the first note (when files may run short)."""
    list(phonenumbers.PhoneNumberMatcher("07700 900123", "GB"))


_warm_phone_metadata()


def find_personal_details(text: str, names: Iterable[str] = ()) -> list[Span]:
    """Return emails, phones, postcodes, links and listed names in text, in order.

    Digits of every script read as ASCII digits (offsets unchanged), so a number typed in Urdu,
    Eastern Arabic or Bengali digits is found like any other.
    """
    text = ascii_digits(text)
    spans = (
        _regex_spans("email", _EMAIL, text)
        + _regex_spans("url", _URL, text)
        + _phone_spans(text)
        + _regex_spans("postcode", _POSTCODE, text)
    )
    name_re = _name_pattern(tuple(names))
    if name_re is not None:
        spans += [Span("name", m.start(), m.end()) for m in name_re.finditer(_fold(text))]
    # Drop spans wholly inside a bigger one (the domain of an email, a name in a link).
    kept = [
        s
        for s in spans
        if not any(
            o is not s
            and o.start <= s.start
            and s.end <= o.end
            and (o.end - o.start) > (s.end - s.start)
            for o in spans
        )
    ]
    return sorted(set(kept), key=lambda s: (s.start, -s.end, _PRIORITY[s.kind]))


def redact(text: str, names: Iterable[str] = ()) -> str:
    """Replace every personal detail with a bracketed placeholder."""
    merged: list[list] = []  # [start, end, kind], overlapping spans fused so nothing leaks
    for span in find_personal_details(text, names):
        if merged and span.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span.end)
            if _PRIORITY[span.kind] < _PRIORITY[last[2]]:
                last[2] = span.kind
        else:
            merged.append([span.start, span.end, span.kind])
    out, pos = [], 0
    for start, end, kind in merged:
        out += [text[pos:start], PLACEHOLDERS[kind]]
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------- both, per note


@dataclass(frozen=True)
class NoteFlags:
    """Personal-detail kinds, the disclosure verdict and, for a note Café cannot screen, its
    language (an ISO 639 code such as "so", "und" when unknown; None when screened)."""

    personal: tuple[str, ...]
    disclosure: bool
    reasons: tuple[str, ...]
    unscreened: str | None = None

    @property
    def flags(self) -> tuple[str, ...]:
        """Return flags such as ("personal:phone", "disclosure") or ("unscreened", "lang:so")."""
        return (
            tuple(f"personal:{kind}" for kind in self.personal)
            + (("disclosure",) if self.disclosure else ())
            + (("unscreened", f"lang:{self.unscreened}") if self.unscreened else ())
        )


def classify_note(
    text: str, names: Iterable[str] = (), rules: DisclosureRules = DEFAULT_RULES
) -> NoteFlags:
    """Flag a note's personal details, whether it looks like a disclosure, and whether it is in a
    language Café cannot screen (then a person must read it before anything shows it)."""
    kinds = tuple(
        sorted({s.kind for s in find_personal_details(text, names)}, key=_PRIORITY.__getitem__)
    )
    verdict = assess_disclosure(text, rules)
    language = safety_lang.detect_language(text)
    return NoteFlags(
        kinds,
        verdict.flagged,
        verdict.reasons if verdict.flagged else (),
        None if language.screened else language.code,
    )


# ---------------------------------------------------------------- small groups


def suppress_small_groups(counts: Mapping, k: int, *, protect_total: bool = False) -> dict:
    """Replace the count of every group with fewer than k writers by None.

    None, not 0 or "<k": 0 would be false and any number would hint at the size.
    Groups with 0 writers stay 0, as there is nobody in them to single out.
    If a total is published beside the groups, one hidden group can be worked out
    by subtraction; `protect_total=True` then also hides the smallest shown group.
    The input is not changed.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    out: dict = {}
    for group, n in counts.items():
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
            raise ValueError(f"count for {group!r} must be a whole number of writers")
        out[group] = None if n is not None and 0 < n < k else n
    hidden = [g for g, n in out.items() if n is None and counts[g] is not None]
    shown = [g for g, n in out.items() if n]
    if protect_total and len(hidden) == 1 and shown:
        out[min(shown, key=lambda g: out[g])] = None
    return out
