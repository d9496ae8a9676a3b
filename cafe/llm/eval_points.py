"""`cafe eval --llm`: reword each theme's key point of `--themes-out` with the local model.

The same pass a briefing gets (`cafe.llm.rewrite.run_pass`): the model sees the theme's notes
(the note the extractive point comes from first, at most `MAX_NOTES`), writes one plain sentence
citing the notes it rests on, and the grounding check keeps it only when those notes support it
(cited notes in the theme, similarity to them, numbers recomputed); otherwise the extractive point
stays. So the themes written for scoring carry the points a draft would, and the bench can measure
points written from the notes, not only quoted from one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cafe.llm.backends import Chat
from cafe.llm.grounding import NoteFact
from cafe.llm.rewrite import GENERATED, run_pass
from cafe.llm.tasks import MAX_NOTES, NOTE_CHARS, Task


def reword_points(themes: dict, texts: Sequence[str], chat: Chat,
                  progress: Callable[[float, str], None] | None = None) -> dict[str, int]:
    """Reword the `key_point` of every theme in `themes` (the `--themes-out` structure, rows as
    indices into `texts`) in place; return how many were reworded and how many kept.

    Each theme gains `key_point_by` ("model" or "notes") and, when reworded,
    `extractive_point` (the sentence it replaced) and `key_point_cites` (the rows it cites).
    """
    notes = {i: NoteFact(i, str(t or "")) for i, t in enumerate(texts)}
    tasks, owners = [], []
    for group in themes.get("groups", []):
        for j, theme in enumerate(group.get("themes", [])):
            theme["key_point_by"] = "notes"
            point, rows = theme.get("key_point"), list(theme.get("rows", []))
            if not point or not rows:
                continue
            first = theme.get("key_point_row")
            order = sorted(rows, key=lambda r, first=first: (r != first, r))
            shown = [(r, notes[r].text[:NOTE_CHARS]) for r in order[:MAX_NOTES]]
            tasks.append(Task("key_point", f"{group.get('group')}:{j}", point, shown, rows,
                              {"notes": len(rows)}, title=theme.get("label", "")))
            owners.append(theme)
    said = run_pass(tasks, chat, notes, progress) if tasks else []
    kept = {s.key: s for s in said if s.status == GENERATED}
    done = 0
    for task, theme in zip(tasks, owners, strict=True):
        sentence = kept.get(task.key)
        if sentence is not None:
            theme["extractive_point"] = theme["key_point"]
            theme["key_point"] = sentence.text
            theme["key_point_by"] = "model"
            theme["key_point_cites"] = sentence.cited
            done += 1
    return {"reworded": done, "kept": len(tasks) - done}
