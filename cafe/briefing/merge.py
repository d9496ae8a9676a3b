"""Three-way merge of a briefing draft: keep what staff wrote, take what the themes changed.

Briefing Markdown has one paragraph per line, so a line merge is a paragraph merge. The base is
the text the machine last generated, "ours" the staff's current text, "theirs" the text freshly
generated from the current themes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

OURS, THEIRS = "ours", "theirs"


@dataclass(frozen=True)
class Part:
    """A run of lines in the merged text.

    kind is "unchanged" (same in all three), "ours" (only staff changed it), "theirs" (only the
    themes changed it), "same" (both made the same change) or "conflict" (both changed it
    differently: staff choose). `ours` and `theirs` hold each side's lines; `key` names a
    conflict in a form.
    """

    kind: str
    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    base: tuple[str, ...] = ()
    key: str = ""

    def lines(self, choice: str = OURS) -> tuple[str, ...]:
        """Return the lines this part puts in the text (a conflict's by the choice)."""
        if self.kind == "theirs" or (self.kind == "conflict" and choice == THEIRS):
            return self.theirs
        return self.ours


@dataclass(frozen=True)
class Merged:
    """The merge of a draft: its parts, and whether the text ends with a line break."""

    parts: tuple[Part, ...]
    final_newline: bool
    # The two generated texts, so numbers in lines staff kept can be counted again (`text`).
    base_text: str = ""
    theirs_text: str = ""

    @property
    def conflicts(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.kind == "conflict")

    @property
    def updated(self) -> int:
        """How many parts come in from the themes."""
        return sum(p.kind == "theirs" for p in self.parts)

    @property
    def kept(self) -> int:
        """How many parts staff changed that the themes did not."""
        return sum(p.kind == "ours" for p in self.parts)

    def text(self, choices: Mapping[str, str] | None = None) -> str:
        """Return the merged text; each conflict keeps the staff's text unless chosen "theirs"."""
        choices = choices or {}
        lines = [line for p in self.parts for line in p.lines(choices.get(p.key, OURS))]
        if not lines:
            return ""
        text = "\n".join(lines) + ("\n" if self.final_newline else "")
        return refresh_numbers(text, self.base_text, self.theirs_text) if self.theirs_text \
            else text


def digest(text: str) -> str:
    """Return a short fingerprint of a text (a form names the regenerated text it showed)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _ends(text: str) -> bool | None:
    """Whether a text ends with a line break (None for an empty text, which has no ending)."""
    return text.endswith("\n") if text else None


def _final_newline(base: str, ours: str, theirs: str) -> bool:
    """A final line break is a change of its own: staff's ending if they changed it, else the
    new text's."""
    b, o, t = _ends(base), _ends(ours), _ends(theirs)
    if o is not None and o != b:
        return o
    return next((end for end in (t, o) if end is not None), True)


def _lines(text: str) -> list[str]:
    """Split on line breaks only (str.splitlines would also split on U+2028 and the like)."""
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def _split(base: tuple[str, ...], ours: tuple[str, ...], theirs: tuple[str, ...]) -> list[Part]:
    """Refine a conflict whose three sides have as many lines: line by line, most lines were
    changed by one side only (neighbouring key points, say), and only the rest conflict."""
    if not (len(base) == len(ours) == len(theirs)) or not base:
        return [Part("conflict", ours, theirs, base)]
    parts: list[Part] = []
    for b, o, t in zip(base, ours, theirs, strict=True):
        if o == t:
            kind = "same"
        elif o == b:
            kind = "theirs"
        elif t == b:
            kind = "ours"
        else:
            kind = "conflict"
        if parts and parts[-1].kind == kind:
            last = parts[-1]
            parts[-1] = Part(kind, last.ours + (o,), last.theirs + (t,), last.base + (b,))
        else:
            parts.append(Part(kind, (o,), (t,), (b,)))
    return parts


Hunk = tuple[int, int, int, int, str]  # base[i1:i2] became side[j1:j2]; the side's name


def _hunks(base: Sequence[str], side: Sequence[str], name: str) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, side)
    return [(i1, i2, j1, j2, name) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def _touch(h: Hunk, k: Hunk) -> bool:
    """Whether two changes touch the same base lines (or insert at the same place)."""
    a1, a2, b1, b2 = h[0], h[1], k[0], k[1]
    if a1 == a2 and b1 == b2:
        return a1 == b1
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def _apply(base: Sequence[str], side: Sequence[str], hunks: list[Hunk], lo: int,
           hi: int) -> tuple[str, ...]:
    out: list[str] = []
    pos = lo
    for i1, i2, j1, j2, _name in hunks:
        out += base[pos:i1]
        out += side[j1:j2]
        pos = i2
    out += base[pos:hi]
    return tuple(out)


def _refine(base: tuple[str, ...], ours: tuple[str, ...], theirs: tuple[str, ...]) -> list[Part]:
    """Merge line by line: changes next to each other but not to the same lines (a paragraph
    added after one the themes changed) are both taken; only changes to the same lines conflict.
    (Plain diff3, as in merge3, would call neighbouring changes a conflict.)"""
    sides = {OURS: ours, THEIRS: theirs}
    clusters: list[list[Hunk]] = []
    for hunk in sorted(_hunks(base, ours, OURS) + _hunks(base, theirs, THEIRS)):
        if clusters and any(h[4] != hunk[4] and _touch(h, hunk) for h in clusters[-1]):
            clusters[-1].append(hunk)
        else:
            clusters.append([hunk])
    parts: list[Part] = []
    pos = 0
    for cluster in clusters:
        lo, hi = min(h[0] for h in cluster), max(h[1] for h in cluster)
        if base[pos:lo]:
            parts.append(Part("unchanged", base[pos:lo], base[pos:lo], base[pos:lo]))
        names = {h[4] for h in cluster}
        if len(names) == 1:
            (i1, i2, j1, j2, name), = cluster
            lines = sides[name][j1:j2]
            parts.append(Part(name, lines, lines, base[i1:i2]))
        else:
            o, t = (_apply(base, sides[name], [h for h in cluster if h[4] == name], lo, hi)
                    for name in (OURS, THEIRS))
            parts += [Part("same", o, t, base[lo:hi])] if o == t else _split(base[lo:hi], o, t)
        pos = hi
    if base[pos:]:
        parts.append(Part("unchanged", base[pos:], base[pos:], base[pos:]))
    return parts


def _keyed(parts: list[Part]) -> tuple[Part, ...]:
    """Give each conflict a key from its content (so a choice survives a fresh merge)."""
    seen: dict[str, int] = {}
    out = []
    for p in parts:
        if p.kind == "conflict":
            text = "\x1e".join(["\x1f".join(p.ours), "\x1f".join(p.theirs)])
            stem = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
            seen[stem] = seen.get(stem, 0) + 1
            p = Part(p.kind, p.ours, p.theirs, p.base, f"{stem}-{seen[stem]}")
        out.append(p)
    return tuple(out)


def merge_texts(base: str, ours: str, theirs: str) -> Merged:
    """Merge the staff's text (`ours`) and a regenerated one (`theirs`) from their common `base`.

    A diff3 on difflib: each side's changes from the base, grouped where they touch the same
    lines; a group from one side only is taken, one from both is "same" or split into parts."""
    parts = _refine(*(tuple(_lines(text)) for text in (base, ours, theirs)))
    return Merged(_keyed(_coalesce(parts)), _final_newline(base, ours, theirs), base, theirs)


def _coalesce(parts: Sequence[Part]) -> list[Part]:
    """Join neighbouring parts of the same kind (conflicts stay apart: each is one choice)."""
    out: list[Part] = []
    for p in parts:
        if out and out[-1].kind == p.kind and p.kind != "conflict":
            last = out[-1]
            out[-1] = Part(p.kind, last.ours + p.ours, last.theirs + p.theirs, last.base + p.base)
        else:
            out.append(p)
    return out


# ---------------------------------------------------------------- numbers counted again

_NUMBER = re.compile(r"\d+")
_SENTENCE_GAP = re.compile(r"((?<=[.!?])\s+)")
_COUNTED = re.compile(r"(?:[^\W\d]+\s+)?\d+(?:\s+[^\W\d]+)?")


def _number_changes(before: str, after: str) -> list[tuple[str, str]]:
    """Return the changed counts, each with its neighbouring words ("wrote 169 notes" ->
    "wrote 167 notes"), when two lines differ in their numbers only; else nothing."""
    if before == after or _NUMBER.sub("#", before) != _NUMBER.sub("#", after):
        return []
    old, new = _COUNTED.findall(before), _COUNTED.findall(after)
    if len(old) != len(new):
        return []
    return [(o, n) for o, n in zip(old, new, strict=True) if o != n]


def _sentences(line: str) -> list[str]:
    """Split a line into its sentences, keeping the spaces between them as parts of their own."""
    return _SENTENCE_GAP.split(line)


def refresh_numbers(text: str, base: str, theirs: str) -> str:
    """Count again the numbers of a staff-edited text: where a sentence the machine generated
    (`base`) is now generated with other numbers only (`theirs`), the sentence as staff left it
    takes the new numbers: unchanged sentences whole, sentences staff edited count by count (each
    count with the words next to it, and only where that count appears once). Staff's own words
    and numbers they typed stay as they are. Sentence by sentence, so a summary paragraph whose
    other sentences changed their words still has its counts renewed."""
    theirs_by_mask: dict[str, list[str]] = {}
    for line in _lines(theirs):
        for sentence in _sentences(line)[::2]:
            theirs_by_mask.setdefault(_NUMBER.sub("#", sentence), []).append(sentence)
    pairs = []
    for sentence in dict.fromkeys(s for line in _lines(base) for s in _sentences(line)[::2]):
        found = theirs_by_mask.get(_NUMBER.sub("#", sentence), [])
        if len(found) == 1 and found[0] != sentence:
            changes = _number_changes(sentence, found[0])
            if changes:
                pairs.append((sentence, found[0], changes))
    if not pairs:
        return text
    out = []
    for line in _lines(text):
        pieces = _sentences(line)
        for at in range(0, len(pieces), 2):
            pieces[at] = _renumbered(pieces[at], pairs)
        out.append("".join(pieces))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _renumbered(sentence: str, pairs: list[tuple[str, str, list[tuple[str, str]]]]) -> str:
    """Return one sentence of staff's text with the machine's changed counts taken in."""
    swap = next((new for old, new, _ in pairs if sentence == old), None)
    if swap is not None:
        return swap
    if sentence.strip() and _NUMBER.search(sentence):
        scored = [(SequenceMatcher(None, sentence, old).ratio(), changes)
                  for old, _new, changes in pairs]
        ratio, changes = max(scored, key=lambda x: x[0])
        if ratio >= 0.6:
            for before, after in changes:
                if sentence.count(before) == 1:
                    sentence = sentence.replace(before, after)
    return sentence
