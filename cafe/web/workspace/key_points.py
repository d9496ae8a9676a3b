"""Each theme card's key point and other view, as the briefing will state them, cached by membership.

The briefing's own computation (`cafe.briefing.parts.theme_key_points`) on the notes and themes as
staff left them: never from a note that may not be quoted, is held, excluded or unscreened, and
redacted as the briefing redacts. A theme's point depends on every theme's notes (the words are
weighed across the whole event), so it is cached by everything it is made from: the notes that
count, their redacted words, whether each may be quoted, and which notes each theme holds. A page
load after no change costs one digest; any change (a move, merge, split, exclusion, a hold, an edit
of a note) misses and computes afresh once, re-using the fitted embedding while the notes' words
are the same. A rename changes none of these, so it keeps the point. After a run that read the
notes for meaning, points are picked as the briefing picks them, by the sentence vectors the run's
worker kept (`cafe.briefing.parts.point_embedder`).

The same view says which themes are loose (`cafe.briefing.parts.loose_themes`): notes no more
alike than any two notes of their question; the card says so and suggests a split.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from cafe.actions.synthesis.result import current_result
from cafe.briefing.parts import (
    _clean,
    point_embedder,
    speakable,
    theme_key_points,
)
from cafe.briefing_reads import load_source
from cafe.synthesis.key_points import tfidf_embedder
from cafe.synthesis.types import SynthesisResult


@dataclass(frozen=True)
class CardView:
    """What the cards say of the notes: key points by theme id, and the ids of loose themes."""

    points: dict[int, dict[str, Any]]
    loose: frozenset[int]


CACHED = 32  # a few events, each a few memberships back (undo returns to an earlier one)
_cache: OrderedDict[str, CardView] = OrderedDict()
FITS = 4  # fitted embeddings kept (one per set of words; each holds the fitted vocabulary)
_fits: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def _digest(source, result: SynthesisResult) -> str:
    """Return a digest of everything the key points are computed from."""
    notes = [(n.id, _clean(n.text, source.names), speakable(n)) for n in source.notes if n.usable]
    themes = [(t.key, list(t.note_ids)) for t in result.themes]
    # The sentence vectors a run's worker kept arrive just after its themes.
    kept = point_embedder(source, result, fallback=None)
    vectors = None if kept is None else [kept.model, len(kept)]
    blob = json.dumps([source.event_id, notes, themes, vectors], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Fitted:
    """The briefing's embedding fitted on one set of notes' words, and those notes' vectors."""

    def __init__(self, texts: list[str]):
        self.texts = list(texts)
        self.embed = tfidf_embedder(self.texts)
        self.vectors = None

    def __call__(self, texts) -> Any:
        texts = list(texts)
        if texts != self.texts:
            return self.embed(texts)
        if self.vectors is None:
            self.vectors = self.embed(texts)
        return self.vectors


def _embedder(texts: list[str]) -> _Fitted:
    """Return the embedding fitted on these words, fitting it only when they are new.

    Fitting is most of the cost, and it depends on the words alone: a move, merge, split or pin
    keeps them, so only the cheap part is done again; an exclusion, a hold or an edit fits anew.
    """
    key = hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()
    with _lock:
        if key in _fits:
            _fits.move_to_end(key)
            return _fits[key]
    fitted = _Fitted(texts)
    with _lock:
        _fits[key] = fitted
        while len(_fits) > FITS:
            _fits.popitem(last=False)
    return fitted


def _view(source, result: SynthesisResult) -> CardView:
    """Compute each theme's point as plain data by theme id (note ids, not indices), and which
    themes are loose."""
    usable, texts, found, loose = theme_key_points(
        source, result, embedder=point_embedder(source, result, fallback=_embedder))
    out: dict[int, dict[str, Any]] = {}
    for theme in result.themes:
        tp = found.get(theme.key)
        if tp is None or tp.point is None or not tp.point.text:
            continue
        other = None
        if tp.other is not None and tp.other.text:
            other = {
                "text": tp.other.text,
                "note": usable[tp.other.source].id if tp.other.source is not None else None,
                "n": len(tp.other.matched),
            }
        out[int(theme.key)] = {
            "text": tp.point.text,
            "note": usable[tp.point.source].id if tp.point.source is not None else None,
            "other": other,
            # A loose theme: the points made within it, as the briefing lists them.
            "parts": [{"text": p.text, "note": usable[p.source].id, "n": len(p.matched),
                       "notes": [usable[i].id for i in p.matched]}
                      for p in tp.parts if p.source is not None],
        }
    return CardView(out, frozenset(int(k) for k in loose))


def card_view(db: Database, event: dict[str, Any], result: SynthesisResult) -> CardView:
    """Return what the theme cards say of the notes: each key point, and the loose themes."""
    source = load_source(db, event)
    key = _digest(source, result)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    view = _view(source, result)
    with _lock:
        _cache[key] = view
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return view


def listed_points(db: Database, event: dict[str, Any], theme_id: Any) -> list[list[int]]:
    """Return the note ids behind each point a loose theme's card lists (none: it lists none)."""
    result = current_result(db, event["id"])
    try:
        point = card_view(db, event, result).points.get(int(theme_id)) if result else None
    except (TypeError, ValueError):
        return []
    return [list(p["notes"]) for p in point["parts"]] if point else []
