import csv
from pathlib import Path

import pytest

from cafe.synthesis import NoteInput

CORPUS = Path(__file__).with_name("cafe_notes.csv")
CONSENTS = ("quote", "paraphrase", "none")


def load_corpus() -> tuple[list[NoteInput], dict[str, set[int]]]:
    """Return the in-repo notes (4 topics) and the ids of each topic's notes."""
    with CORPUS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    notes, topics = [], {}
    for i, row in enumerate(rows):
        notes.append(NoteInput(id=100 + i, text=row["text"], table=i % 4 + 1, round=i % 3 + 1,
                               consent=CONSENTS[i % 3]))
        topics.setdefault(row["topic"], set()).add(100 + i)
    return notes, topics


@pytest.fixture
def corpus():
    return load_corpus()
