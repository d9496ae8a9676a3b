"""Plain data passed into and out of the synthesis engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from cafe.held import is_held

CONSENTS = ("quote", "paraphrase", "none")


@dataclass(frozen=True)
class NoteInput:
    """One note as the engine sees it: text plus where it came from and what may be done with it."""

    id: int
    text: str
    table: int | None = None
    round: int | None = None
    consent: str = "paraphrase"
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.consent not in CONSENTS:
            raise ValueError(f"consent must be one of {CONSENTS}, not {self.consent!r}")

    @property
    def quotable(self) -> bool:
        """Say whether this note may be shown word for word."""
        return self.consent == "quote" and not is_held(self.flags)

    @property
    def speakable(self) -> bool:
        """Say whether a key point may be built from this note's words (quotable and screened)."""
        return self.quotable and "unscreened" not in self.flags


@dataclass(frozen=True)
class Frame:
    """A theme staff expect, named, with a few seed phrases that describe it."""

    name: str
    seeds: list[str] = field(default_factory=list)


@dataclass
class Theme:
    """A group of notes with a label, key phrases, consented representatives and counts."""

    key: str
    label: str
    key_phrases: list[str]
    note_ids: list[int]
    representative_ids: list[int]
    counts_by_table: dict
    counts_by_round: dict
    frame: str | None
    word_weights: dict[str, float]
    # Redacted text of each representative, so no caller has to quote the raw note.
    quotes: dict[int, str] = field(default_factory=dict)
    # The question (round) whose notes this theme groups, when themes are made per question.
    question: int | None = None
    # One plain sentence saying what people said (from a quotable note: `key_point_id`), and where
    # the theme holds opposite views, the other view's sentence and each note's side (+1 / -1).
    key_point: str = ""
    key_point_id: int | None = None
    other_point: str = ""
    stance: dict[int, int] = field(default_factory=dict)


@dataclass
class SynthesisResult:
    """Themes, the notes that fit none, and how they were made."""

    themes: list[Theme]
    unthemed: list[int]
    params: dict
