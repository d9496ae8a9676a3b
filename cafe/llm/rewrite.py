"""Run the language-model tasks, check every sentence, and put the accepted ones into a draft.

Each task's reply is split into sentences; each sentence's cited note ids ("[12, 15]") are taken
out and the sentence goes through `cafe.llm.grounding.check`. A key point or ask takes the first
sentence that passes, else keeps its extractive text; the summary keeps the sentences that pass in
place of the extractive sentence naming the top findings; a gloss (for staff only) is kept or
dropped. Every sentence is recorded (`Sentence`): generated or fell back, and why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cafe.briefing.markdown import md_escape
from cafe.llm.backends import Chat, LlmUnavailable
from cafe.llm.grounding import NoteFact, Verdict, check, recount, tfidf_similarity, words
from cafe.llm.tasks import Task

GENERATED, FALLBACK = "generated", "fallback"
# The draft's section (`cafe.briefing.markdown.render_markdown`) each kind of sentence goes in.
SECTIONS = {"key_point": "Key points", "ask": "Recommendations and asks"}
MAX_TOKENS = {"key_point": 80, "ask": 80, "summary": 200, "gloss": 160}

SYSTEM = (
    "You help staff write a short briefing from notes people wrote at a community event. Use "
    "only what the notes say, in plain, neutral English. End every sentence with the ids of the "
    "notes it rests on in square brackets, like [12, 15]."
)
ASK = {
    "key_point": "Reword this finding as one plain, neutral sentence:",
    "ask": "Write this as one recommendation, saying who should act if the notes say so:",
    "summary": "Write two or three sentences summing up these findings for the briefing's "
               "summary paragraph:",
}


@dataclass
class Sentence:
    """One generated sentence (or the want of one) and what became of it."""

    kind: str
    key: str
    status: str  # generated | fallback
    text: str  # what the draft (or the gloss list) now has
    generated: str = ""  # the model's sentence, citations taken out ("" if it gave none)
    cited: list[int] = field(default_factory=list)
    reason: str = ""
    similarity: float = 0.0
    extractive: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def prompt(task: Task) -> list[dict[str, str]]:
    """Return the chat messages for a task."""
    notes = "\n".join(f"[{i}] {text}" for i, text in task.shown)
    if task.kind == "gloss":
        return [{"role": "system", "content": "You translate notes into plain English for "
                 "staff. Answer with the translation only."},
                {"role": "user", "content": f"Translate into English:\n{task.shown[0][1]}"}]
    if task.kind == "summary":
        lines = []
        for (i, text), part in zip(task.shown, task.parts, strict=False):
            lines.append(f"[{i}] {text} ({part.facts['notes']} notes, "
                         f"{part.facts['tables']} tables)")
        notes = "\n".join(lines)
        return [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"Findings:\n{notes}\n\n{ASK['summary']}"}]
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Notes:\n{notes}\n\n{ASK[task.kind]}\n"
                                        f"{task.extractive}"}]


_CITE = re.compile(r"\[\s*(?:notes?\s*|ids?\s*|#)?(\d+(?:\s*(?:,|and|&)\s*#?\d+)*)\s*\]",
                   re.IGNORECASE)
_AFTER_END = re.compile(r"([.!?])\s*((?:\[[^\]\n]*\]\s*)+)")
_END = re.compile(r"(?<=[.!?])\s+|\n+")
_LABEL = re.compile(r"^\s*(?:[-*•]|\d+[.)]|(?:reworded finding|recommendation|summary|"
                    r"finding|answer|translation)\s*:)\s*", re.IGNORECASE)


def split_reply(reply: str) -> list[tuple[str, list[int]]]:
    """Split a reply into (sentence, cited ids), the citations taken out of the sentence."""
    text = _AFTER_END.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", reply or "")
    out = []
    for raw in _END.split(text):
        cited = [int(x) for found in _CITE.findall(raw) for x in re.findall(r"\d+", found)]
        sentence = _CITE.sub("", raw)
        sentence = _LABEL.sub("", sentence).strip(" \t\"'“”`*")
        sentence = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(sentence.split()))
        if words(sentence):
            out.append((sentence, list(dict.fromkeys(cited))))
    return out


def _judge(task: Task, sentence: str, cited: list[int], notes: Mapping[int, NoteFact],
           similarity) -> Verdict:
    return check(sentence, cited, task.allowed, notes, task.facts_for(cited), similarity)


def run_task(task: Task, chat: Chat, notes: Mapping[int, NoteFact], similarity
             ) -> list[Sentence]:
    """Ask the model for one task and return what became of each sentence it wrote."""
    try:
        reply = chat(prompt(task), MAX_TOKENS[task.kind])
    except LlmUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - one failed task falls back; the rest go on
        reply, failure = "", f"the model failed: {type(exc).__name__}"
    else:
        failure = "the model wrote no sentence"
    said = split_reply(reply)
    if task.kind == "gloss":
        return [_gloss(task, said, notes, failure)]
    out: list[Sentence] = []
    for sentence, cited in said[: 3 if task.kind == "summary" else 2]:
        verdict = _judge(task, sentence, cited, notes, similarity)
        out.append(Sentence(task.kind, task.key, GENERATED if verdict.ok else FALLBACK,
                            verdict.text if verdict.ok else "", sentence, cited, verdict.reason,
                            round(verdict.similarity, 3), task.extractive))
    if task.kind != "summary":
        if not out:
            return [Sentence(task.kind, task.key, FALLBACK, task.extractive, "", [], failure,
                             extractive=task.extractive)]
        kept = next((s for s in out if s.status == GENERATED), None)
        for s in out:
            if kept is not None and s is not kept:
                s.status, s.text, s.reason = FALLBACK, "", "not used: another sentence was kept"
        if kept is None:
            out[0].text = task.extractive  # the extractive text stands in the draft
        return out
    if not out:
        out.append(Sentence("summary", "summary", FALLBACK, "", "", [], failure,
                            extractive=task.extractive))
    return out


def _gloss(task: Task, said, notes: Mapping[int, NoteFact], failure: str) -> Sentence:
    """Check a gloss: across languages similarity cannot be measured, so its numbers must be the
    note's and its length near the note's; it cites the note it glosses."""
    note_id = task.shown[0][0]
    text = " ".join(s for s, _ in said)
    base = Sentence("gloss", task.key, FALLBACK, "", text, [note_id], failure,
                    extractive=task.title)
    if not text:
        return base
    fixed, _changes, why = recount(text, {}, [notes[note_id].text] if note_id in notes else [])
    ratio = len(text) / max(1, len(task.shown[0][1]))
    if fixed is None:
        base.reason = why
    elif not 0.25 <= ratio <= 4:
        base.reason = f"not a gloss of the note (length {ratio:.1f} times the note's)"
    else:
        base.status, base.text = GENERATED, fixed
        base.reason = ("kept for staff only; its numbers and length checked (a meaning across "
                       "languages cannot be measured here)")
    return base


def run_pass(tasks: list[Task], chat: Chat, notes: Mapping[int, NoteFact],
             progress: Callable[[float, str], None] | None = None) -> list[Sentence]:
    """Run every task in turn and return every sentence's record."""
    corpus = [n.text for n in notes.values() if not n.words_protected] + \
        [t.extractive for t in tasks if t.extractive]
    similarity = tfidf_similarity(corpus)
    out: list[Sentence] = []
    for done, task in enumerate(tasks):
        if progress:
            progress(0.05 + 0.9 * done / max(1, len(tasks)),
                     f"Asking the model ({done + 1} of {len(tasks)})")
        out += run_task(task, chat, notes, similarity)
    if progress:
        progress(0.96, "Checked every sentence")
    return out


def cited(text: str, ids: list[int]) -> str:
    """Return a sentence with the notes it rests on named before its final mark."""
    mark = f" (cites note{'s' if len(ids) != 1 else ''} {', '.join(str(i) for i in ids)})"
    if text[-1:] in ".!?":
        return text[:-1] + mark + text[-1]
    return text + mark + "."


def new_summary(extractive: str, kept: list[Sentence]) -> str:
    """Return the summary with the accepted sentences in place of the one naming the top
    findings (the counts and the rest stay as Café wrote them)."""
    if not kept:
        return extractive
    said = " ".join(cited(s.text, s.cited) for s in kept)
    parts = re.split(r"(?<=\.)\s+(?=The points? made most often)", extractive, maxsplit=1)
    if len(parts) == 2:
        head, rest = parts
        after = re.split(r"(?<=\.)\s+(?=Views were split)", rest, maxsplit=1)
        return " ".join([head, said] + after[1:])
    return f"{extractive} {said}"


def apply_to_markdown(markdown: str, sentences: list[Sentence]) -> tuple[str, list[Sentence]]:
    """Put the accepted sentences into a draft's Markdown where its extractive text still stands
    as Café wrote it; return the text and the sentences it could not place (staff changed it)."""
    lines = markdown.split("\n")
    section, heading = [], ""
    for line in lines:
        heading = line[3:].strip() if line.startswith("## ") else heading
        section.append(heading)
    missed = []
    for s in sentences:
        if s.status != GENERATED or s.kind not in ("key_point", "ask"):
            continue
        old = md_escape(s.extractive)
        where = SECTIONS[s.kind]
        at = next((i for i, line in enumerate(lines) if section[i] == where
                   and re.match(r"^(?:\d+\.|-) ", line) and old in line), None)
        if at is None:
            missed.append(s)
            continue
        lines[at] = lines[at].replace(old, md_escape(cited(s.text, s.cited)), 1)
    summary = [s for s in sentences if s.kind == "summary"]
    if summary and any(s.status == GENERATED for s in summary):
        old = md_escape(summary[0].extractive)
        new = md_escape(new_summary(summary[0].extractive,
                                    [s for s in summary if s.status == GENERATED]))
        if old in lines:
            lines[lines.index(old)] = new
        else:
            missed += [s for s in summary if s.status == GENERATED]
    return "\n".join(lines), missed


def scrub_generated(markdown: str, sentences: list[dict], available: Callable[[int], bool]
                    ) -> str:
    """Remove from a draft the model's sentences that cite a note no longer available (withdrawn,
    held, excluded or unscreened since the pass), as `cafe.briefing.draft.scrub_points` does for
    Café's own."""
    for s in sentences:
        if s.get("status") != GENERATED or s.get("kind") == "gloss" or not s.get("text"):
            continue
        if all(available(i) for i in s.get("cited", ())):
            continue
        markdown = markdown.replace(md_escape(cited(s["text"], s["cited"])),
                                    "[point removed: its note is no longer available]")
    return markdown
